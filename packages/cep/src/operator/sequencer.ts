import type { Batch, OutputTag } from '@eventide/core';
import {
  checkKey,
  expectShape,
  NO_KEY,
  NumberHeap,
  Operator,
  type OperatorInit,
} from '@eventide/core/operator';
import type { SchedulerLike, Subscription } from 'rxjs';

interface Bucket<K, T> {
  keys: K[];
  records: T[];
}

/** The input side of a CEP operator, as plain data in its snapshot. */
export interface SequencerSnapshot<K, T> {
  readonly watermark: number | string;
  readonly waiting: [number, K[], T[]][];
  readonly timeDomain?: 'event' | 'processing' | null;
}

/**
 * The input side of a CEP operator (what Flink's `CepOperator` does before the NFA): records
 * wait until the watermark passes them, then go on in timestamp order (arrival order, or the
 * comparator, among equal timestamps); a record at or behind the watermark is late (counted, or
 * sent to the late tag). The first record decides the time: with a timestamp, event time;
 * without, processing time, where records go on at once and deadlines follow the clock. A record
 * of the other kind is refused as invalid, with the reason.
 *
 * Waiting records sit in one queue by timestamp for all keys, not per key. Subclasses run the
 * records (`runEvent`) and own the deadlines (`nextDeadline`, `fireDeadlines`).
 */
export abstract class Sequencer<K, T, O> extends Operator<T, O> {
  /** A non-keyed pattern stream's one global key is never checked. */
  private readonly checkKeys: boolean;
  private readonly waiting = new Map<number, Bucket<K, T>>();
  private readonly waitingTimes = new NumberHeap();
  private lastTs = Number.NaN;
  private lastBucket: Bucket<K, T> | undefined;
  private readonly spareBuckets: Bucket<K, T>[] = [];
  protected waitingCount = 0;
  protected watermark = Number.NEGATIVE_INFINITY;
  /** Set by the first record: event time (it had a timestamp) or processing time (it had none). */
  private timeDomain: 'event' | 'processing' | undefined;
  private clockTimer: Subscription | undefined;
  private clockTimerAt = Number.POSITIVE_INFINITY;

  constructor(
    init: OperatorInit,
    private readonly input: {
      readonly keySelector: (value: T) => K;
      readonly lateTag: OutputTag<T> | undefined;
      readonly comparator: ((a: T, b: T) => number) | undefined;
      readonly clock: SchedulerLike;
    },
  ) {
    super(init);
    this.checkKeys = (input.keySelector as unknown) !== NO_KEY;
  }

  /** One event of one key at time `t`, in order. */
  protected abstract runEvent(key: K, value: T, t: number): void;
  /** The earliest deadline of any pattern, or undefined. */
  protected abstract nextDeadline(): number | undefined;
  /** Fires the deadlines at or before `time` (the watermark, or the clock in processing time). */
  protected abstract fireDeadlines(time: number): void;
  /** Called before the records of time `t` run, and with the watermark after them (dynamic patterns switch here). */
  protected beforeTime(_t: number): void {}
  /** Gauges after a batch or a timer. */
  protected abstract updateGauges(): void;

  protected get processingTime(): boolean {
    return this.timeDomain === 'processing';
  }

  get currentWatermark(): number {
    return this.watermark;
  }

  processBatch(batch: Batch<T>): void {
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') {
        this.metrics.recordsIn++;
        let key: K | undefined;
        try {
          key = this.input.keySelector(el.value);
          if (this.checkKeys) checkKey(key, this.name, el.timestamp);
          const timed = !Number.isNaN(el.timestamp);
          this.timeDomain ??= timed ? 'event' : 'processing';
          if (timed !== (this.timeDomain === 'event')) {
            this.out.invalid(
              timed
                ? 'CEP: a record with an event timestamp in a pattern running in processing time (its first record had none)'
                : 'CEP: a record without an event timestamp in a pattern running in event time (assign timestamps to every record)',
              el.value,
              el.timestamp,
            );
          } else if (!timed) this.processNow(key, el.value);
          else if (el.timestamp <= this.watermark) this.late(this.input.lateTag, el.value, el.timestamp);
          else this.enqueue(key, el.value, el.timestamp);
        } catch (e) {
          this.userError(e, el, key);
        }
      } else if (el.kind === 'watermark') {
        this.advance(el.timestamp);
      } else {
        this.out.emitStatus(el);
      }
    }
    this.updateGauges();
  }

  private enqueue(key: K, value: T, ts: number): void {
    // consecutive records usually share a timestamp: remember the last bucket
    let bucket = ts === this.lastTs ? this.lastBucket : this.waiting.get(ts);
    if (bucket === undefined) {
      bucket = this.spareBuckets.pop() ?? { keys: [], records: [] };
      this.waiting.set(ts, bucket);
      this.waitingTimes.push(ts);
    }
    this.lastTs = ts;
    this.lastBucket = bucket;
    bucket.keys.push(key);
    bucket.records.push(value);
    this.waitingCount++;
  }

  private advance(wm: number): void {
    if (wm <= this.watermark) return;
    this.watermark = wm;
    // Per key this is Flink's order: advance to each due timestamp and feed its events, then
    // advance to the watermark (the deadline timers reach keys that had no event this round).
    this.releaseUpTo(wm);
    this.beforeTime(wm + 1);
    // in processing time, deadlines belong to the clock, not to watermarks
    if (!this.processingTime) this.fireDeadlines(wm);
    this.updateGauges();
    this.out.emitWatermark(wm);
  }

  /** Runs the waiting records with timestamps up to `limit`, in timestamp order. */
  private releaseUpTo(limit: number): void {
    for (;;) {
      const t = this.waitingTimes.peek();
      if (t === undefined || t > limit) break;
      this.waitingTimes.pop();
      const bucket = this.waiting.get(t)!;
      if (t === this.lastTs) {
        this.lastTs = Number.NaN;
        this.lastBucket = undefined;
      }
      this.waiting.delete(t);
      this.waitingCount -= bucket.records.length;
      this.beforeTime(t);
      this.runBucket(t, bucket);
      bucket.keys.length = 0;
      bucket.records.length = 0;
      if (this.spareBuckets.length < 8) this.spareBuckets.push(bucket);
    }
  }

  private runBucket(t: number, bucket: Bucket<K, T>): void {
    const { keys, records } = bucket;
    let order: number[] | undefined;
    const cmp = this.input.comparator;
    if (cmp && records.length > 1) {
      order = records.map((_, i) => i);
      // stable: equal events keep arrival order
      order.sort((a, b) => cmp(records[a]!, records[b]!) || a - b);
    }
    for (let n = 0; n < records.length; n++) {
      const i = order ? order[n]! : n;
      this.runEvent(keys[i]!, records[i]!, t);
    }
  }

  private processNow(key: K, value: T): void {
    const now = this.input.clock.now();
    if (this.input.comparator !== undefined) {
      // FlinkCEP in processing time with a comparator: records of one clock millisecond are
      // held until the next, then matched in the comparator's order
      this.enqueue(key, value, now);
      this.armFlush();
      return;
    }
    this.beforeTime(now);
    this.runEvent(key, value, now);
    this.armClock();
  }

  private flushTimer: Subscription | undefined;

  /** In processing time with a comparator: a timer that runs the held records once their millisecond is over. */
  private armFlush(): void {
    if (this.flushTimer !== undefined || this.waitingCount === 0) return;
    const clock = this.input.clock;
    const first = this.waitingTimes.peek()!;
    this.flushTimer = clock.schedule(
      () => {
        this.flushTimer = undefined;
        const now = clock.now();
        this.releaseUpTo(now - 1);
        this.fireDeadlines(now);
        this.updateGauges();
        this.out.flush();
        this.armClock();
        this.armFlush();
      },
      Math.max(0, first + 1 - clock.now()),
    );
  }

  override open(): void {
    // held records restored from a checkpoint in processing time still need their timer
    if (this.processingTime) this.armFlush();
  }

  /** One clock timer at the earliest processing-time deadline; it times keys out and re-arms. */
  protected armClock(): void {
    const next = this.nextDeadline();
    if (next === undefined || next >= this.clockTimerAt) return;
    this.clockTimer?.unsubscribe();
    this.clockTimerAt = next;
    const clock = this.input.clock;
    this.clockTimer = clock.schedule(
      () => {
        this.clockTimer = undefined;
        this.clockTimerAt = Number.POSITIVE_INFINITY;
        this.fireDeadlines(clock.now());
        this.updateGauges();
        this.out.flush();
        this.armClock();
      },
      Math.max(0, next - clock.now()),
    );
  }

  override close(): void {
    this.clockTimer?.unsubscribe();
    this.clockTimer = undefined;
    this.flushTimer?.unsubscribe();
    this.flushTimer = undefined;
  }

  protected snapshotInput(): SequencerSnapshot<K, T> {
    const waiting = [...this.waiting]
      .sort(([a], [b]) => a - b)
      .map(([t, b]) => [t, [...b.keys], [...b.records]] as [number, K[], T[]]);
    return {
      watermark: Number.isFinite(this.watermark) ? this.watermark : String(this.watermark),
      waiting,
      timeDomain: this.timeDomain ?? null,
    };
  }

  protected restoreInput(state: unknown): void {
    expectShape(state, { watermark: 'time', waiting: 'array' });
    const s = state as SequencerSnapshot<K, T>;
    this.watermark = Number(s.watermark);
    this.waiting.clear();
    this.lastTs = Number.NaN;
    this.lastBucket = undefined;
    this.waitingTimes.clear();
    this.waitingCount = 0;
    for (const [t, keys, records] of s.waiting) {
      this.waiting.set(t, { keys, records });
      this.waitingTimes.push(t);
      this.waitingCount += records.length;
    }
    this.timeDomain = s.timeDomain ?? undefined;
  }
}
