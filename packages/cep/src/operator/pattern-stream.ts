import { type Collector, type DataStream, KeyedStream, OutputTag } from '@eventide/core';
import { NO_KEY } from '@eventide/core/operator';
import { asyncScheduler, from, isObservable, type Observable, type SchedulerLike } from 'rxjs';
import { compile } from '../compiler/compile';
import type { CompiledNFA } from '../compiler/graph';
import type { Match } from '../nfa/nfa';
import type { ConditionRegistry } from '../pattern/condition-data';
import { MalformedPatternError } from '../pattern/errors';
import type { Pattern } from '../pattern/pattern';
import {
  type CepInspector,
  CepOperator,
  type PatternContext,
  type PatternProcessFunction,
} from './cep-operator';
import { DynamicCepOperator, type DynamicInspector, type DynamicMatch, type PatternUpdate } from './dynamic';

/** Options of `CEP.pattern`: the cap on partial matches per key and the order of equal timestamps. */
export interface CepOptions<T> {
  /** Orders events that share a timestamp (default: arrival order). */
  readonly comparator?: (a: T, b: T) => number;
  /**
   * Most partial matches one key may hold. Beyond it the oldest are dropped and counted in the
   * `partialMatchesDropped` metric, so a runaway pattern cannot exhaust memory. Default: no cap.
   */
  readonly maxPartialMatchesPerKey?: number;
  /**
   * Processing time for records without event timestamps: their time and the timers that fire
   * `within` timeouts (default: RxJS `asyncScheduler`; a `TestScheduler` in tests).
   */
  readonly clock?: SchedulerLike;
}

/**
 * A pattern applied to a stream (Flink's `PatternStream`): finish it with `select` or `process`
 * to get a `DataStream` of results. Immutable: settings return a new `PatternStream`.
 */
export class PatternStream<T> {
  /** @internal */
  constructor(
    private readonly input: DataStream<T>,
    private readonly keySelector: (value: T) => unknown,
    private readonly compiled: CompiledNFA<T>,
    private readonly options: CepOptions<T>,
    private readonly lateTag: OutputTag<T> | undefined,
    private readonly inspector: ((inspector: CepInspector<unknown, T>) => void) | undefined = undefined,
  ) {}

  /** Sends events that arrive behind the watermark to `tag` (otherwise they are dropped and counted). */
  sideOutputLateData(tag: OutputTag<T>): PatternStream<T> {
    if (!(tag instanceof OutputTag))
      throw new MalformedPatternError('PatternStream.sideOutputLateData: an OutputTag is needed');
    return new PatternStream(this.input, this.keySelector, this.compiled, this.options, tag, this.inspector);
  }

  /**
   * Hands `fn` the running operator's inspector when the job starts: the partial matches a key
   * holds (stages taken with their events, the stage each waits at, its `within` deadline). The
   * first thing to reach for when a pattern does not fire.
   *
   * @example
   * let inspector: CepInspector<string, Reading> | undefined;
   * CEP.pattern(readings.keyBy((r) => r.meter), spike).inspect((i) => (inspector = i)).select(toAlert);
   * // later, while the job runs:
   * console.log(inspector!.partialMatches('meter-7'));
   */
  inspect<K = unknown>(fn: (inspector: CepInspector<K, T>) => void): PatternStream<T> {
    if (typeof fn !== 'function')
      throw new MalformedPatternError('PatternStream.inspect: a function is needed');
    return new PatternStream(
      this.input,
      this.keySelector,
      this.compiled,
      this.options,
      this.lateTag,
      fn as (inspector: CepInspector<unknown, T>) => void,
    );
  }

  /** Orders events with equal timestamps. */
  withComparator(comparator: (a: T, b: T) => number): PatternStream<T> {
    checkOptions('PatternStream.withComparator', { comparator });
    return new PatternStream(
      this.input,
      this.keySelector,
      this.compiled,
      { ...this.options, comparator },
      this.lateTag,
      this.inspector,
    );
  }

  /**
   * One output per match; with a timeout tag, each timed-out partial match also goes to
   * `timeoutTag` as `timeoutFn(partialMatch, timeoutTimestamp)`.
   */
  select<O>(fn: (match: Match<T>) => O): DataStream<O>;
  select<L, O>(
    timeoutTag: OutputTag<L>,
    timeoutFn: (match: Match<T>, timeoutTimestamp: number) => L,
    fn: (match: Match<T>) => O,
  ): DataStream<O>;
  select<L, O>(
    a: ((match: Match<T>) => O) | OutputTag<L>,
    timeoutFn?: (match: Match<T>, timeoutTimestamp: number) => L,
    fn?: (match: Match<T>) => O,
  ): DataStream<O> {
    if (typeof a === 'function') {
      const select = a;
      return this.process<O>({ processMatch: (m, _ctx, out) => out.collect(select(m)) });
    }
    const tag = a;
    if (!(tag instanceof OutputTag)) {
      throw new MalformedPatternError(
        'PatternStream.select: pass a function, or an OutputTag, a timeout function and a function',
      );
    }
    if (typeof timeoutFn !== 'function' || typeof fn !== 'function') {
      throw new MalformedPatternError(
        'PatternStream.select: with a timeout tag, the timeout function and the select function are both needed',
      );
    }
    const select = fn;
    const onTimeout = timeoutFn;
    return this.process<O>({
      processMatch: (m, _ctx, out) => out.collect(select(m)),
      processTimedOutMatch: (m, ctx: PatternContext) => ctx.output(tag, onTimeout(m, ctx.timestamp)),
    });
  }

  /** Full control: `processMatch(match, ctx, out)` and optionally `processTimedOutMatch(match, ctx)`. */
  process<O>(fn: PatternProcessFunction<T, O>): DataStream<O> {
    if (typeof fn?.processMatch !== 'function') {
      throw new MalformedPatternError(
        'PatternStream.process: an object with a processMatch(match, ctx, out) function is needed',
      );
    }
    if (fn.processTimedOutMatch !== undefined && typeof fn.processTimedOutMatch !== 'function') {
      throw new MalformedPatternError('PatternStream.process: processTimedOutMatch must be a function');
    }
    const config = {
      keySelector: this.keySelector,
      compiled: this.compiled,
      fn,
      lateTag: this.lateTag,
      comparator: this.options.comparator,
      maxPartialMatchesPerKey: this.options.maxPartialMatchesPerKey ?? Number.POSITIVE_INFINITY,
      clock: this.options.clock ?? asyncScheduler,
      inspect: this.inspector,
    };
    return this.input.transform<O>('cep', (init) => new CepOperator(init, config));
  }
}

/** Options of `CEP.dynamicPatterns`. */
export interface DynamicPatternOptions<T, K = unknown> extends CepOptions<T> {
  /** Named conditions the pattern specs may use. */
  readonly conditions?: ConditionRegistry<T>;
  /** Receives the running operator's inspector (active patterns, a key's partial matches). */
  readonly inspect?: (inspector: DynamicInspector<K, T>) => void;
}

/** Entry point (Flink's `CEP`). */
export const CEP = {
  /**
   * Applies `pattern` to `stream`: per key for a `KeyedStream`, over the whole stream otherwise.
   * The pattern is compiled (and validated) here.
   * @example
   * CEP.pattern(readings.keyBy((r) => r.meter), spike).select((m) => ({ meter: m.high![0]!.meter }));
   */
  pattern<T>(stream: DataStream<T>, pattern: Pattern<T, any>, options: CepOptions<T> = {}): PatternStream<T> {
    checkOptions('CEP.pattern', options);
    const keySelector =
      stream instanceof KeyedStream ? (stream.keySelector as (value: T) => unknown) : NO_KEY;
    return new PatternStream(stream, keySelector, compile(pattern), options, undefined);
  },

  /**
   * Runs a changing set of patterns over `stream` (per key for a `KeyedStream`): `updates` add,
   * replace and remove patterns given as data (`PatternSpec`, see `Pattern.toJSON`) while the
   * job runs. Each match names the pattern id and version that found it. A replaced or removed
   * pattern's partial matches are dropped (counted as `partialMatchesDiscarded`); an update the
   * operator cannot apply (a bad spec, an unknown id, a version not above the active one) goes to
   * the INVALID side output with the reason. The active patterns and their state are part of
   * checkpoints.
   *
   * @example
   * const updates = new Subject<PatternUpdate>();
   * const alerts = CEP.dynamicPatterns(readings.keyBy((r) => r.meter), updates);
   * updates.next({ op: 'add', id: 'spike', version: 1, pattern: spikeSpec });
   */
  dynamicPatterns<T, K = unknown>(
    stream: DataStream<T>,
    updates: Observable<PatternUpdate> | readonly PatternUpdate[],
    options: DynamicPatternOptions<T, K> = {},
  ): DataStream<DynamicMatch<T, K>> {
    checkOptions('CEP.dynamicPatterns', options);
    if (!(isObservable(updates) || Array.isArray(updates))) {
      throw new MalformedPatternError(
        'CEP.dynamicPatterns: updates must be an Observable or an array of updates',
      );
    }
    if (options.inspect !== undefined && typeof options.inspect !== 'function') {
      throw new MalformedPatternError('CEP.dynamicPatterns: inspect must be a function');
    }
    const keySelector = (stream instanceof KeyedStream ? stream.keySelector : NO_KEY) as (value: T) => K;
    const config = {
      keySelector,
      updates: isObservable(updates) ? updates : from(updates as PatternUpdate[]),
      conditions: options.conditions,
      comparator: options.comparator,
      maxPartialMatchesPerKey: options.maxPartialMatchesPerKey ?? Number.POSITIVE_INFINITY,
      clock: options.clock ?? asyncScheduler,
      inspect: options.inspect,
    };
    return stream.transform<DynamicMatch<T, K>>(
      'dynamic-cep',
      (init) => new DynamicCepOperator<K, T>(init, config),
    );
  },
};

export type { Collector };

/**
 * Validates `CepOptions` where they are given, naming the API: a cap that is not a positive
 * integer (or Infinity), a comparator or clock of the wrong kind.
 */
export function checkOptions<T>(api: string, options: CepOptions<T>): void {
  if (options === null || typeof options !== 'object') {
    throw new MalformedPatternError(`${api}: options must be an object, got ${String(options)}`);
  }
  const cap = options.maxPartialMatchesPerKey;
  if (
    cap !== undefined &&
    !(typeof cap === 'number' && (cap === Number.POSITIVE_INFINITY || (Number.isInteger(cap) && cap > 0)))
  ) {
    throw new MalformedPatternError(
      `${api}: maxPartialMatchesPerKey must be a positive integer or Infinity, got ${typeof cap === 'string' ? `"${cap}"` : String(cap)}`,
    );
  }
  if (options.comparator !== undefined && typeof options.comparator !== 'function') {
    throw new MalformedPatternError(`${api}: comparator must be a function (a, b) => number`);
  }
  const clock = options.clock as { now?: unknown; schedule?: unknown } | undefined;
  if (clock !== undefined && !(typeof clock?.now === 'function' && typeof clock?.schedule === 'function')) {
    throw new MalformedPatternError(`${api}: clock must be an RxJS scheduler (with now() and schedule())`);
  }
}
