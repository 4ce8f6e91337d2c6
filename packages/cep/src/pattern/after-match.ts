/**
 * What happens to other partial matches once a match is emitted (Flink's
 * `AfterMatchSkipStrategy`), as plain data: the NFA's `skip.ts` applies it. A strategy names a
 * pruning event of the emitted match; partial matches that started before it (or at it, for the
 * whole-match strategies) are discarded.
 */
export abstract class AfterMatchSkipStrategy {
  abstract readonly kind: 'noSkip' | 'skipToNext' | 'skipPastLastEvent' | 'skipToFirst' | 'skipToLast';
  /** The stage a `skipToFirst` / `skipToLast` strategy skips to. */
  readonly patternName: string | undefined = undefined;
  /** `throwExceptionOnMiss()`: a match without an event of the target stage is an error. */
  readonly throwsOnMiss: boolean = false;

  /** Every match is emitted, overlapping ones included. */
  static noSkip(): AfterMatchSkipStrategy {
    return NO_SKIP;
  }
  /** Discards partial matches that started with (or before) the first event of an emitted match. */
  static skipToNext(): AfterMatchSkipStrategy {
    return SKIP_TO_NEXT;
  }
  /** Discards partial matches that started at or before the last event of an emitted match. */
  static skipPastLastEvent(): AfterMatchSkipStrategy {
    return SKIP_PAST_LAST;
  }
  /** Discards partial matches that started before the first event taken by stage `name`. */
  static skipToFirst(name: string): SkipToElementStrategy {
    return new SkipToElementStrategy('skipToFirst', name, false);
  }
  /** Discards partial matches that started before the last event taken by stage `name`. */
  static skipToLast(name: string): SkipToElementStrategy {
    return new SkipToElementStrategy('skipToLast', name, false);
  }

  /** Whether emitting a match can discard other (partial) matches. */
  get isSkipStrategy(): boolean {
    return this.kind !== 'noSkip';
  }

  toString(): string {
    return this.patternName === undefined
      ? this.kind
      : `${this.kind}(${this.patternName})${this.throwsOnMiss ? '!' : ''}`;
  }
}

class WholeMatchStrategy extends AfterMatchSkipStrategy {
  constructor(readonly kind: 'noSkip' | 'skipToNext' | 'skipPastLastEvent') {
    super();
  }
}

/** `skipToFirst(name)` / `skipToLast(name)`: prunes partial matches that started before that event. */
export class SkipToElementStrategy extends AfterMatchSkipStrategy {
  override readonly patternName: string;
  override readonly throwsOnMiss: boolean;
  constructor(
    readonly kind: 'skipToFirst' | 'skipToLast',
    name: string,
    throwsOnMiss: boolean,
  ) {
    super();
    if (!(typeof name === 'string' && name.length > 0)) {
      throw new TypeError(`AfterMatchSkipStrategy.${kind}: a stage name is needed, got ${String(name)}`);
    }
    this.patternName = name;
    this.throwsOnMiss = throwsOnMiss;
  }

  /**
   * Makes a match without events of the target stage an error, and so a skip back to the
   * match's own first event (which would find the same match again, forever).
   */
  throwExceptionOnMiss(): SkipToElementStrategy {
    return new SkipToElementStrategy(this.kind, this.patternName, true);
  }
}

const NO_SKIP = new WholeMatchStrategy('noSkip');
const SKIP_TO_NEXT = new WholeMatchStrategy('skipToNext');
const SKIP_PAST_LAST = new WholeMatchStrategy('skipPastLastEvent');
