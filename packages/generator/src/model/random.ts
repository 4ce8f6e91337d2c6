/**
 * Counter-based randomness: every random number is a pure function of (seed, stream, a, b), so a
 * reading can be computed alone, in any order, on any partition of the services or of time.
 *
 * Laws: `hash32(seed, s, a, b)` is deterministic; changing any argument gives an unrelated value
 * (murmur3's finaliser applied after each word); `unit` is uniform on [0, 1).
 */

const TWO_POW_32 = 4294967296;

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A 32-bit hash of four integers (non-integers and values beyond 2^32 are folded in). */
export function hash32(seed: number, stream: number, a: number, b: number): number {
  let h = fmix(seed ^ 0x9e3779b9);
  h = fmix(h ^ Math.imul(stream | 0, 0x27d4eb2f));
  h = fmix(h ^ (a | 0) ^ Math.imul((a / TWO_POW_32) | 0, 0x165667b1));
  h = fmix(h ^ (b | 0) ^ Math.imul((b / TWO_POW_32) | 0, 0x61c88647));
  return h >>> 0;
}

/** Uniform on [0, 1), a pure function of its arguments. */
export function unit(seed: number, stream: number, a: number, b: number): number {
  return hash32(seed, stream, a, b) / TWO_POW_32;
}

/** A standard normal variate from two uniforms (Box–Muller). */
export function normal(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

/** Sixteen bytes drawn from the hash, for UUIDs. */
export function bytes16(seed: number, stream: number, a: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const h = hash32(seed, stream, a, i);
    out[i * 4] = h & 0xff;
    out[i * 4 + 1] = (h >>> 8) & 0xff;
    out[i * 4 + 2] = (h >>> 16) & 0xff;
    out[i * 4 + 3] = h >>> 24;
  }
  return out;
}

/** Picks an index from cumulative weights (ascending, last = total) with a uniform `u`. */
export function pickCumulative(cumulative: readonly number[], u: number): number {
  const target = u * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Named random streams, so that adding a draw never shifts another. */
export const Stream = {
  premiseKind: 1,
  premiseZip: 2,
  premiseGas: 3,
  premiseFaker: 4,
  serviceId: 5,
  serviceMeter: 6,
  serviceScale: 7,
  serviceAccount: 8,
  serviceSkew: 9,
  texture: 10,
  burst: 11,
  burstSize: 12,
  waterEvent: 13,
  waterAmount: 14,
  waterAmount2: 15,
  anomalyDay: 16,
  anomalyParams: 17,
  fault: 18,
  faultParams: 19,
  faultEpisode: 20,
  anomalyNoise: 21,
  premisePhase: 22,
  weather: 23,
  weatherEpisode: 24,
  household: 25,
  householdDay: 26,
  business: 27,
  businessDay: 28,
  vacation: 29,
  anomalyShape: 30,
  outage: 31,
} as const;
