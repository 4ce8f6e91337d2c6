import type { Batch, Collector, Json, OutputTag } from '@eventide/core';
import {
  checkKey,
  expectShape,
  NO_KEY,
  NumberHeap,
  Operator,
  type OperatorInit,
  TimerQueue,
} from '@eventide/core/operator';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { CompiledNFA } from '../compiler/graph';
import { type Match, NFA, type NFAState, type NFAStateSnapshot } from '../nfa/nfa';
import { SkipStrategyError } from '../nfa/skip';

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

export interface CepOperatorConfig<K, T, O> {
  readonly keySelector: (value: T) => K;
  readonly compiled: CompiledNFA<T>;
  readonly fn: PatternProcessFunction<T, O>;
  readonly lateTag: OutputTag<T> | undefined;
  readonly comparator: ((a: T, b: T) => number) | undefined;
  readonly maxPartialMatchesPerKey: number;
  /** Processing time for records without an event timestamp: their time, and timers for `within`. */
  readonly clock: SchedulerLike;
}

/**
 * Runs a compiled pattern per key in event time (Flink's `CepOperator`):
 * - a record at or behind the watermark is late: counted, or sent to the late tag;
 * - other records wait until the watermark passes them, then enter their key's NFA in timestamp
 *   order (arrival order, or the comparator, among equal timestamps), each preceded by advancing
 *   that NFA's time to its timestamp;
 * - keys whose partial matches can time out get a timer at their next deadline, so `within`
 *   timeouts and trailing `notFollowedBy` matches happen on the watermark even if the key never
 *   sends again;
 * - records without a timestamp are matched at once, in arrival order, in processing time.
 *
 * Waiting records sit in one queue by timestamp for all keys (not per key), and a key has NFA
 * state only while it holds a partial match: most readings of most meters open nothing and cost
 * a condition check.
 */
export class CepOperator<K, T, O> extends Operator<T, O> implements PatternContext, Collector<O> {
  /** A non-keyed pattern stream's one global key is never checked. */
  private readonly checkKeys: boolean;
  private readonly nfa: NFA<T>;
  /** NFA state of keys that hold partial or completed-but-held matches. */
  private readonly keys = new Map<K, NFAState<T>>();
  /** Records waiting for the watermark, by timestamp, in arrival order, with their keys. */
  private readonly waiting = new Map<number, { keys: K[]; records: T[] }>();
  private readonly waitingTimes = new NumberHeap();
  /** Deadlines: keys whose partial matches time out (or are released) at that time. */
  private readonly deadlines = new TimerQueue<K>();
  /** The one live deadline of each key; queue entries at other times are stale. */
  private readonly deadlineOf = new Map<K, number>();
  private readonly pool: NFAState<T>[] = [];
  private lastTs = Number.NaN;
  private lastBucket: { keys: K[]; records: T[] } | undefined;
  private readonly spareBuckets: { keys: K[]; records: T[] }[] = [];
  private watermark = Number.NEGATIVE_INFINITY;
  timestamp = 0;
  private partialMatches = 0;

  constructor(
    init: OperatorInit,
    private readonly config: CepOperatorConfig<K, T, O>,
  ) {
    super(init);
    this.checkKeys = (config.keySelector as unknown) !== NO_KEY;
    this.nfa = new NFA(config.compiled, config.maxPartialMatchesPerKey);
    Object.assign(this.metrics.custom, {
      partialMatches: 0,
      matches: 0,
      timeouts: 0,
      partialMatchesDropped: 0,
    });
  }

  get currentWatermark(): number {
    return this.watermark;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.side(tag, value, this.timestamp);
  }

  collect(value: O): void {
    this.out.emit(value, this.timestamp);
  }

  processBatch(batch: Batch<T>): void {
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') {
        this.metrics.recordsIn++;
        let key: K | undefined;
        try {
          key = this.config.keySelector(el.value);
          if (this.checkKeys) checkKey(key, this.name, el.timestamp);
          const timed = !Number.isNaN(el.timestamp);
          // The first record decides the operator's time; a record of the other kind is refused.
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
          else if (el.timestamp <= this.watermark) this.late(this.config.lateTag, el.value, el.timestamp);
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

  private updateGauges(): void {
    this.metrics.keysHeld = this.keys.size;
    this.metrics.custom.partialMatches = this.partialMatches;
    this.metrics.custom.waiting = this.waitingCount;
  }

  private waitingCount = 0;

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
    for (;;) {
      const t = this.waitingTimes.peek();
      if (t === undefined || t > wm) break;
      this.waitingTimes.pop();
      const bucket = this.waiting.get(t)!;
      if (t === this.lastTs) {
        this.lastTs = Number.NaN;
        this.lastBucket = undefined;
      }
      this.waiting.delete(t);
      this.waitingCount -= bucket.records.length;
      this.runBucket(t, bucket);
      bucket.keys.length = 0;
      bucket.records.length = 0;
      if (this.spareBuckets.length < 8) this.spareBuckets.push(bucket);
    }
    // in processing time, deadlines belong to the clock, not to watermarks
    if (!this.processingTime) this.deadlines.advanceTo(wm, this.onDeadline);
    this.updateGauges();
    this.out.emitWatermark(wm);
  }

  private runBucket(t: number, bucket: { keys: K[]; records: T[] }): void {
    const { keys, records } = bucket;
    let order: number[] | undefined;
    const cmp = this.config.comparator;
    if (cmp && records.length > 1) {
      order = records.map((_, i) => i);
      // stable: equal events keep arrival order
      order.sort((a, b) => cmp(records[a]!, records[b]!) || a - b);
    }
    for (let n = 0; n < records.length; n++) {
      const i = order ? order[n]! : n;
      const key = keys[i]!;
      const value = records[i]!;
      this.runEvent(key, value, t);
    }
  }

  /** One event of one key at time `t`: advance the key's time, feed the event, settle the key. */
  private runEvent(key: K, value: T, t: number): void {
    let st = this.keys.get(key);
    if (st === undefined) {
      // a key without partial matches gets state only if this event opens one
      if (!this.nfa.startTakes(value, t)) return;
      st = this.pool.pop() ?? this.nfa.createState();
      this.keys.set(key, st);
    } else {
      this.advanceState(key, st, t);
    }
    this.feedState(key, st, value, t);
    this.settleState(key, st);
  }

  private readonly onDeadline = (ts: number, key: K): void => {
    if (this.deadlineOf.get(key) !== ts) return;
    this.deadlineOf.delete(key);
    const st = this.keys.get(key);
    if (st === undefined) return;
    this.advanceState(key, st, this.processingTime ? this.config.clock.now() : this.watermark);
    this.settleState(key, st);
  };

  /**
   * Set by the first record: event time (it had a timestamp) or processing time (it had none).
   * Records of the other kind are refused as invalid, never a silent switch.
   */
  private timeDomain: 'event' | 'processing' | undefined;
  private get processingTime(): boolean {
    return this.timeDomain === 'processing';
  }
  private clockTimer: Subscription | undefined;
  private clockTimerAt = Number.POSITIVE_INFINITY;

  private processNow(key: K, value: T): void {
    this.runEvent(key, value, this.config.clock.now());
    this.armClock();
  }

  /** One clock timer at the earliest processing-time deadline; it times keys out and re-arms. */
  private armClock(): void {
    const next = this.deadlines.nextTime();
    if (next === undefined || next >= this.clockTimerAt) return;
    this.clockTimer?.unsubscribe();
    this.clockTimerAt = next;
    const clock = this.config.clock;
    this.clockTimer = clock.schedule(
      () => {
        this.clockTimer = undefined;
        this.clockTimerAt = Number.POSITIVE_INFINITY;
        this.deadlines.advanceTo(clock.now(), this.onDeadline);
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
  }

  /** After a key ran: a timer for its next deadline, and its state dropped when it holds nothing. */
  private settleState(key: K, st: NFAState<T>): void {
    if (this.nfa.isEmpty(st)) {
      this.keys.delete(key);
      this.deadlineOf.delete(key);
      // an empty state is as good as new: keep a few for the next keys that start a match
      if (this.pool.length < 1024) this.pool.push(st);
      return;
    }
    const at = this.nfa.nextDeadline(st);
    if (at === Number.POSITIVE_INFINITY) return;
    if (this.deadlineOf.get(key) !== at) {
      this.deadlineOf.set(key, at);
      this.deadlines.add(at, key);
    }
  }

  private feedState(key: K, st: NFAState<T>, value: T, ts: number): void {
    const before = st.partial.length;
    let result: ReturnType<NFA<T>['process']>;
    try {
      result = this.nfa.process(st, value, ts);
    } catch (e) {
      // a skip strategy that cannot be applied is the pattern's fault, not this record's
      if (e instanceof SkipStrategyError) throw e;
      this.userErrorAt(e, value, ts, key);
      return;
    }
    this.partialMatches += st.partial.length - before;
    if (result.dropped > 0) this.metrics.custom.partialMatchesDropped! += result.dropped;
    if (result.matches.length > 0) this.emitMatches(result.matches, ts, key);
  }

  private advanceState(key: K, st: NFAState<T>, ts: number): void {
    if (st.partial.length <= 1 && st.completed.length === 0) return;
    const before = st.partial.length;
    const wantTimeouts = this.config.fn.processTimedOutMatch !== undefined;
    const { matches, timeouts, timedOut } = this.nfa.advanceTime(st, ts, wantTimeouts);
    if (timedOut === 0 && matches.length === 0) return;
    this.metrics.custom.timeouts! += timedOut;
    this.partialMatches += st.partial.length - before;
    this.emitMatches(matches, ts, key);
    for (const [partial, at] of timeouts) {
      this.timestamp = at;
      try {
        this.config.fn.processTimedOutMatch!(partial, this);
      } catch (e) {
        this.userErrorAt(e, partial, at, key);
      }
    }
  }

  private emitMatches(matches: readonly Match<T>[], ts: number, key: K): void {
    for (const m of matches) {
      this.metrics.custom.matches!++;
      this.timestamp = ts;
      try {
        this.config.fn.processMatch(m, this, this);
      } catch (e) {
        this.userErrorAt(e, m, ts, key);
      }
    }
  }

  /**
   * The compiled pattern's shape: its states and transitions (conditions are code and cannot be
   * compared), `within`, and the skip strategy. State of another pattern is refused on restore.
   */
  override describe(): Json {
    const c = this.config.compiled;
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

  override snapshot(): unknown {
    const keys: [K, NFAStateSnapshot<T>][] = [];
    for (const [key, st] of this.keys) keys.push([key, this.nfa.snapshot(st)]);
    const waiting = [...this.waiting]
      .sort(([a], [b]) => a - b)
      .map(([t, b]) => [t, [...b.keys], [...b.records]] as [number, K[], T[]]);
    // live deadlines in queue order, so a restored job runs keys in the same order
    const deadlines = this.deadlines.entries().filter(([t, key]) => this.deadlineOf.get(key) === t);
    return {
      watermark: Number.isFinite(this.watermark) ? this.watermark : String(this.watermark),
      keys,
      waiting,
      deadlines,
      partialMatches: this.partialMatches,
      counters: { ...this.metrics.custom },
      timeDomain: this.timeDomain ?? null,
    };
  }

  override restore(state: unknown): void {
    expectShape(state, { watermark: 'time', keys: 'array', waiting: 'array', deadlines: 'array' });
    const s = state as {
      watermark: number | string;
      keys: [K, NFAStateSnapshot<T>][];
      waiting: [number, K[], T[]][];
      deadlines: [number, K][];
      partialMatches: number;
      counters: Record<string, number>;
      timeDomain?: 'event' | 'processing' | null;
    };
    this.watermark = Number(s.watermark);
    this.keys.clear();
    for (const [key, nfa] of s.keys) this.keys.set(key, this.nfa.restore(nfa));
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
    this.deadlines.clear();
    this.deadlineOf.clear();
    for (const [t, key] of s.deadlines) {
      this.deadlineOf.set(key, t);
      this.deadlines.add(t, key);
    }
    this.partialMatches = s.partialMatches;
    this.timeDomain = s.timeDomain ?? undefined;
    Object.assign(this.metrics.custom, s.counters);
    this.updateGauges();
  }
}
