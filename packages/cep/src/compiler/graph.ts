import type { AfterMatchSkipStrategy } from '../pattern/after-match';
import type { Condition } from '../pattern/condition';
import { MalformedPatternError } from '../pattern/errors';
import { MAX_PATTERN_STATES } from '../pattern/limits';

/** What a transition does with the event: consume it, skip it, or move on without consuming (ε). */
export type Action = 'take' | 'ignore' | 'proceed';

/** `pending`: a trailing `notFollowedBy`, whose partial matches become matches when their window closes. */
export type StateKind = 'start' | 'normal' | 'final' | 'stop' | 'pending';

/** An edge of the compiled NFA: take, ignore or proceed, its condition and its target state. */
export interface Transition<T> {
  readonly action: Action;
  readonly target: NFAStateNode<T>;
  /** `undefined` means always. */
  readonly condition: Condition<T> | undefined;
}

/** A state of the compiled NFA; `stage` is the pattern stage it belongs to. */
export interface NFAStateNode<T> {
  readonly id: number;
  readonly stage: string;
  /** A small number per stage name (buffer node keys). */
  readonly stageIndex: number;
  readonly kind: StateKind;
  /** Belongs to a greedy stage: a match may not complete through it by PROCEED edges alone. */
  readonly greedy: boolean;
  readonly transitions: readonly Transition<T>[];
}

/** The compiled, immutable NFA: shared by every key; per-key state lives in `NFAState`. */
export interface CompiledNFA<T> {
  readonly states: readonly NFAStateNode<T>[];
  readonly start: NFAStateNode<T>;
  /** `within(ms)`: the minimum over stages; 0 when none. */
  readonly windowTime: number;
  /** `within(ms, PREVIOUS_AND_CURRENT)` by stage name. */
  readonly gapWindows: ReadonlyMap<string, number>;
  readonly skipStrategy: AfterMatchSkipStrategy;
  /** Top-level stage names in pattern order. */
  readonly stageNames: readonly string[];
  /**
   * Set when the pattern is a strict sequence (single stages or `times(n).consecutive()` joined
   * by `next`: no other quantifier, option, group, negation, `until` or gap window): it then runs
   * without the general NFA.
   */
  readonly sequence?: SequenceShape<T>;
}

/** A strict sequence, one position per event: its stage name and condition (a stage of `times(n)` repeats). */
export interface SequenceShape<T> {
  readonly names: readonly string[];
  readonly conditions: readonly (Condition<T> | undefined)[];
}

/** A state under construction: transitions are added while the compiler walks the pattern. */
export interface MutableState<T> {
  readonly id: number;
  readonly stage: string;
  readonly stageIndex: number;
  kind: StateKind;
  readonly greedy: boolean;
  readonly transitions: Transition<T>[];
}

/**
 * Collects states as the compiler creates them; shares stop states by negated stage name. Stops
 * the compiler (a `MalformedPatternError`) once the graph passes `MAX_PATTERN_STATES` states or
 * ten times as many transitions, so no pattern can exhaust memory while it compiles.
 */
export class GraphBuilder<T> {
  readonly states: MutableState<T>[] = [];
  private readonly stops = new Map<string, MutableState<T>>();
  private readonly stageIndices = new Map<string, number>();
  private transitions = 0;

  /** Greedy stages with `until`: the state after them as it was before it was narrowed, by state id. */
  readonly originals = new Map<number, MutableState<T>>();

  constructor(private readonly api: string) {}

  state(stage: string, kind: StateKind, greedy = false): MutableState<T> {
    if (this.states.length >= MAX_PATTERN_STATES) {
      throw new MalformedPatternError(
        `${this.api}: the pattern needs more than ${MAX_PATTERN_STATES} NFA states (MAX_PATTERN_STATES); optional stages after a negation are copied for each other, so shorten such runs`,
      );
    }
    let stageIndex = this.stageIndices.get(stage);
    if (stageIndex === undefined) this.stageIndices.set(stage, (stageIndex = this.stageIndices.size));
    const s: MutableState<T> = { id: this.states.length, stage, stageIndex, kind, greedy, transitions: [] };
    this.states.push(s);
    return s;
  }

  stop(condition: Condition<T>, stage: string): MutableState<T> {
    let s = this.stops.get(stage);
    if (s === undefined) {
      s = this.state(stage, 'stop');
      this.add(s, 'take', s, condition);
      this.stops.set(stage, s);
    }
    return s;
  }

  add(from: MutableState<T>, action: Action, to: MutableState<T>, condition: Condition<T> | undefined): void {
    if (++this.transitions > 10 * MAX_PATTERN_STATES) {
      throw new MalformedPatternError(
        `${this.api}: the pattern needs more than ${10 * MAX_PATTERN_STATES} NFA transitions (ten times MAX_PATTERN_STATES); long runs of negations and optional stages multiply them`,
      );
    }
    from.transitions.push({ action, target: to as NFAStateNode<T>, condition });
  }
}
