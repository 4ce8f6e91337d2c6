import type { CompiledNFA } from '../compiler/graph';
import type { Match } from './match';
import { type AdvanceResult, NFA, type PartialMatchView } from './nfa';
import { SequenceMatcher } from './sequence';

/**
 * What runs a compiled pattern for one key: the general NFA, or for a strict sequence its own
 * automaton (`sequence.ts`). The operator sees only this.
 */
export interface Matcher<T, S> {
  readonly compiled: CompiledNFA<T>;
  createState(): S;
  /** Whether a key without state would open a partial match with this event. */
  startTakes(value: T, ts: number): boolean;
  process(s: S, value: T, ts: number, startTakes?: boolean): { matches: Match<T>[]; dropped: number };
  advanceTime(s: S, ts: number, withTimeouts?: boolean): AdvanceResult<T>;
  isEmpty(s: S): boolean;
  /** Partial matches held (the start state not counted). */
  partialCount(s: S): number;
  /** Whether `advanceTime` could change anything. */
  needsTime(s: S): boolean;
  nextDeadline(s: S): number;
  describe(s: S): PartialMatchView<T>[];
  snapshot(s: S): unknown;
  restore(snapshot: unknown): S;
}

/** The matcher for a compiled pattern, capped at `maxPartialMatches` per key. */
export function matcherFor<T>(compiled: CompiledNFA<T>, maxPartialMatches: number): Matcher<T, unknown> {
  return (
    compiled.sequence === undefined
      ? new NFA(compiled, maxPartialMatches)
      : new SequenceMatcher(compiled, maxPartialMatches)
  ) as Matcher<T, unknown>;
}
