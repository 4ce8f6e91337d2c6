import type { EventId } from '../../buffer/event-id';
import { compareEventIds } from '../../buffer/event-id';

/** A match as the skip strategies see it: stage name → the ids of the events it took, in order. */
export type MatchIds = ReadonlyMap<string, readonly EventId[]>;

/**
 * What happens to other partial matches once a match is emitted (Flink's
 * `AfterMatchSkipStrategy`). A strategy names a pruning event; partial matches that started
 * before it (or at it, for the whole-match strategies) are discarded.
 */
export abstract class AfterMatchSkipStrategy {
  abstract readonly kind: 'noSkip' | 'skipToNext' | 'skipPastLastEvent' | 'skipToFirst' | 'skipToLast';
  /** The stage a `skipToFirst` / `skipToLast` strategy skips to. */
  readonly patternName: string | undefined = undefined;

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
    return true;
  }

  abstract pruningId(match: MatchIds): EventId | undefined;
  abstract shouldPrune(start: EventId, pruningId: EventId): boolean;

  toString(): string {
    return this.patternName === undefined ? this.kind : `${this.kind}(${this.patternName})`;
  }
}

class NoSkipStrategy extends AfterMatchSkipStrategy {
  readonly kind = 'noSkip';
  override get isSkipStrategy(): boolean {
    return false;
  }
  pruningId(): EventId | undefined {
    return undefined;
  }
  shouldPrune(): boolean {
    return false;
  }
}

/** Prunes partial matches that started at or before a point of the whole match. */
class WholeMatchStrategy extends AfterMatchSkipStrategy {
  constructor(readonly kind: 'skipToNext' | 'skipPastLastEvent') {
    super();
  }
  pruningId(match: MatchIds): EventId | undefined {
    let pick: EventId | undefined;
    for (const ids of match.values()) {
      for (const id of ids) {
        if (pick === undefined) pick = id;
        else {
          const c = compareEventIds(id, pick);
          if (this.kind === 'skipToNext' ? c < 0 : c > 0) pick = id;
        }
      }
    }
    return pick;
  }
  shouldPrune(start: EventId, pruningId: EventId): boolean {
    return compareEventIds(start, pruningId) <= 0;
  }
}

/** `skipToFirst(name)` / `skipToLast(name)`: prunes partial matches that started before that event. */
export class SkipToElementStrategy extends AfterMatchSkipStrategy {
  override readonly patternName: string;
  constructor(
    readonly kind: 'skipToFirst' | 'skipToLast',
    name: string,
    readonly throwsOnMiss: boolean,
  ) {
    super();
    this.patternName = name;
  }

  /** Makes a match without events for the target stage an error instead of a no-op. */
  throwExceptionOnMiss(): SkipToElementStrategy {
    return new SkipToElementStrategy(this.kind, this.patternName, true);
  }

  pruningId(match: MatchIds): EventId | undefined {
    const ids = match.get(this.patternName);
    if (ids === undefined || ids.length === 0) {
      if (this.throwsOnMiss) {
        throw new Error(
          `AfterMatchSkipStrategy.${this.kind}: could not skip to "${this.patternName}": the match has no event for it`,
        );
      }
      return undefined;
    }
    return this.kind === 'skipToFirst' ? ids[0] : ids[ids.length - 1];
  }

  shouldPrune(start: EventId, pruningId: EventId): boolean {
    return compareEventIds(start, pruningId) < 0;
  }
}

const NO_SKIP = new NoSkipStrategy();
const SKIP_TO_NEXT = new WholeMatchStrategy('skipToNext');
const SKIP_PAST_LAST = new WholeMatchStrategy('skipPastLastEvent');
