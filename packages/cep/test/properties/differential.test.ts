import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AfterMatchSkipStrategy, type Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import { eventsArb, stagesArb, toPattern } from '../arbitraries/patterns';
import { applySkip, type RefEvent, type RefSkip, referenceMatches } from '../helpers/reference';

function runNFA(pattern: Pattern<RefEvent>, events: readonly RefEvent[]): number[][] {
  const h = NFATestHarness.forPattern(pattern);
  const out: number[][] = [];
  const collect = (m: Record<string, readonly RefEvent[]>) =>
    out.push(
      Object.values(m)
        .flat()
        .map((e) => e.i)
        .sort((x, y) => x - y),
    );
  for (const e of events) for (const m of h.process(e, e.ts)) collect(m);
  for (const m of h.advanceTime(Number.POSITIVE_INFINITY).matches) collect(m);
  return out;
}

const key = (m: number[]) => m.join(',');
const sortedKeys = (ms: number[][]) => ms.map(key).sort();

describe('differential: the NFA against a brute-force matcher', () => {
  it('finds exactly the reference matches (next, followedBy, followedByAny, times, optional, within)', () => {
    fc.assert(
      fc.property(
        stagesArb,
        eventsArb,
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        (stages, events, within) => {
          const got = runNFA(toPattern(stages, within, AfterMatchSkipStrategy.noSkip()), events);
          expect(sortedKeys(got)).toEqual(sortedKeys(referenceMatches(stages, events, within)));
        },
      ),
    );
  });

  it('applies skipToNext and skipPastLastEvent like the reference', () => {
    fc.assert(
      fc.property(
        stagesArb,
        eventsArb,
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<RefSkip>('skipToNext', 'skipPastLastEvent'),
        (stages, events, within, skip) => {
          const strategy =
            skip === 'skipToNext'
              ? AfterMatchSkipStrategy.skipToNext()
              : AfterMatchSkipStrategy.skipPastLastEvent();
          const got = runNFA(toPattern(stages, within, strategy), events);
          const expected = applySkip(referenceMatches(stages, events, within), skip);
          if (skip === 'skipPastLastEvent') {
            // the pruning depends on first and last events only; among matches that share both,
            // which one survives is the NFA's branch order, which the semantics leave open
            const ends = (ms: number[][]) => ms.map((m) => `${m[0]}-${m.at(-1)}`);
            expect(ends(got)).toEqual(ends(expected));
          } else {
            // one match per first event survives; which one of equal length is taken is the NFA's branch order
            expect(got.map((m) => m[0])).toEqual(expected.map((m) => m[0]));
          }
        },
      ),
    );
  });
});
