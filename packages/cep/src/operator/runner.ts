import { TimerQueue } from '@eventide/core/operator';
import type { CompiledNFA } from '../compiler/graph';
import { type Matcher, matcherFor } from '../nfa/matcher';
import type { Match, PartialMatchView } from '../nfa/nfa';
import { SkipStrategyError } from '../nfa/skip';

/** Where a runner's results and counts go (its operator). */
export interface RunnerHost<K, T> {
  onMatch(match: Match<T>, ts: number, key: K): void;
  /** Undefined when nobody wants timed-out partial matches (they are then not materialized). */
  readonly onTimeout: ((match: Match<T>, at: number, key: K) => void) | undefined;
  /** A condition threw on `value`: the operator's error policy decides. */
  onUserError(cause: unknown, value: unknown, ts: number, key: K): void;
  /** The operator's custom metrics: `matches`, `timeouts`, `partialMatchesDropped` are added to. */
  readonly counters: Record<string, number>;
}

/** Plain-data form of a runner: its keys' NFA states and live deadlines. */
export interface RunnerSnapshot<K, _T> {
  /** Each key's matcher state, as the matcher writes it. */
  readonly keys: [K, unknown][];
  readonly deadlines: [number, K][];
  readonly partialMatches: number;
}

/**
 * One compiled pattern run per key (the heart of Flink's `CepOperator`, without its input
 * buffering): the NFA state of each key that holds a partial match, and a deadline per key at
 * which `within` times its partial matches out. Events reach it in timestamp order; the operator
 * around it does the buffering, and may run several patterns over the same events.
 */
export class PatternRunner<K, T> {
  readonly nfa: Matcher<T, unknown>;
  /** Matcher state of keys that hold partial or completed-but-held matches. */
  private readonly keys = new Map<K, unknown>();
  /** Deadlines: keys whose partial matches time out (or are released) at that time. */
  private readonly deadlines = new TimerQueue<K>();
  /** The one live deadline of each key; queue entries at other times are stale. */
  private readonly deadlineOf = new Map<K, number>();
  private readonly pool: unknown[] = [];
  /** Partial matches held over all keys. */
  partialMatches = 0;

  constructor(
    compiled: CompiledNFA<T>,
    maxPartialMatchesPerKey: number,
    private readonly host: RunnerHost<K, T>,
  ) {
    this.nfa = matcherFor(compiled, maxPartialMatchesPerKey);
  }

  /** Keys holding state. */
  get keyCount(): number {
    return this.keys.size;
  }

  /** One event of one key at time `t`: advance the key's time, feed the event, settle the key. */
  runEvent(key: K, value: T, t: number): void {
    let st = this.keys.get(key);
    let fresh = false;
    if (st === undefined) {
      // a key without partial matches gets state only if this event opens one
      if (!this.nfa.startTakes(value, t)) return;
      st = this.pool.pop() ?? this.nfa.createState();
      this.keys.set(key, st);
      fresh = true;
    } else {
      this.advanceState(key, st, t);
    }
    this.feedState(key, st, value, t, fresh);
    this.settleState(key, st);
  }

  /** Times out (or releases) the partial matches whose deadline is at or before `time`. */
  advanceDeadlines(time: number): void {
    this.deadlines.advanceTo(time, (ts, key) => {
      if (this.deadlineOf.get(key) !== ts) return;
      this.deadlineOf.delete(key);
      const st = this.keys.get(key);
      if (st === undefined) return;
      this.advanceState(key, st, time);
      this.settleState(key, st);
    });
  }

  /** The earliest deadline queued, or undefined. */
  nextDeadline(): number | undefined {
    return this.deadlines.nextTime();
  }

  /** The partial matches `key` holds, oldest first (empty when none). */
  describe(key: K): PartialMatchView<T>[] {
    const st = this.keys.get(key);
    return st === undefined ? [] : this.nfa.describe(st);
  }

  /** Keys that hold partial matches. */
  heldKeys(): K[] {
    return [...this.keys.keys()];
  }

  /** After a key ran: a timer for its next deadline, and its state dropped when it holds nothing. */
  private settleState(key: K, st: unknown): void {
    if (this.nfa.isEmpty(st)) {
      this.keys.delete(key);
      this.deadlineOf.delete(key);
      // an empty state is as good as new: keep a few for the next keys that start a match
      if (this.pool.length < 1024) this.pool.push(st);
      return;
    }
    const at = this.nfa.nextDeadline(st);
    if (at === Number.POSITIVE_INFINITY) return;
    // A timer at or before the new deadline is already set: it will come first and set the next
    // one (a key whose deadline keeps moving on, as an absence pattern's, costs one timer per
    // window rather than one per event).
    const current = this.deadlineOf.get(key);
    if (current !== undefined && current <= at) return;
    this.deadlineOf.set(key, at);
    this.deadlines.add(at, key);
  }

  private feedState(key: K, st: unknown, value: T, ts: number, startTakes: boolean): void {
    const before = this.nfa.partialCount(st);
    let result: ReturnType<Matcher<T, unknown>['process']>;
    try {
      result = this.nfa.process(st, value, ts, startTakes);
    } catch (e) {
      // a skip strategy that cannot be applied is the pattern's fault, not this record's
      if (e instanceof SkipStrategyError) throw e;
      this.host.onUserError(e, value, ts, key);
      return;
    }
    this.partialMatches += this.nfa.partialCount(st) - before;
    if (result.dropped > 0) this.host.counters.partialMatchesDropped! += result.dropped;
    for (const m of result.matches) this.match(m, ts, key);
  }

  private advanceState(key: K, st: unknown, ts: number): void {
    if (!this.nfa.needsTime(st)) return;
    const before = this.nfa.partialCount(st);
    const onTimeout = this.host.onTimeout;
    const { matches, timeouts, timedOut } = this.nfa.advanceTime(st, ts, onTimeout !== undefined);
    if (timedOut === 0 && matches.length === 0) return;
    this.host.counters.timeouts! += timedOut;
    this.partialMatches += this.nfa.partialCount(st) - before;
    for (const m of matches) this.match(m, ts, key);
    for (const [partial, at] of timeouts) onTimeout!(partial, at, key);
  }

  private match(m: Match<T>, ts: number, key: K): void {
    this.host.counters.matches!++;
    this.host.onMatch(m, ts, key);
  }

  /** Drops every partial match (a replaced or removed pattern); returns how many there were. */
  clear(): number {
    const n = this.partialMatches;
    this.keys.clear();
    this.deadlines.clear();
    this.deadlineOf.clear();
    this.partialMatches = 0;
    return n;
  }

  snapshot(): RunnerSnapshot<K, T> {
    const keys: [K, unknown][] = [];
    for (const [key, st] of this.keys) keys.push([key, this.nfa.snapshot(st)]);
    // live deadlines in queue order, so a restored job runs keys in the same order
    const deadlines = this.deadlines.entries().filter(([t, key]) => this.deadlineOf.get(key) === t);
    return { keys, deadlines, partialMatches: this.partialMatches };
  }

  restore(s: RunnerSnapshot<K, T>): void {
    this.keys.clear();
    for (const [key, nfa] of s.keys) this.keys.set(key, this.nfa.restore(nfa));
    this.deadlines.clear();
    this.deadlineOf.clear();
    for (const [t, key] of s.deadlines) {
      this.deadlineOf.set(key, t);
      this.deadlines.add(t, key);
    }
    this.partialMatches = s.partialMatches;
  }
}
