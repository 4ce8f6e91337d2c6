/**
 * How a stage consumes events (Flink's `ConsumingStrategy`):
 * - `strict`: the next event must match (`next`, `consecutive()`),
 * - `skipTillNext`: non-matching events are skipped, the first match is taken (`followedBy`),
 * - `skipTillAny`: every matching event may or may not be taken (`followedByAny`, `allowCombinations()`),
 * - `notNext` / `notFollow`: negations.
 */
export type ConsumingStrategy = 'strict' | 'skipTillNext' | 'skipTillAny' | 'notNext' | 'notFollow';

/** How often a stage matches. */
export type Multiplicity = 'single' | 'times' | 'looping';

/** A stage's quantifier, as plain immutable data. */
export interface Quantifier {
  readonly multiplicity: Multiplicity;
  /** Between this stage and the one before it. */
  readonly consuming: ConsumingStrategy;
  /** Between iterations of a looping / times stage. */
  readonly inner: ConsumingStrategy;
  readonly optional: boolean;
  readonly greedy: boolean;
  /** For `times` and `looping` (`timesOrMore(from)`): the iteration bounds. */
  readonly from: number;
  readonly to: number;
}

export function single(consuming: ConsumingStrategy): Quantifier {
  return {
    multiplicity: 'single',
    consuming,
    inner: 'skipTillNext',
    optional: false,
    greedy: false,
    from: 1,
    to: 1,
  };
}
