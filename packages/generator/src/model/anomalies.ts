import type { AnomalyType, Episode } from './episodes';
import type { Commodity } from './fleet';
import type { LoadModel } from './load';
import { Stream, unit } from './random';

/**
 * How each anomaly changes a reading. Shapes vary within and between episodes (see `episodes.ts`
 * for the parameter ranges):
 * - spike: an appliance fault adding 1–5 kW (three times that at a business) on top of normal use,
 *   its draw wandering ±20% every quarter hour, for 10 minutes to 4 hours;
 * - stuck: the register repeats the value it stuck at for 1–12 hours; 40% flicker in the last digit;
 * - leak: 0.03–0.5 gallons a minute, varying ±25% with the mains pressure over the day and ±15%
 *   per interval; 30% grow to 2–4 times their first flow;
 * - outage: every meter of a premise silent for 20 minutes to 10 hours;
 * - theft: use cut by a constant share, by a random factor per interval, to almost nothing for every
 *   other period of 1–6 hours, flattened to around the day's mean, or capped near it.
 * Returns the quantity, or -1 for no reading.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const QUARTER_MS = 15 * MINUTE_MS;

/** The smallest step of a register, by commodity (kWh, therms, gallons as rows are rounded). */
const LAST_DIGIT: Record<Commodity, number> = { electricity: 0.001, gas: 0.0001, water: 0.01 };

export interface AnomalyTarget {
  readonly key: number;
  readonly commodity: Commodity;
  readonly business: boolean;
  readonly model: LoadModel;
  /** Values stuck registers hold, by episode start. */
  readonly stuck: Map<number, number>;
}

export function applyAnomalies(
  seed: number,
  s: AnomalyTarget,
  episodes: readonly Episode<AnomalyType>[],
  k: number,
  a: number,
  b: number,
  v: number,
): number {
  const noise = (i: number) => unit(seed, Stream.anomalyNoise, s.key, k * 4 + i);
  for (const e of episodes) {
    if (a < e.start || a >= e.end) continue;
    const p = e.params;
    switch (e.type) {
      case 'outage':
        return -1;
      case 'spike': {
        const quarter = Math.floor(a / QUARTER_MS);
        const wander = 0.8 + 0.4 * unit(seed, Stream.anomalyShape, s.key, quarter);
        v += (p.kW ?? 2) * (s.business ? 3 : 1) * wander * ((b - a) / HOUR_MS);
        break;
      }
      case 'theft-constant':
        v *= 1 - (p.reduction ?? 0.5);
        break;
      case 'theft-random': {
        const lo = p.minFactor ?? 0.1;
        v *= lo + ((p.maxFactor ?? 0.9) - lo) * noise(0);
        break;
      }
      case 'theft-bypass': {
        const period = (p.periodHours ?? 2) * HOUR_MS;
        if (Math.floor((a - e.start) / period) % 2 === 1) v *= p.bypassFactor ?? 0;
        break;
      }
      case 'theft-flatten':
        // A flat profile near the day's mean, with the ±15% a tampered register still shows.
        v = s.model.dayMean(a) * (b - a) * (p.levelOfMean ?? 1) * (0.85 + 0.3 * noise(0));
        break;
      case 'theft-peak-cap':
        // A limiter shaves what rises above its level (±5%).
        v = Math.min(v, s.model.dayMean(a) * (b - a) * (p.capOfMean ?? 1) * (0.95 + 0.1 * noise(0)));
        break;
      case 'stuck': {
        let held = s.stuck.get(e.start);
        if (held === undefined) {
          held = s.model.quantity(e.start, e.start + (b - a));
          // A register stuck at zero would look like no use: stuck meters hold a real, non-zero value.
          if (held < LAST_DIGIT[s.commodity] * 5)
            held = Math.max(s.model.dayMean(a) * (b - a), LAST_DIGIT[s.commodity] * 5);
          s.stuck.set(e.start, held);
        }
        v = p.flicker ? held + LAST_DIGIT[s.commodity] * (Math.floor(noise(1) * 3) - 1) : held;
        break;
      }
      case 'leak': {
        const progress = (a - e.start) / (e.end - e.start);
        const growth = 1 + ((p.growth ?? 1) - 1) * progress;
        const hourOfDay = (((a / HOUR_MS) % 24) + 24) % 24;
        const pressure = 1 + 0.25 * Math.cos(((hourOfDay - 8) / 24) * 2 * Math.PI);
        v +=
          (p.gallonsPerMinute ?? 0.1) * ((b - a) / MINUTE_MS) * growth * pressure * (0.85 + 0.3 * noise(2));
        break;
      }
      default: {
        const never: never = e.type;
        throw new Error(`unknown anomaly ${String(never)}`);
      }
    }
  }
  return v;
}
