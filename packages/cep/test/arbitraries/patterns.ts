import fc from 'fast-check';
import { type AfterMatchSkipStrategy, type Condition, expr, Pattern } from '../../src/index';
import type { Contiguity, RefEvent, RefStage } from '../helpers/reference';

// Random patterns over three event kinds (each stage takes some kinds), as reference stages and
// as eventide patterns, and short timelines of kinds: the differential and buffer laws use them.

export const contiguity = fc.constantFrom<Contiguity>('strict', 'relaxed', 'any');
export const kinds = fc.subarray(['a', 'b', 'c'], { minLength: 1, maxLength: 2 });

export const stagesArb = fc
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

export const eventsArb = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 3 })), { maxLength: 9 })
  .map((xs) => {
    let ts = 0;
    return xs.map(([kind, gap], i): RefEvent => {
      ts += gap;
      return { i, kind, ts };
    });
  });

export function toPattern(
  stages: readonly RefStage[],
  within: number | undefined,
  skip: AfterMatchSkipStrategy,
  /** Conditions as data (`expr`) instead of functions. */
  asData = false,
): Pattern<RefEvent> {
  let p: Pattern<RefEvent, any> | undefined;
  for (const s of stages) {
    const cond: Condition<RefEvent> = asData
      ? expr(s.kinds.map((k) => `kind == '${k}'`).join(' or '))
      : (e: RefEvent) => s.kinds.includes(e.kind);
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
