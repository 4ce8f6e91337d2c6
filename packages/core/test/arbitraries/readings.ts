import fc from 'fast-check';
import type { Reading } from '../helpers/reference';

/**
 * Readings and an arrival order in which no record comes more than `bound` ms behind the highest
 * timestamp already seen: exactly the disorder a bounded-out-of-orderness watermark of `bound`
 * tolerates, and as much of it as possible.
 *
 * Each record is delayed by d ∈ [0, bound] (often exactly 0 or exactly `bound`) and records arrive
 * in order of t + d: a record arriving after another has t ≥ t' + d' − d ≥ t' − bound, so the bound
 * holds, and most inputs hold out-of-order pairs. Some records on time (d = 0) are followed at once
 * by a straggler exactly `bound` behind them: the boundary a watermark must still accept.
 */
export function disorderedReadings(opts: {
  bound: number;
  maxLength?: number;
  keys?: number;
  span?: number;
}) {
  const { bound, maxLength = 60, keys = 3, span = 200 } = opts;
  const key = fc.integer({ min: 0, max: keys - 1 }).map((k) => `k${k}`);
  const item = fc.record({
    key,
    t: fc.integer({ min: -span, max: span }),
    v: fc.integer({ min: -5, max: 20 }),
    d: fc.oneof(fc.constant(0), fc.constant(bound), fc.integer({ min: 0, max: bound })),
    straggler: fc.option(fc.record({ key, v: fc.integer({ min: -5, max: 20 }) }), { freq: 4 }),
  });
  return fc.array(item, { maxLength }).map((items) => {
    const order = items
      .map((it, i) => ({ it, i }))
      .sort((a, b) => a.it.t + a.it.d - (b.it.t + b.it.d) || a.i - b.i);
    const arrival: Reading[] = [];
    for (const { it } of order) {
      arrival.push({ key: it.key, t: it.t, v: it.v });
      if (it.d === 0 && it.straggler !== null) arrival.push({ ...it.straggler, t: it.t - bound });
    }
    return { sorted: [...arrival].sort((a, b) => a.t - b.t), arrival };
  });
}

/** No record arrives more than `bound` behind the highest timestamp before it. */
export function withinBound(rs: readonly Reading[], bound: number): boolean {
  let max = Number.NEGATIVE_INFINITY;
  for (const r of rs) {
    if (r.t < max - bound) return false;
    max = Math.max(max, r.t);
  }
  return true;
}

/** How the arrival order departs from timestamp order: out-of-order pairs, and records exactly `bound` behind. */
export function disorderOf(rs: readonly Reading[], bound: number): { outOfOrder: number; atBound: number } {
  let max = Number.NEGATIVE_INFINITY;
  let outOfOrder = 0;
  let atBound = 0;
  for (const r of rs) {
    if (r.t < max) outOfOrder++;
    if (r.t === max - bound) atBound++;
    max = Math.max(max, r.t);
  }
  return { outOfOrder, atBound };
}

/** Arbitrary chunking of a sequence into batch sizes. */
export const batchSize = fc.integer({ min: 1, max: 17 });
