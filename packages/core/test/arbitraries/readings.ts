import fc from 'fast-check';
import type { Reading } from '../helpers/reference';

/**
 * Readings in timestamp order, then shuffled so that no record arrives more than `bound` ms
 * behind the highest timestamp already seen: exactly the disorder a bounded-out-of-orderness
 * watermark of `bound` tolerates.
 */
export function disorderedReadings(opts: {
  bound: number;
  maxLength?: number;
  keys?: number;
  span?: number;
}) {
  const { bound, maxLength = 60, keys = 3, span = 200 } = opts;
  const reading = fc.record({
    key: fc.integer({ min: 0, max: keys - 1 }).map((k) => `k${k}`),
    t: fc.integer({ min: -span, max: span }),
    v: fc.integer({ min: -5, max: 20 }),
  });
  return fc
    .tuple(fc.array(reading, { maxLength }), fc.array(fc.nat(), { maxLength: maxLength * 2 }))
    .map(([rs, swaps]) => ({
      sorted: [...rs].sort((a, b) => a.t - b.t),
      arrival: boundedShuffle(rs, swaps, bound),
    }));
}

/** Applies random swaps to the sorted order, keeping only those that stay within the bound. */
export function boundedShuffle(rs: readonly Reading[], swaps: readonly number[], bound: number): Reading[] {
  const out = [...rs].sort((a, b) => a.t - b.t);
  for (const s of swaps) {
    if (out.length < 2) break;
    const i = s % (out.length - 1);
    const a = out[i]!;
    const b = out[i + 1]!;
    out[i] = b;
    out[i + 1] = a;
    if (!withinBound(out, bound)) {
      out[i] = a;
      out[i + 1] = b;
    }
  }
  return out;
}

export function withinBound(rs: readonly Reading[], bound: number): boolean {
  let max = Number.NEGATIVE_INFINITY;
  for (const r of rs) {
    if (r.t < max - bound) return false;
    max = Math.max(max, r.t);
  }
  return true;
}

/** Arbitrary chunking of a sequence into batch sizes. */
export const batchSize = fc.integer({ min: 1, max: 17 });
