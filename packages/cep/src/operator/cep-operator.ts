import type { Collector, Json, OutputTag } from '@eventide/core';
import { expectShape, type OperatorInit } from '@eventide/core/operator';
import type { SchedulerLike } from 'rxjs';
import type { CompiledNFA } from '../compiler/graph';
import type { Match, PartialMatchView } from '../nfa/nfa';
import { PatternRunner, type RunnerSnapshot } from './runner';
import { Sequencer, type SequencerSnapshot } from './sequencer';

/** What pattern functions see besides the match. */
export interface PatternContext {
  /** The match's timestamp: the event that completed it, or the time that released / timed it out. */
  readonly timestamp: number;
  readonly currentWatermark: number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Flink's `PatternProcessFunction` (with `TimedOutPartialMatchHandler`). */
export interface PatternProcessFunction<T, O> {
  processMatch(match: Match<T>, ctx: PatternContext, out: Collector<O>): void;
  /** Called with a partial match whose `within` window closed; `ctx.timestamp` is the timeout time. */
  processTimedOutMatch?(match: Match<T>, ctx: PatternContext): void;
}

/**
 * Looks into a running CEP operator: the partial matches a key holds, with the stages taken
 * and their events, the stage each waits at and its `within` deadline. The first thing to reach
 * for when a pattern does not fire (`PatternStream.inspect`).
 */
export interface CepInspector<K, T> {
  /** The partial matches `key` holds, oldest first (empty when none). */
  partialMatches(key: K): PartialMatchView<T>[];
  /** Keys that hold partial matches. */
  keys(): K[];
  /** The operator's watermark: events after it wait and have not reached the NFA yet. */
  readonly watermark: number;
  /** Events waiting for the watermark. */
  readonly waiting: number;
}

export interface CepOperatorConfig<K, T, O> {
  readonly keySelector: (value: T) => K;
  readonly compiled: CompiledNFA<T>;
  readonly fn: PatternProcessFunction<T, O>;
  readonly lateTag: OutputTag<T> | undefined;
  readonly comparator: ((a: T, b: T) => number) | undefined;
  readonly maxPartialMatchesPerKey: number;
  /** Processing time for records without an event timestamp: their time, and timers for `within`. */
  readonly clock: SchedulerLike;
  /** Receives the operator's inspector when it opens. */
  readonly inspect: ((inspector: CepInspector<K, T>) => void) | undefined;
}

/**
 * Runs a compiled pattern per key in event time (Flink's `CepOperator`): the `Sequencer` releases
 * records in timestamp order as the watermark passes them, a `PatternRunner` feeds them to each
 * key's NFA and times partial matches out at their `within` deadlines (timers per key, so that
 * happens on the watermark even if the key never sends again).
 *
 * A key has NFA state only while it holds a partial match: most readings of most meters open
 * nothing and cost a condition check.
 */
export class CepOperator<K, T, O> extends Sequencer<K, T, O> implements PatternContext, Collector<O> {
  private readonly runner: PatternRunner<K, T>;
  timestamp = 0;

  constructor(
    init: OperatorInit,
    private readonly config: CepOperatorConfig<K, T, O>,
  ) {
    super(init, config);
    Object.assign(this.metrics.custom, {
      partialMatches: 0,
      matches: 0,
      timeouts: 0,
      partialMatchesDropped: 0,
    });
    const processTimedOutMatch = config.fn.processTimedOutMatch;
    this.runner = new PatternRunner<K, T>(config.compiled, config.maxPartialMatchesPerKey, {
      counters: this.metrics.custom,
      onMatch: (m, ts, key) => {
        this.timestamp = ts;
        try {
          this.config.fn.processMatch(m, this, this);
        } catch (e) {
          this.userErrorAt(e, m, ts, key);
        }
      },
      onTimeout:
        processTimedOutMatch === undefined
          ? undefined
          : (m, at, key) => {
              this.timestamp = at;
              try {
                processTimedOutMatch.call(this.config.fn, m, this);
              } catch (e) {
                this.userErrorAt(e, m, at, key);
              }
            },
      onUserError: (e, value, ts, key) => this.userErrorAt(e, value, ts, key),
    });
  }

  override open(): void {
    super.open();
    const runner = this.runner;
    const self = this;
    this.config.inspect?.({
      partialMatches: (key) => runner.describe(key),
      keys: () => runner.heldKeys(),
      get watermark() {
        return self.watermark;
      },
      get waiting() {
        return self.waitingCount;
      },
    });
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.side(tag, value, this.timestamp);
  }

  collect(value: O): void {
    this.out.emit(value, this.timestamp);
  }

  protected runEvent(key: K, value: T, t: number): void {
    this.runner.runEvent(key, value, t);
  }

  protected nextDeadline(): number | undefined {
    return this.runner.nextDeadline();
  }

  protected fireDeadlines(time: number): void {
    this.runner.advanceDeadlines(time);
  }

  protected updateGauges(): void {
    this.metrics.keysHeld = this.runner.keyCount;
    this.metrics.custom.partialMatches = this.runner.partialMatches;
    this.metrics.custom.waiting = this.waitingCount;
  }

  /**
   * The compiled pattern's shape: its states and transitions (conditions are code and cannot be
   * compared), `within`, and the skip strategy. State of another pattern is refused on restore.
   */
  override describe(): Json {
    return describeCompiled(this.config.compiled);
  }

  override snapshot(): unknown {
    const r = this.runner.snapshot();
    return {
      ...this.snapshotInput(),
      keys: r.keys,
      deadlines: r.deadlines,
      partialMatches: r.partialMatches,
      counters: { ...this.metrics.custom },
    };
  }

  override restore(state: unknown): void {
    expectShape(state, { watermark: 'time', keys: 'array', waiting: 'array', deadlines: 'array' });
    const s = state as SequencerSnapshot<K, T> &
      RunnerSnapshot<K, T> & {
        counters: Record<string, number>;
      };
    this.restoreInput(s);
    this.runner.restore(s);
    Object.assign(this.metrics.custom, s.counters);
    this.updateGauges();
  }
}

/** A compiled pattern's shape as plain JSON (conditions are code: only where they are). */
export function describeCompiled<T>(c: CompiledNFA<T>): Json {
  return {
    states: c.states.map((st) => [
      st.stage,
      st.kind,
      st.greedy,
      st.transitions
        .map((t) => `${t.action}>${t.target.id}${t.condition === undefined ? '' : '?'}`)
        .join(' '),
    ]),
    windowTime: Number.isFinite(c.windowTime) ? c.windowTime : String(c.windowTime),
    gapWindows: [...c.gapWindows].map(([k, v]) => `${k}:${v}`),
    skip: String(c.skipStrategy),
  };
}
