import type { Collector } from '@eventide/core';
import { type Batch, Operator, type OperatorInit, type OutputTag, TimerQueue } from '@eventide/core';
import type { CompiledNFA } from '../compiler/graph';
import { type Match, NFA, type NFAState, type NFAStateSnapshot } from '../nfa/nfa';

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
  /** Processing-time clock for records without an event timestamp. */
  readonly clock: { now(): number };
}

interface KeyState<T> {
  /** Events waiting for the watermark, by timestamp, in arrival order. */
  readonly waiting: Map<number, T[]>;
  nfa: NFAState<T>;
  /** Timer timestamps registered for this key (the queue keeps stale ones; this says which are live). */
  readonly timers: Set<number>;
}

/**
 * Runs a compiled pattern per key in event time (Flink's `CepOperator`):
 * - a record at or behind the watermark is late: counted, or sent to the late tag;
 * - other records wait, per key, until the watermark passes them, then enter the NFA in
 *   timestamp order (arrival order, or the comparator, among equal timestamps), each preceded by
 *   advancing the NFA's time to its timestamp;
 * - after them, time advances to the watermark, so `within` timeouts and trailing
 *   `notFollowedBy` matches happen on the watermark even if the key never sends again
 *   (a timer at each key's next deadline);
 * - records without a timestamp are matched at once, in arrival order, in processing time.
 */
export class CepOperator<K, T, O> extends Operator<T, O> implements PatternContext, Collector<O> {
  private readonly nfa: NFA<T>;
  private readonly keys = new Map<K, KeyState<T>>();
  private readonly timers = new TimerQueue<K>();
  private watermark = Number.NEGATIVE_INFINITY;
  timestamp = 0;
  private partialMatches = 0;

  constructor(
    init: OperatorInit,
    private readonly config: CepOperatorConfig<K, T, O>,
  ) {
    super(init);
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
          if (Number.isNaN(el.timestamp)) this.processNow(key, el.value);
          else if (el.timestamp <= this.watermark) this.late(el.value, el.timestamp);
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
    this.metrics.keysHeld = this.keys.size;
    this.metrics.custom.partialMatches = this.partialMatches;
  }

  private late(value: T, ts: number): void {
    if (this.config.lateTag) {
      this.metrics.lateSideOutput++;
      this.out.side(this.config.lateTag, value, ts);
    } else {
      this.metrics.lateDropped++;
    }
  }

  private keyState(key: K): KeyState<T> {
    let st = this.keys.get(key);
    if (st === undefined) {
      st = { waiting: new Map(), nfa: this.nfa.createState(), timers: new Set() };
      this.keys.set(key, st);
    }
    return st;
  }

  private enqueue(key: K, value: T, ts: number): void {
    const st = this.keyState(key);
    const list = st.waiting.get(ts);
    if (list) list.push(value);
    else {
      st.waiting.set(ts, [value]);
      this.schedule(key, st, ts);
    }
  }

  private schedule(key: K, st: KeyState<T>, ts: number): void {
    if (!st.timers.has(ts)) {
      st.timers.add(ts);
      this.timers.add(ts, key);
    }
  }

  private processNow(key: K, value: T): void {
    const st = this.keyState(key);
    const now = this.config.clock.now();
    this.advanceKey(key, st, now);
    this.feed(key, st, value, now);
    this.settle(key, st);
  }

  private advance(wm: number): void {
    if (wm <= this.watermark) return;
    this.watermark = wm;
    this.timers.advanceTo(wm, this.onTimer);
    this.metrics.keysHeld = this.keys.size;
    this.metrics.custom.partialMatches = this.partialMatches;
    this.out.emitWatermark(wm);
  }

  private readonly onTimer = (ts: number, key: K): void => {
    const st = this.keys.get(key);
    if (st === undefined || !st.timers.delete(ts)) return;
    const wm = this.watermark;
    // every waiting timestamp ≤ watermark, in order; each key runs once per watermark
    const due = [...st.waiting.keys()].filter((t) => t <= wm).sort((a, b) => a - b);
    for (const t of due) {
      st.timers.delete(t);
      this.advanceKey(key, st, t);
      const events = st.waiting.get(t)!;
      st.waiting.delete(t);
      if (this.config.comparator && events.length > 1) events.sort(this.config.comparator);
      for (const e of events) this.feed(key, st, e, t);
    }
    this.advanceKey(key, st, wm);
    for (const t of [...st.timers]) if (t <= wm) st.timers.delete(t);
    this.settle(key, st);
  };

  /** After a key ran: a timer for its next deadline, or its state dropped when empty. */
  private settle(key: K, st: KeyState<T>): void {
    const deadline = this.nfa.nextDeadline(st.nfa);
    if (deadline !== Number.POSITIVE_INFINITY) this.schedule(key, st, Math.max(deadline, this.watermark + 1));
    if (st.waiting.size === 0 && this.nfa.isEmpty(st.nfa)) {
      this.keys.delete(key);
    }
  }

  private feed(key: K, st: KeyState<T>, value: T, ts: number): void {
    const before = st.nfa.partial.length;
    let result: ReturnType<NFA<T>['process']>;
    try {
      result = this.nfa.process(st.nfa, value, ts);
    } catch (e) {
      this.userErrorAt(e, value, ts, key);
      return;
    }
    this.partialMatches += st.nfa.partial.length - before;
    this.metrics.custom.partialMatchesDropped! += result.dropped;
    this.emitMatches(result.matches, ts, key);
  }

  private advanceKey(key: K, st: KeyState<T>, ts: number): void {
    if (st.nfa.partial.length <= 1 && st.nfa.completed.length === 0) return;
    const before = st.nfa.partial.length;
    const wantTimeouts = this.config.fn.processTimedOutMatch !== undefined;
    const { matches, timeouts, timedOut } = this.nfa.advanceTime(st.nfa, ts, wantTimeouts);
    this.metrics.custom.timeouts! += timedOut;
    this.partialMatches += st.nfa.partial.length - before;
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

  private emitMatches(matches: Match<T>[], ts: number, key: K): void {
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

  override snapshot(): unknown {
    const keys: [K, [number, T[]][], NFAStateSnapshot<T>][] = [];
    const index = new Map<K, number>();
    for (const [key, st] of this.keys) {
      index.set(key, keys.length);
      keys.push([key, [...st.waiting].map(([t, es]) => [t, [...es]]), this.nfa.snapshot(st.nfa)]);
    }
    const timers: [number, number][] = [];
    const taken = new Set<string>();
    for (const [t, key] of this.timers.entries()) {
      const i = index.get(key);
      if (i === undefined || !this.keys.get(key)!.timers.has(t) || taken.has(`${i}|${t}`)) continue;
      taken.add(`${i}|${t}`);
      timers.push([i, t]);
    }
    return {
      watermark: Number.isFinite(this.watermark) ? this.watermark : String(this.watermark),
      keys,
      timers,
      partialMatches: this.partialMatches,
      counters: { ...this.metrics.custom },
    };
  }

  override restore(state: unknown): void {
    const s = state as {
      watermark: number | string;
      keys: [K, [number, T[]][], NFAStateSnapshot<T>][];
      timers: [number, number][];
      partialMatches: number;
      counters: Record<string, number>;
    };
    this.watermark = Number(s.watermark);
    this.keys.clear();
    this.timers.clear();
    for (const [key, waiting, nfa] of s.keys) {
      this.keys.set(key, { waiting: new Map(waiting), nfa: this.nfa.restore(nfa), timers: new Set() });
    }
    for (const [i, t] of s.timers) {
      const key = s.keys[i]![0];
      this.keys.get(key)!.timers.add(t);
      this.timers.add(t, key);
    }
    this.partialMatches = s.partialMatches;
    Object.assign(this.metrics.custom, s.counters);
  }
}
