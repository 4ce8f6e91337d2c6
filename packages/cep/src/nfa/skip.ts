import { compareEventIds, type EventId } from '../buffer/event-id';
import type { AfterMatchSkipStrategy } from '../pattern/after-match';

/** A match as the skip strategies see it: stage name → the ids of the events it took, in order. */
export type MatchIds = ReadonlyMap<string, readonly EventId[]>;

/** An after-match skip that cannot be applied (`throwExceptionOnMiss`): fails the operator. */
export class SkipStrategyError extends Error {
  override readonly name = 'SkipStrategyError';
}

/**
 * The event a strategy prunes from, for an emitted match, or undefined when nothing is pruned.
 * With `throwExceptionOnMiss`, a target stage that took nothing, or a skip back to the match's
 * own first event (FlinkCEP refuses it: the match would be found again), is an error.
 */
export function pruningId(skip: AfterMatchSkipStrategy, match: MatchIds): EventId | undefined {
  switch (skip.kind) {
    case 'noSkip':
      return undefined;
    case 'skipToNext':
    case 'skipPastLastEvent': {
      let pick: EventId | undefined;
      for (const ids of match.values()) {
        for (const id of ids) {
          if (pick === undefined) pick = id;
          else {
            const c = compareEventIds(id, pick);
            if (skip.kind === 'skipToNext' ? c < 0 : c > 0) pick = id;
          }
        }
      }
      return pick;
    }
    case 'skipToFirst':
    case 'skipToLast': {
      const name = skip.patternName!;
      const ids = match.get(name);
      if (ids === undefined || ids.length === 0) {
        if (skip.throwsOnMiss) {
          throw new SkipStrategyError(
            `AfterMatchSkipStrategy.${skip.kind}: could not skip to "${name}": the match has no event for it`,
          );
        }
        return undefined;
      }
      const id = skip.kind === 'skipToFirst' ? ids[0]! : ids[ids.length - 1]!;
      if (skip.throwsOnMiss && compareEventIds(id, firstOf(match)) === 0) {
        throw new SkipStrategyError(
          `AfterMatchSkipStrategy.${skip.kind}: could not skip to "${name}": it is the match's own first event, so the same match would be found again`,
        );
      }
      return id;
    }
    default: {
      const never: never = skip.kind;
      throw new Error(`unknown skip strategy ${String(never)}`);
    }
  }
}

/** Whether a partial match that started at `start` is discarded by a match pruning from `id`. */
export function shouldPrune(skip: AfterMatchSkipStrategy, start: EventId, id: EventId): boolean {
  const c = compareEventIds(start, id);
  return skip.kind === 'skipToFirst' || skip.kind === 'skipToLast' ? c < 0 : c <= 0;
}

function firstOf(match: MatchIds): EventId {
  let first: EventId | undefined;
  for (const ids of match.values()) {
    for (const id of ids) if (first === undefined || compareEventIds(id, first) < 0) first = id;
  }
  return first!;
}
