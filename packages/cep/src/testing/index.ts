// @eventide/cep/testing: test a pattern without streams, watermarks or buffering (Flink's NFATestHarness).
import { compile } from '../compiler/compile';
import { type Match, NFA, type NFAState, type PartialMatchView } from '../nfa/nfa';
import { checkOptions } from '../operator/pattern-stream';
import type { AfterMatchSkipStrategy } from '../pattern/after-match';
import type { Pattern } from '../pattern/pattern';

/** Options of `NFATestHarness.forPattern`. */
export interface HarnessOptions {
  /** Overrides the pattern's own after-match skip strategy. */
  readonly skipStrategy?: AfterMatchSkipStrategy;
  /** Caps partial matches (oldest dropped), as `CEP.pattern`'s `maxPartialMatchesPerKey`. */
  readonly maxPartialMatches?: number;
}

export type { Match, PartialMatchView } from '../nfa/nfa';

/**
 * Feeds events straight into a pattern's NFA, in the order given: for unit-testing patterns.
 *
 * @example
 * const h = NFATestHarness.forPattern(Pattern.begin<number>('a').where((x) => x > 0).next('b'));
 * h.process(1, 10); // []
 * h.process(2, 11); // [{ a: [1], b: [2] }]
 */
export class NFATestHarness<T> {
  private readonly nfa: NFA<T>;
  private readonly state: NFAState<T>;
  private readonly pendingTimeouts: [Match<T>, number][] = [];
  private clock = 0;

  private constructor(
    private readonly pattern: Pattern<T, any>,
    private readonly options: HarnessOptions,
  ) {
    checkOptions('NFATestHarness.forPattern', { maxPartialMatchesPerKey: options.maxPartialMatches });
    this.nfa = new NFA(compile(pattern, { skipStrategy: options.skipStrategy }), options.maxPartialMatches);
    this.state = this.nfa.createState();
  }

  /** Compiles `pattern` (throwing `MalformedPatternError` if it is invalid) into a fresh harness. */
  static forPattern<T>(pattern: Pattern<T, any>, options: HarnessOptions = {}): NFATestHarness<T> {
    return new NFATestHarness(pattern, options);
  }

  /** A fresh harness for the same pattern with another after-match skip strategy (as Flink's builder). */
  withAfterMatchSkipStrategy(skipStrategy: AfterMatchSkipStrategy): NFATestHarness<T> {
    return new NFATestHarness(this.pattern, { ...this.options, skipStrategy });
  }

  /**
   * Feeds `event` at `timestamp` (default: one more than the last) and returns the matches it
   * completes. Time first advances to `timestamp`, as in a running job: partial matches outside
   * `within` are dropped (their timeouts wait for the next `advanceTime` call) and matches a
   * trailing `notFollowedBy` released by then come first in the result.
   */
  process(event: T, timestamp: number = this.clock + 1): Match<T>[] {
    this.clock = timestamp;
    const advanced = this.nfa.advanceTime(this.state, timestamp);
    this.pendingTimeouts.push(...advanced.timeouts);
    return [...advanced.matches, ...this.nfa.process(this.state, event, timestamp).matches];
  }

  /** Moves event time to `timestamp`: matches released by time, and timed-out partial matches with their timeout time. */
  advanceTime(timestamp: number): { matches: Match<T>[]; timeouts: [Match<T>, number][] } {
    this.clock = Math.max(this.clock, timestamp);
    const { matches, timeouts } = this.nfa.advanceTime(this.state, timestamp);
    const all = [...this.pendingTimeouts.splice(0), ...timeouts];
    return { matches, timeouts: all };
  }

  /**
   * The partial matches held, oldest first: the events each took by stage, the stage it waits
   * at, and its `within` deadline. The first thing to reach for when a pattern does not match.
   *
   * @example
   * h.process(reading, t);
   * console.log(h.describe()); // [{ taken: { high: [...] }, waitingAt: 'higher', deadline: t + 600000, ... }]
   */
  describe(): PartialMatchView<T>[] {
    return this.nfa.describe(this.state);
  }

  /** Partial matches held, not counting the start state. */
  get partialMatches(): number {
    return this.state.partial.filter((p) => !this.nfa.isEmpty({ ...this.state, partial: [p], completed: [] }))
      .length;
  }

  /** Events and buffer nodes held (each event once however many partial matches share it). */
  get bufferSize(): { events: number; nodes: number } {
    return { events: this.state.buffer.eventCount, nodes: this.state.buffer.nodeCount };
  }
}
