import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AfterMatchSkipStrategy, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import {
  applySkip,
  type Contiguity,
  type RefEvent,
  type RefSkip,
  type RefStage,
  referenceMatches,
} from '../helpers/reference';

const contiguity = fc.constantFrom<Contiguity>('strict', 'relaxed', 'any');
const kinds = fc.subarray(['a', 'b', 'c'], { minLength: 1, maxLength: 2 });

const stagesArb = fc
  .array(
    fc.record({
      kinds,
      contiguity,
      times: fc.constantFrom(1, 1, 2, 3),
      inner: contiguity,
      optional: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((ss) => ss.map((s, i): RefStage => ({ ...s, name: `s${i}`, optional: i > 0 && s.optional })));

const eventsArb = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 3 })), { maxLength: 9 })
  .map((xs) => {
    let ts = 0;
    return xs.map(([kind, gap], i): RefEvent => {
      ts += gap;
      return { i, kind, ts };
    });
  });

function toPattern(
  stages: readonly RefStage[],
  within: number | undefined,
  skip: AfterMatchSkipStrategy,
): Pattern<RefEvent> {
  let p: Pattern<RefEvent, any> | undefined;
  for (const s of stages) {
    const cond = (e: RefEvent) => s.kinds.includes(e.kind);
    if (p === undefined) p = Pattern.begin<RefEvent>(s.name, skip).where(cond);
    else {
      const link =
        s.contiguity === 'strict' ? 'next' : s.contiguity === 'relaxed' ? 'followedBy' : 'followedByAny';
      p = p[link](s.name).where(cond);
    }
    if (s.times > 1) {
      p = p.times(s.times);
      if (s.inner === 'strict') p = p.consecutive();
      if (s.inner === 'any') p = p.allowCombinations();
    }
    if (s.optional) p = p.optional();
  }
  return within === undefined ? p! : p!.within(within);
}

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
