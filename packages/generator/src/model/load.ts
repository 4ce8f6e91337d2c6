/**
 * Load as a function of continuous time, and its integral. A service's use is a rate (kW, therms
 * or gallons per hour) made of three kinds of part:
 * - a steady rate over each hour (standby, heating demand…);
 * - cycles: a thermostat or compressor switching a fixed power on for a share (`duty`) of every
 *   `period`, from a phase of its own;
 * - segments: an appliance run or a draw of water, `[start, end)` at a rate.
 * An interval's quantity is the integral of the rate over it, so readings of any interval length
 * add up to the same energy: twelve 5-minute readings equal the hourly one.
 */

export const HOUR_MS = 3_600_000;

/** Milliseconds a cycle is on during `[a, b)`: on for `duty × period` from `phase + n × period`. */
export function cycleOn(a: number, b: number, period: number, phase: number, duty: number): number {
  if (duty <= 0) return 0;
  if (duty >= 1) return b - a;
  const on = duty * period;
  const xa = a - phase;
  const na = Math.floor(xa / period);
  const ra = xa - na * period;
  const xb = b - phase;
  const nb = Math.floor(xb / period);
  const rb = xb - nb * period;
  return (nb - na) * on + Math.min(rb, on) - Math.min(ra, on);
}

/**
 * Segments of a day, flat: `[start, end, rate, start, end, rate, …]` sorted by start. `energy`
 * integrates them over `[a, b)`, rate per hour.
 */
export class Segments {
  readonly data: number[] = [];
  /** `reach[i]`: the latest end among segments 0…i (sorted), so a search finds the first that may overlap. */
  private reach: Float64Array = new Float64Array(0);

  /** `kept: false` makes a sink that drops what is added (a meter that does not measure it). */
  constructor(private readonly kept = true) {}

  add(start: number, end: number, rate: number): void {
    if (!this.kept || !(end > start) || !(rate > 0)) return;
    this.data.push(start, end, rate);
  }

  /** Sorts by start; call once after the last `add`. */
  seal(): this {
    this.sort();
    const d = this.data;
    const n = d.length / 3;
    this.reach = new Float64Array(n);
    let latest = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (d[i * 3 + 1]! > latest) latest = d[i * 3 + 1]!;
      this.reach[i] = latest;
    }
    return this;
  }

  private sort(): void {
    const d = this.data;
    const n = d.length / 3;
    if (n < 2) return;
    // Sort keys that carry their index in the low bits: whole-millisecond starts (below 2^43)
    // times 1024 stay exact doubles, and a typed array sorts numbers without a comparator.
    if (n <= 1024) {
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = Math.round(d[i * 3]!) * 1024 + i;
      keys.sort();
      const copy = d.slice();
      for (let j = 0; j < n; j++) {
        const i = keys[j]! % 1024;
        d[j * 3] = copy[i * 3]!;
        d[j * 3 + 1] = copy[i * 3 + 1]!;
        d[j * 3 + 2] = copy[i * 3 + 2]!;
      }
      return;
    }
    const idx = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x * 3]! - d[y * 3]!);
    const copy = d.slice();
    idx.forEach((i, j) => {
      d[j * 3] = copy[i * 3]!;
      d[j * 3 + 1] = copy[i * 3 + 1]!;
      d[j * 3 + 2] = copy[i * 3 + 2]!;
    });
  }

  /** Where the last search ended: queries mostly move forward, so the next one starts there. */
  private cursor = 0;
  private last = Number.NEGATIVE_INFINITY;

  /** ∫ rate over `[a, b)`, in rate × hours. */
  energy(a: number, b: number): number {
    const d = this.data;
    const reach = this.reach;
    let lo: number;
    if (a >= this.last) {
      // Forward: skip the segments that ended before `a` (reach is non-decreasing).
      lo = this.cursor;
      while (lo < reach.length && reach[lo]! <= a) lo++;
    } else {
      lo = 0;
      let hi = reach.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (reach[mid]! <= a) lo = mid + 1;
        else hi = mid;
      }
    }
    this.cursor = lo;
    this.last = a;
    let sum = 0;
    for (let i = lo * 3; i < d.length; i += 3) {
      const s = d[i]!;
      if (s >= b) break;
      const e = d[i + 1]!;
      if (e <= a) continue;
      sum += (Math.min(e, b) - Math.max(s, a)) * d[i + 2]!;
    }
    return sum / HOUR_MS;
  }

  /** The segments of `earlier` that reach past `from`, and these, as one sealed list. */
  static join(earlier: Segments, later: Segments, from: number): Segments {
    const out = new Segments();
    const e = earlier.data;
    for (let i = 0; i < e.length; i += 3) if (e[i + 1]! > from) out.data.push(e[i]!, e[i + 1]!, e[i + 2]!);
    for (const v of later.data) out.data.push(v);
    return out.seal();
  }
}

/**
 * A service's use as the integral of its load: the household or business behind it, the weather
 * and the calendar. `quantity(a, b)` is exact for any `[a, b)`, so intervals of any length add up.
 */
export interface LoadModel {
  /** Native units (kWh, therms, gallons) used over `[a, b)`, before anomalies. */
  quantity(a: number, b: number): number;
  /** The mean rate over the local day holding `t`, native units per ms (what a flattened or capped meter is tuned to). */
  dayMean(t: number): number;
  /** The service's breaker: no interval reads above this rate (units per ms); Infinity when none. */
  readonly limit: number;
}
