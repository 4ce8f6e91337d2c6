import type { Commodity } from './fleet';
import { hash32, Stream, unit } from './random';

/**
 * Episodes: anomalies and block-shaped delivery faults, each a pure function of
 * (seed, service key, UTC day). An episode starts on its day (aligned to the interval grid) and
 * lasts at most MAX_EPISODE_DAYS days, so the episodes active at an instant are found by looking
 * at that many days back.
 */

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Every anomaly the generator can inject, each labelled. */
export const ANOMALY_TYPES = Object.freeze([
  'spike',
  'theft-constant',
  'theft-random',
  'theft-bypass',
  'theft-flatten',
  'theft-peak-cap',
  'stuck',
  'outage',
  'leak',
] as const);

/** One of `ANOMALY_TYPES`. */
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

const TYPES_BY_COMMODITY: Record<Commodity, readonly AnomalyType[]> = {
  // Every type but the water leak.
  electricity: ANOMALY_TYPES.filter((t) => t !== 'leak'),
  gas: ['stuck', 'outage'],
  water: ['leak', 'stuck', 'outage'],
};

/** Which anomalies to inject and how often. */
export interface AnomalyConfig {
  /** Probability that a service starts an anomaly on a given UTC day. */
  readonly rate: number;
  /** Types to draw from (those that do not apply to a commodity are skipped). Default: all. */
  readonly types?: readonly AnomalyType[];
}

/** What `anomalies: true` means: every type, 0.02 episodes per service-day. */
export const DEFAULT_ANOMALIES: AnomalyConfig = Object.freeze({ rate: 0.02 });

/** Delivery-fault episode types (the other faults are per reading). */
export type BlockFaultType = 'late-batch' | 'missing-backfill';

export interface Episode<T extends string = string> {
  readonly type: T;
  readonly start: number;
  /** Exclusive end. */
  readonly end: number;
  readonly params: Readonly<Record<string, number>>;
}

export const MAX_EPISODE_DAYS = 3;

/** How long each anomaly lasts: uniform between the first two numbers, in units of the third. */
const DURATION: Readonly<Record<AnomalyType, readonly [number, number, number]>> = {
  spike: [30, 60, MINUTE_MS],
  'theft-constant': [24, 72, HOUR_MS],
  'theft-random': [24, 72, HOUR_MS],
  'theft-bypass': [24, 72, HOUR_MS],
  'theft-flatten': [24, 72, HOUR_MS],
  'theft-peak-cap': [24, 72, HOUR_MS],
  stuck: [2, 12, HOUR_MS],
  outage: [1.5, 6, HOUR_MS],
  leak: [30, 72, HOUR_MS],
};

function alignedStart(day: number, u: number, intervalMs: number): number {
  const steps = Math.floor(DAY_MS / intervalMs);
  return day * DAY_MS + Math.floor(u * steps) * intervalMs;
}

function aligned(ms: number, intervalMs: number): number {
  return Math.max(intervalMs, Math.round(ms / intervalMs) * intervalMs);
}

/** The anomaly a service starts on `day`, or null. */
export function anomalyOn(
  seed: number,
  key: number,
  commodity: Commodity,
  day: number,
  config: AnomalyConfig,
  intervalMs: number,
): Episode<AnomalyType> | null {
  if (config.rate <= 0 || unit(seed, Stream.anomalyDay, key, day) >= config.rate) return null;
  const allowed = config.types
    ? TYPES_BY_COMMODITY[commodity].filter((t) => config.types?.includes(t))
    : TYPES_BY_COMMODITY[commodity];
  if (allowed.length === 0) return null;
  const r = (i: number): number => unit(seed, Stream.anomalyParams, key, day * 16 + i);
  const type = allowed[Math.floor(r(0) * allowed.length)]!;
  const start = alignedStart(day, r(1), intervalMs);
  const between = (lo: number, hi: number, i: number): number => lo + (hi - lo) * r(i);
  const [lo, hi, unitMs] = DURATION[type];
  const duration = between(lo, hi, 2) * unitMs;
  let params: Record<string, number> = {};
  switch (type) {
    case 'theft-constant':
      params = { reduction: Math.round(between(0.3, 0.7, 3) * 100) / 100 };
      break;
    case 'theft-random':
      params = { minFactor: 0.1, maxFactor: 0.9 };
      break;
    case 'theft-bypass':
      params = { periodHours: 1 + Math.floor(r(3) * 4), bypassFactor: 0 };
      break;
    case 'theft-peak-cap':
      params = { capOfMean: Math.round(between(0.8, 1.2, 3) * 100) / 100 };
      break;
    case 'leak':
      params = { gallonsPerMinute: Math.round(between(0.05, 0.5, 3) * 1000) / 1000 };
      break;
    case 'spike':
    case 'theft-flatten':
    case 'stuck':
    case 'outage':
      break;
    default: {
      const never: never = type;
      throw new Error(`unknown anomaly ${String(never)}`);
    }
  }
  return { type, start, end: start + aligned(duration, intervalMs), params };
}

/** Block-shaped delivery faults a service starts on `day`. */
export function blockFaultsOn(
  seed: number,
  key: number,
  day: number,
  lateBatchRate: number,
  missingRate: number,
  intervalMs: number,
): Episode<BlockFaultType>[] {
  const out: Episode<BlockFaultType>[] = [];
  const r = (i: number): number => unit(seed, Stream.faultEpisode, key, day * 16 + i);
  if (lateBatchRate > 0 && r(0) < lateBatchRate) {
    const start = alignedStart(day, r(1), intervalMs);
    const length = aligned((1.5 + 1.5 * r(2)) * HOUR_MS, intervalMs);
    out.push({
      type: 'late-batch',
      start,
      end: start + length,
      params: { delayMs: aligned((2 + 6 * r(3)) * HOUR_MS, intervalMs) },
    });
  }
  if (missingRate > 0 && r(4) < missingRate) {
    const start = alignedStart(day, r(5), intervalMs);
    const length = aligned((1.5 + 2.5 * r(6)) * HOUR_MS, intervalMs);
    out.push({
      type: 'missing-backfill',
      start,
      end: start + length,
      params: { delayMs: aligned((6 + 18 * r(7)) * HOUR_MS, intervalMs) },
    });
  }
  return out;
}

/** A meter's constant clock error in ms (0 for most meters): ±30 s to ±4 min. */
export function clockSkewOf(seed: number, key: number, rate: number): number {
  if (rate <= 0 || unit(seed, Stream.serviceSkew, key, 0) >= rate) return 0;
  const magnitude = 30_000 + (hash32(seed, Stream.serviceSkew, key, 1) % 210_000);
  return unit(seed, Stream.serviceSkew, key, 2) < 0.5 ? -magnitude : magnitude;
}
