import { isObservable, Observable } from 'rxjs';
import type { AnySink, Source } from '../connectors';
import { IllegalArgumentError } from '../errors';
import { NO_KEY } from '../internal/keys';
import type { Operator, OperatorInit } from '../internal/operator';
import type { Collector } from '../operators/keyed-process';
import { type KeyedProcessFunction, KeyedProcessOperator } from '../operators/keyed-process';
import {
  FilterOperator,
  FlatMapOperator,
  MapOperator,
  ValidateOperator,
  type Validator,
} from '../operators/stateless';
import { TimestampsOperator } from '../operators/timestamps';
import { UnionOperator } from '../operators/union';
import type { OutputTag } from '../output-tag';
import { connect, execute } from '../runtime/job';
import { operatorNode, type SinkNode, type StreamNode } from '../runtime/plan';
import type { WatermarkStrategy } from '../time/watermark-strategy';
import type { ErrorPolicy, TimelineItem } from '../types';
import type {
  AggregateFunction,
  ProcessWindowFunction,
  WindowAggregation,
  WindowContext,
} from '../window/aggregation';
import { aggregateAggregation, processAggregation, reduceAggregation } from '../window/aggregation';
import type { WindowAssigner } from '../window/assigners';
import { WindowOperator } from '../window/window-operator';
import {
  fromAsyncIterable,
  fromIterable,
  fromObservable,
  fromSource,
  fromTimeline,
  isSource,
  type SourceOptions,
} from './sources';

/** Options of `DataStream.keyBy`. */
export interface KeyByOptions<K, S extends string | number> {
  /** Turns a composite key (an object, a tuple) into a primitive that compares by value. */
  readonly serializeKey: (key: K) => S;
}

/** Anything `DataStream.from` reads. */
export type StreamInput<T> = Iterable<T> | AsyncIterable<T> | Observable<T> | Source<T>;

/**
 * A stream of records with event timestamps and in-band watermarks. Methods build a plan; nothing
 * runs until the stream is collected, turned into an Observable, or connected into a `Job`. Each
 * run builds fresh operator state.
 *
 * @example
 * const hourly = await DataStream.from(readings)
 *   .assignTimestampsAndWatermarks(
 *     WatermarkStrategy.forBoundedOutOfOrderness<Reading>(600_000).withTimestampAssigner((r) => r.ts),
 *   )
 *   .keyBy((r) => r.meter)
 *   .window(TumblingEventTimeWindows.of(3_600_000))
 *   .reduce((a, b) => ({ ...a, kWh: a.kWh + b.kWh }))
 *   .collect();
 */
export class DataStream<T> {
  /** @internal The plan vertex this stream reads from. */
  constructor(readonly node: StreamNode<T>) {}

  /**
   * A stream over an iterable (read in batches, synchronously), an async iterable, an Observable,
   * or a `Source`. Records have no timestamp until `assignTimestampsAndWatermarks`. When the input
   * ends, a `+∞` watermark fires every pending window and timer.
   */
  static from<T>(input: StreamInput<T>, options?: SourceOptions): DataStream<T> {
    if (isObservable(input)) return new DataStream(fromObservable(input as Observable<T>));
    if (input !== null && typeof input === 'object') {
      if (Symbol.iterator in input) return new DataStream(fromIterable(input as Iterable<T>, options));
      if (Symbol.asyncIterator in input) return new DataStream(fromAsyncIterable(input as AsyncIterable<T>));
      if (isSource<T>(input)) return new DataStream(fromSource(input));
    }
    throw new IllegalArgumentError(
      'DataStream.from: expected an iterable, an async iterable, an Observable or a Source (an object with open())',
    );
  }

  /**
   * A stream with explicit time, for tests and replays: `{ value, timestamp }` records and
   * `{ watermark }` items in arrival order. Watermarks that do not advance are dropped.
   * @example DataStream.fromTimeline([{ value: 'a', timestamp: 5 }, { watermark: 9 }])
   */
  static fromTimeline<T>(items: Iterable<TimelineItem<T>>, options?: SourceOptions): DataStream<T> {
    return new DataStream(fromTimeline(items, options));
  }

  /** Names the operator that produces this stream (metrics, errors, snapshots). Names must be unique in a job. */
  name(name: string): this {
    this.node.name = name;
    return this;
  }

  /**
   * What the producing operator does when a user function throws: `'fail'` (the default) errors
   * the job with an `OperatorError` naming operator, key and timestamp; `'invalid'` sends the
   * record to the `INVALID` side output with the reason and carries on.
   */
  onError(policy: ErrorPolicy): this {
    this.node.errorPolicy = policy;
    return this;
  }

  /**
   * Assigns event timestamps and generates watermarks per record (see `WatermarkStrategy`).
   * Records whose timestamp is not a finite number go to the `INVALID` side output.
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    return this.chain('timestamps', (init) => new TimestampsOperator<T>(init, strategy));
  }

  /** One output per record, with the record's timestamp; watermarks pass unchanged. */
  map<O>(fn: (value: T) => O): DataStream<O> {
    return this.chain('map', (init) => new MapOperator(init, fn));
  }

  /** Keeps the records `predicate` accepts; a type guard narrows the stream's type. */
  filter<S extends T>(predicate: (value: T) => value is S): DataStream<S>;
  filter(predicate: (value: T) => boolean): DataStream<T>;
  filter(predicate: (value: T) => boolean): DataStream<T> {
    return this.chain('filter', (init) => new FilterOperator(init, predicate));
  }

  /** Zero or more outputs per record, each with the record's timestamp. */
  flatMap<O>(fn: (value: T) => Iterable<O>): DataStream<O> {
    return this.chain('flatMap', (init) => new FlatMapOperator(init, fn));
  }

  /**
   * Passes valid records and sends the rest to the `INVALID` side output with the reason. The
   * validator is a type guard or predicate, a function returning a reason string for bad records,
   * or a schema with `safeParse` (zod).
   */
  validate<S extends T>(guard: (value: T) => value is S): DataStream<S>;
  validate<S extends T = T>(validator: Validator<T>): DataStream<S>;
  validate<S extends T>(validator: Validator<T>): DataStream<S> {
    return this.chain(
      'validate',
      (init) => new ValidateOperator(init, validator),
    ) as unknown as DataStream<S>;
  }

  /** Merges streams of the same type; the watermark is the minimum over the inputs that are not idle. */
  union(...others: DataStream<T>[]): DataStream<T> {
    const inputs = [this.node, ...others.map((o) => o.node)];
    return new DataStream(operatorNode('union', inputs, (init) => new UnionOperator<T>(init, inputs.length)));
  }

  /**
   * Partitions the stream by key for keyed state, timers and windows. Keys compare like Map keys:
   * a selector returning an object, an array or `undefined` fails the job with an error naming
   * the operator, unless `serializeKey` turns such keys into strings or numbers (then state,
   * timers and windows see the serialized key).
   */
  keyBy<K>(keySelector: (value: T) => K): KeyedStream<K, T>;
  keyBy<K, S extends string | number>(
    keySelector: (value: T) => K,
    options: KeyByOptions<K, S>,
  ): KeyedStream<S, T>;
  keyBy<K, S extends string | number>(
    keySelector: (value: T) => K,
    options?: KeyByOptions<K, S>,
  ): KeyedStream<K | S, T> {
    const serialize = options?.serializeKey;
    if (serialize === undefined) return new KeyedStream<K, T>(this.node, keySelector);
    if (typeof serialize !== 'function') {
      throw new IllegalArgumentError('DataStream.keyBy: serializeKey must be a function');
    }
    return new KeyedStream<S, T>(this.node, (value) => serialize(keySelector(value)));
  }

  /** Windows over the whole stream (one global key). */
  windowAll(assigner: WindowAssigner): AllWindowedStream<T> {
    return new AllWindowedStream(new WindowedStream<undefined, T>(this.node, NO_KEY, assigner, 0, undefined));
  }

  /** The records the producing operator sent to `tag` (late data, invalid records, …). */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    return new DataStream<X>({
      type: 'side',
      kind: 'side',
      name: undefined,
      errorPolicy: 'fail',
      parent: this.node,
      tag,
    });
  }

  /**
   * A cold Observable of the values: each subscription runs the pipeline once. Unsubscribing (or
   * an operator such as `take(n)` completing) stops the sources. An Observable cannot push back:
   * a slow subscriber does not slow the source down (use `sinkTo` with an asynchronous sink).
   */
  toObservable(): Observable<T> {
    return new Observable<T>((subscriber) => {
      const job = connect({ main: this });
      subscriber.add(job.outputs.main.subscribe(subscriber));
      // Registered before start(): a take(n) inside the first slice stops the job at once.
      subscriber.add(() => void job.stop());
      job.start();
    });
  }

  /**
   * Writes the stream's values to `sink` (Flink's `sinkTo`): one `write` per batch. While a write
   * is pending the job reads no further input (backpressure). A plain `Sink` gives at-least-once
   * output across restores; a `TwoPhaseCommitSink` (e.g. `FileSink`) exactly-once. Pass the
   * result to `connect` like any output.
   * @example
   * const job = connect({ totals: hourly.sinkTo({ write: (rows) => db.insert(rows) }) });
   */
  sinkTo(sink: AnySink<T>): DataStreamSink<T> {
    if (
      sink === null ||
      typeof sink !== 'object' ||
      typeof (sink as { write?: unknown }).write !== 'function'
    ) {
      throw new IllegalArgumentError('DataStream.sinkTo: expected a Sink (an object with write(values))');
    }
    return new DataStreamSink<T>({
      type: 'sink',
      kind: 'sink',
      name: undefined,
      errorPolicy: 'fail',
      input: this.node as StreamNode<unknown>,
      sink: sink as AnySink<unknown>,
    });
  }

  /** Runs a bounded pipeline and resolves with every value. */
  async collect(): Promise<T[]> {
    return (await execute({ main: this })).outputs.main;
  }

  /** Runs a bounded pipeline and resolves with records (`{ value, timestamp }`) and watermarks (`{ watermark }`) in order. */
  async collectTimeline(): Promise<TimelineItem<T>[]> {
    const job = connect({ main: this });
    const items: TimelineItem<T>[] = [];
    job.timelines.main.subscribe({ next: (item) => items.push(item), error: () => {} });
    job.start();
    await job.done;
    return items;
  }

  /**
   * Adds a custom operator (Flink's `transform`): `create` builds a fresh `Operator` for each run.
   * This is how other packages (e.g. `@eventide/cep`) plug their operators into a pipeline.
   * @param kind used in the default operator name (`kind-N`)
   */
  transform<O>(kind: string, create: (init: OperatorInit) => Operator<T, O>): DataStream<O> {
    return this.chain(kind, create);
  }

  /** @internal */
  protected chain<O>(kind: string, create: (init: OperatorInit) => Operator<T, O>): DataStream<O> {
    return new DataStream(operatorNode(kind, [this.node], create));
  }
}

/** The end of a stream written to a sink (Flink's `DataStreamSink`); connect it like an output. */
export class DataStreamSink<T> {
  declare readonly __type?: T;
  /** @internal */
  constructor(readonly node: SinkNode) {}

  /** Names the sink (metrics, checkpoints). Names must be unique in a job. */
  name(name: string): this {
    this.node.name = name;
    return this;
  }
}

/** A stream partitioned by key (Flink's `KeyedStream`). */
export class KeyedStream<K, T> extends DataStream<T> {
  /** @internal */
  constructor(
    node: StreamNode<T>,
    readonly keySelector: (value: T) => K,
  ) {
    super(node);
  }

  /**
   * Runs a `KeyedProcessFunction` with per-key value/list/map state and event-time timers.
   * @example
   * keyed.process({
   *   processElement(r, ctx, out) { ctx.timerService.registerEventTimeTimer(ctx.timestamp + 3_600_000); },
   *   onTimer(t, ctx, out) { out.collect({ meter: ctx.key, silentSince: t }); },
   * });
   */
  process<O>(fn: KeyedProcessFunction<K, T, O>): DataStream<O> {
    const keySelector = this.keySelector;
    return this.chain('process', (init) => new KeyedProcessOperator<K, T, O>(init, keySelector, fn));
  }

  /** Groups each key's records into event-time windows. */
  window(assigner: WindowAssigner): WindowedStream<K, T> {
    return new WindowedStream(this.node, this.keySelector, assigner, 0, undefined);
  }
}

/**
 * A keyed stream cut into windows (Flink's `WindowedStream`). Immutable: each setting returns a
 * new one. Finish with `reduce`, `aggregate` or `process`.
 */
export class WindowedStream<K, T> {
  /** @internal */
  constructor(
    private readonly input: StreamNode<T>,
    private readonly keySelector: (value: T) => K,
    private readonly assigner: WindowAssigner,
    private readonly lateness: number,
    private readonly lateTag: OutputTag<T> | undefined,
  ) {}

  /**
   * Keeps each window's state `ms` past its end: records up to `ms` behind the watermark still
   * update the window and fire it again; later ones are late.
   */
  allowedLateness(ms: number): WindowedStream<K, T> {
    if (!(typeof ms === 'number' && ms >= 0)) {
      throw new IllegalArgumentError(`WindowedStream.allowedLateness: ms must be a number ≥ 0, got ${ms}`);
    }
    return new WindowedStream(this.input, this.keySelector, this.assigner, ms, this.lateTag);
  }

  /** Sends late records to `tag` instead of dropping them (they are counted either way). */
  sideOutputLateData(tag: OutputTag<T>): WindowedStream<K, T> {
    return new WindowedStream(this.input, this.keySelector, this.assigner, this.lateness, tag);
  }

  /** Combines each window's records pairwise as they arrive; emits the result (or passes it to `windowFn`) on firing. */
  reduce(fn: (a: T, b: T) => T): DataStream<T>;
  reduce<O>(fn: (a: T, b: T) => T, windowFn: ProcessWindowFunction<K, T, O>): DataStream<O>;
  reduce<O>(fn: (a: T, b: T) => T, windowFn?: ProcessWindowFunction<K, T, O>): DataStream<any> {
    return this.build('window', reduceAggregation<K, T, O>(fn, windowFn));
  }

  /** Incremental aggregation with an accumulator per window; the result goes to `windowFn` if given. */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>): DataStream<R>;
  aggregate<ACC, R, O>(
    fn: AggregateFunction<T, ACC, R>,
    windowFn: ProcessWindowFunction<K, R, O>,
  ): DataStream<O>;
  aggregate<ACC, R, O>(
    fn: AggregateFunction<T, ACC, R>,
    windowFn?: ProcessWindowFunction<K, R, O>,
  ): DataStream<any> {
    return this.build(
      'window',
      aggregateAggregation<K, T, ACC, R, O>(
        'WindowedStream.aggregate',
        fn,
        this.assigner.isMerging,
        windowFn,
      ),
    );
  }

  /** Buffers each window's records and calls `fn(key, context, elements, out)` when it fires. */
  process<O>(fn: ProcessWindowFunction<K, T, O>): DataStream<O> {
    return this.build('window', processAggregation(fn));
  }

  private build<A, O>(kind: string, aggregation: WindowAggregation<K, T, A, O>): DataStream<O> {
    const config = {
      keySelector: this.keySelector,
      assigner: this.assigner,
      allowedLateness: this.lateness,
      lateTag: this.lateTag,
      aggregation,
    };
    return new DataStream<O>(operatorNode(kind, [this.input], (init) => new WindowOperator(init, config)));
  }
}

/** Flink's `ProcessAllWindowFunction`: like `ProcessWindowFunction`, without a key. */
export type ProcessAllWindowFunction<I, O> = (
  context: WindowContext<undefined>,
  elements: readonly I[],
  out: Collector<O>,
) => void | readonly O[];

/** Windows over a non-keyed stream (Flink's `AllWindowedStream`). */
export class AllWindowedStream<T> {
  /** @internal */
  constructor(private readonly windowed: WindowedStream<undefined, T>) {}

  allowedLateness(ms: number): AllWindowedStream<T> {
    return new AllWindowedStream(this.windowed.allowedLateness(ms));
  }

  sideOutputLateData(tag: OutputTag<T>): AllWindowedStream<T> {
    return new AllWindowedStream(this.windowed.sideOutputLateData(tag));
  }

  reduce(fn: (a: T, b: T) => T): DataStream<T>;
  reduce<O>(fn: (a: T, b: T) => T, windowFn: ProcessAllWindowFunction<T, O>): DataStream<O>;
  reduce<O>(fn: (a: T, b: T) => T, windowFn?: ProcessAllWindowFunction<T, O>): DataStream<any> {
    return windowFn ? this.windowed.reduce(fn, dropKey(windowFn)) : this.windowed.reduce(fn);
  }

  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>): DataStream<R>;
  aggregate<ACC, R, O>(
    fn: AggregateFunction<T, ACC, R>,
    windowFn: ProcessAllWindowFunction<R, O>,
  ): DataStream<O>;
  aggregate<ACC, R, O>(
    fn: AggregateFunction<T, ACC, R>,
    windowFn?: ProcessAllWindowFunction<R, O>,
  ): DataStream<any> {
    return windowFn ? this.windowed.aggregate(fn, dropKey(windowFn)) : this.windowed.aggregate(fn);
  }

  process<O>(fn: ProcessAllWindowFunction<T, O>): DataStream<O> {
    return this.windowed.process(dropKey(fn));
  }
}

function dropKey<I, O>(fn: ProcessAllWindowFunction<I, O>): ProcessWindowFunction<undefined, I, O> {
  return (_key, ctx, elements, out) => fn(ctx, elements, out);
}
