import { IllegalArgumentError } from '../errors';
import { decodeTime, encodeTime, expectShape } from '../internal/codec';
import { checkKey } from '../internal/keys';

import { Operator, type OperatorInit } from '../internal/operator';
import type { OutputTag } from '../output-tag';
import {
  KeyedStore,
  type KeyedStoreSnapshot,
  type ListState,
  type ListStateDescriptor,
  type MapState,
  type MapStateDescriptor,
  type ValueState,
  type ValueStateDescriptor,
} from '../state/keyed-state';
import { TimerQueue } from '../state/timer-queue';
import type { Batch } from '../types';

/** Receives a function's outputs. */
export interface Collector<O> {
  collect(value: O): void;
}

/** Event-time timers of the current key. */
export interface TimerService {
  /** The operator's current watermark (`-Infinity` before the first). */
  currentWatermark(): number;
  /** Fires `onTimer(timestamp)` once the watermark reaches `timestamp`; registering twice is a no-op. */
  registerEventTimeTimer(timestamp: number): void;
  deleteEventTimeTimer(timestamp: number): void;
}

/** What `processElement` and `onTimer` see: the key, time, timers, keyed state and side outputs. */
export interface KeyedProcessContext<K> {
  /** The current key. */
  readonly key: K;
  /** The record's timestamp in `processElement`, the timer's in `onTimer`. */
  readonly timestamp: number;
  readonly timerService: TimerService;
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<MK, MV>(descriptor: MapStateDescriptor<MK, MV>): MapState<MK, MV>;
  /** Emits to a side output, with the current timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Flink's `KeyedProcessFunction`: per-record logic with per-key state and event-time timers.
 * Outputs of `processElement` carry the record's timestamp; outputs of `onTimer` carry the timer's.
 */
export interface KeyedProcessFunction<K, I, O> {
  processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  /** Called when the watermark passes a timer registered for this key. */
  onTimer?(timestamp: number, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
}

/**
 * Runs a `KeyedProcessFunction`. One `KeyedStore` holds every key's state and one `TimerQueue`
 * every key's timers; a watermark fires due timers in timestamp order before it is forwarded.
 */
export class KeyedProcessOperator<K, I, O>
  extends Operator<I, O>
  implements KeyedProcessContext<K>, Collector<O>
{
  private readonly store = new KeyedStore<K>();
  private readonly timers = new TimerQueue<K>();
  private watermark = Number.NEGATIVE_INFINITY;
  key!: K;
  timestamp = Number.NaN;
  readonly timerService: TimerService;

  constructor(
    init: OperatorInit,
    private readonly keySelector: (value: I) => K,
    private readonly fn: KeyedProcessFunction<K, I, O>,
  ) {
    super(init);
    const self = this;
    this.timerService = {
      currentWatermark: () => self.watermark,
      registerEventTimeTimer(timestamp) {
        if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) {
          throw new IllegalArgumentError(
            `TimerService.registerEventTimeTimer: timestamp must be a number, got ${timestamp} (does the stream have event timestamps?)`,
          );
        }
        const timers = self.store.entry(self.key).timers;
        if (!timers.has(timestamp)) {
          timers.add(timestamp);
          self.timers.add(timestamp, self.key);
        }
      },
      deleteEventTimeTimer(timestamp) {
        const e = self.store.peek(self.key);
        if (e?.timers.delete(timestamp)) self.store.release(self.key);
      },
    };
  }

  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.store.valueState(d);
  }
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.store.listState(d);
  }
  getMapState<MK, MV>(d: MapStateDescriptor<MK, MV>): MapState<MK, MV> {
    return this.store.mapState(d);
  }
  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.side(tag, value, this.timestamp);
  }
  collect(value: O): void {
    this.out.emit(value, this.timestamp);
  }

  processBatch(batch: Batch<I>): void {
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') {
        this.metrics.recordsIn++;
        let key: K | undefined;
        try {
          key = checkKey(this.keySelector(el.value), this.name, el.timestamp);
          this.key = key;
          this.store.currentKey = key;
          this.timestamp = el.timestamp;
          this.fn.processElement(el.value, this, this);
        } catch (e) {
          this.userError(e, el, key);
        }
        this.metrics.keysHeld = this.store.keyCount;
      } else if (el.kind === 'watermark') {
        if (el.timestamp <= this.watermark) continue;
        this.watermark = el.timestamp;
        this.timers.advanceTo(el.timestamp, this.fireTimer);
        this.metrics.keysHeld = this.store.keyCount;
        this.out.emitWatermark(el.timestamp);
      } else {
        this.out.emitStatus(el);
      }
    }
  }

  private readonly fireTimer = (timestamp: number, key: K): void => {
    const e = this.store.peek(key);
    // Deleted timers stay in the queue; the key's own set says which are live.
    if (e === undefined || !e.timers.delete(timestamp)) return;
    this.key = key;
    this.store.currentKey = key;
    this.timestamp = timestamp;
    try {
      this.fn.onTimer?.(timestamp, this, this);
    } catch (err) {
      this.userErrorAt(err, undefined, timestamp, key);
    }
    this.store.release(key);
  };

  override snapshot(): unknown {
    return { watermark: encodeTime(this.watermark), store: this.store.snapshot(this.timers.entries()) };
  }

  override restore(state: unknown): void {
    expectShape(state, { watermark: 'time', store: 'object' });
    const s = state as { watermark: unknown; store: KeyedStoreSnapshot };
    this.watermark = decodeTime(s.watermark);
    this.timers.clear();
    this.store.restore(s.store, (key, t) => this.timers.add(t, key));
    this.metrics.keysHeld = this.store.keyCount;
  }
}
