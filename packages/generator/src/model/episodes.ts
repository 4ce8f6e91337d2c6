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

/**
 * How often each anomaly starts: per service-day (outages: per premise-day, every meter of the
 * premise going dark together). Set so that the main job's default run (1,000 services for 7 days)
 * holds at least 30 labels of each type.
 */
export const DEFAULT_ANOMALY_RATES: Readonly<Record<AnomalyType, number>> = Object.freeze({
  spike: 0.03,
  'theft-constant': 0.014,
  'theft-random': 0.014,
  'theft-bypass': 0.014,
  'theft-flatten': 0.014,
  'theft-peak-cap': 0.014,
  stuck: 0.007,
  outage: 0.012,
  leak: 0.014,
});

/** Which anomalies to inject and how often. */
export interface AnomalyConfig {
  /** Multiplies every type's rate (1: the rates of `DEFAULT_ANOMALY_RATES`, 0: none). */
  readonly rate: number;
  /** Rates of single types, per service-day (outage: per premise-day), before `rate`. */
  readonly rates?: Readonly<Partial<Record<AnomalyType, number>>>;
  /** Types to draw from (those that do not apply to a commodity are skipped). Default: all. */
  readonly types?: readonly AnomalyType[];
}

/** What `anomalies: true` means: every type at its default rate. */
export const DEFAULT_ANOMALIES: AnomalyConfig = Object.freeze({ rate: 1 });

/** The rate of one type under a configuration. */
export function rateOf(config: AnomalyConfig, type: AnomalyType): number {
  if (config.types && !config.types.includes(type)) return 0;
  return (config.rates?.[type] ?? DEFAULT_ANOMALY_RATES[type]) * config.rate;
}

/** Delivery-fault episode types (the other faults are per reading). */
export type BlockFaultType = 'late-batch' | 'missing-backfill';

export interface Episode<T extends string = string> {
  readonly type: T;
  readonly start: number;
  /** Exclusive end. */
  readonly end: number;
  readonly params: Readonly<Record<string, number>>;
}

/** Episodes start on their day and end within this many days. */
export const MAX_EPISODE_DAYS = 6;

/**
 * How long each anomaly lasts: between the first two numbers, in units of the third, drawn
 * log-uniformly for the short-lived types (most are short, some long) and uniformly for the rest.
 */
const DURATION: Readonly<Record<AnomalyType, readonly [number, number, number, 'log' | 'flat']>> = {
  spike: [10, 240, MINUTE_MS, 'log'],
  'theft-constant': [48, 120, HOUR_MS, 'flat'],
  'theft-random': [48, 120, HOUR_MS, 'flat'],
  'theft-bypass': [48, 120, HOUR_MS, 'flat'],
  'theft-flatten': [48, 120, HOUR_MS, 'flat'],
  'theft-peak-cap': [48, 120, HOUR_MS, 'flat'],
  stuck: [1, 12, HOUR_MS, 'log'],
  outage: [20, 600, MINUTE_MS, 'log'],
  leak: [24, 120, HOUR_MS, 'flat'],
};

function alignedStart(day: number, u: number, intervalMs: number): number {
  const steps = Math.floor(DAY_MS / intervalMs);
  return day * DAY_MS + Math.floor(u * steps) * intervalMs;
}

function aligned(ms: number, intervalMs: number): number {
  return Math.max(intervalMs, Math.round(ms / intervalMs) * intervalMs);
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function episode(
  type: AnomalyType,
  day: number,
  r: (i: number) => number,
  intervalMs: number,
): Episode<AnomalyType> {
  const start = alignedStart(day, r(1), intervalMs);
  const between = (lo: number, hi: number, i: number): number => lo + (hi - lo) * r(i);
  const logBetween = (lo: number, hi: number, i: number): number => lo * (hi / lo) ** r(i);
  const [lo, hi, unitMs, how] = DURATION[type];
  const duration = (how === 'log' ? logBetween(lo, hi, 2) : between(lo, hi, 2)) * unitMs;
  let params: Record<string, number> = {};
  switch (type) {
    case 'spike':
      // An appliance fault (a heating element or compressor stuck on), its draw wandering ±20%.
      params = { kW: round(between(1, 5, 3), 2) };
      break;
    case 'theft-constant':
      params = { reduction: round(between(0.3, 0.8, 3), 2) };
      break;
    case 'theft-random':
      params = { minFactor: round(between(0, 0.3, 3), 2), maxFactor: round(between(0.6, 0.95, 4), 2) };
      break;
    case 'theft-bypass':
      params = { periodHours: 1 + Math.floor(r(3) * 6), bypassFactor: round(between(0, 0.15, 4), 2) };
      break;
    case 'theft-flatten':
      params = { levelOfMean: round(between(0.8, 1.1, 3), 2) };
      break;
    case 'theft-peak-cap':
      params = { capOfMean: round(between(0.8, 1.5, 3), 2) };
      break;
    case 'stuck':
      // Some registers stick on one value; others repeat it with the last digit flickering.
      params = { flicker: r(3) < 0.4 ? 1 : 0 };
      break;
    case 'leak':
      // Flow varies with the mains pressure over the day; some leaks grow.
      params = {
        gallonsPerMinute: round(logBetween(0.03, 0.5, 3), 3),
        growth: r(4) < 0.3 ? round(between(2, 4, 5), 2) : 1,
      };
      break;
    case 'outage':
      break;
    default: {
      const never: never = type;
      throw new Error(`unknown anomaly ${String(never)}`);
    }
  }
  return { type, start, end: start + aligned(duration, intervalMs), params };
}

/** The anomaly (other than an outage) a service starts on `day`, or null. */
export function anomalyOn(
  seed: number,
  key: number,
  commodity: Commodity,
  day: number,
  config: AnomalyConfig,
  intervalMs: number,
): Episode<AnomalyType> | null {
  if (config.rate <= 0) return null;
  const u = unit(seed, Stream.anomalyDay, key, day);
  let cumulative = 0;
  for (const type of TYPES_BY_COMMODITY[commodity]) {
    if (type === 'outage') continue;
    cumulative += rateOf(config, type);
    if (u < cumulative) {
      return episode(type, day, (i) => unit(seed, Stream.anomalyParams, key, day * 16 + i), intervalMs);
    }
  }
  return null;
}

/** The outage a premise starts on `day` (every meter of it goes dark), or null. */
export function outageOn(
  seed: number,
  premise: number,
  day: number,
  config: AnomalyConfig,
  intervalMs: number,
): Episode<AnomalyType> | null {
  const rate = rateOf(config, 'outage');
  if (rate <= 0 || unit(seed, Stream.outage, premise, day) >= rate) return null;
  return episode('outage', day, (i) => unit(seed, Stream.outage, premise, day * 16 + 1 + i), intervalMs);
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
