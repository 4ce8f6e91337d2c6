import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addToRanges, inRanges, outsideSpan } from './usage';

describe('the intervals a service has counted, as ranges', () => {
  it('answer as a set of the intervals added would, and stay sorted, disjoint and merged', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }), (adds) => {
        const ranges: number[] = [];
        const set = new Set<number>();
        for (const i of adds) {
          expect(inRanges(ranges, i)).toBe(set.has(i));
          if (!set.has(i)) {
            addToRanges(ranges, i);
            set.add(i);
          }
        }
        for (let i = -1; i <= 301; i++) expect(inRanges(ranges, i), `interval ${i}`).toBe(set.has(i));
        // sorted, non-empty, and no two ranges touching (they would have merged)
        for (let k = 0; k < ranges.length; k += 2) {
          expect(ranges[k]!).toBeLessThan(ranges[k + 1]!);
          if (k > 0) expect(ranges[k]!).toBeGreaterThan(ranges[k - 1]!);
        }
      }),
    );
  });

  it('a meter reporting in order is one range', () => {
    const ranges: number[] = [];
    for (let i = 1000; i < 3016; i++) addToRanges(ranges, i);
    expect(ranges).toEqual([1000, 3016]);
  });
});

describe('outsideSpan', () => {
  const span = { start: Date.parse('2026-01-05T05:00:00Z'), end: Date.parse('2026-01-12T05:00:00Z') };
  it('accepts the span, a day before it and the out-of-orderness after it; refuses the rest with the reason', () => {
    expect(outsideSpan(span.start, span)).toBeUndefined();
    expect(outsideSpan(span.end - 300_000, span)).toBeUndefined();
    expect(outsideSpan(span.start - 23 * 3_600_000, span)).toBeUndefined();
    expect(outsideSpan(span.end + 30 * 60_000, span)).toBeUndefined();
    expect(outsideSpan(span.end + 36 * 60_000, span)).toMatch(/outside the data's span/);
    expect(outsideSpan(Date.parse('9999-12-31T00:00:00Z'), span)).toMatch(
      /^interval_start 9999-12-31T00:00:00\.000Z is outside/,
    );
    expect(outsideSpan(span.start - 25 * 3_600_000, span)).toMatch(/outside/);
  });
});
