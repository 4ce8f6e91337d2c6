import { GeneratorConfigError } from '../errors';
import { type Calibration, calibration, type ProfileName } from './calibration';
import { ANOMALY_TYPES, type AnomalyConfig, DAY_MS, DEFAULT_ANOMALIES, rateOf } from './episodes';
import type { Fleet, Service } from './fleet';

/** What a run generates, and its checks: time range, interval, calibration, anomalies, faults. */

const MINUTE_MS = 60_000;

/** Delivery-fault rates. Per-reading rates are fractions of rows; block rates are per service-day. */
export interface FaultConfig {
  /** Fraction of rows delivered a few intervals late (out of order). */
  readonly outOfOrder: number;
  /** Upper bound of the out-of-order delay, minutes (delays are roughly exponential below it); unless given, 30 or one interval, whichever is longer. */
  readonly maxDelayMinutes: number;
  /** Per service-day: a 1.5–3 hour block delivered 2–8 hours late. */
  readonly lateBatch: number;
  /** Fraction of rows delivered twice (the copy 1–6 intervals later). */
  readonly duplicate: number;
  /** Per service-day: a 1.5–4 hour block missing, back-filled 6–24 hours later (`source: 'backfill'`). */
  readonly missing: number;
  /** Fraction of rows revised later: a second row, another value, a newer `updated`. */
  readonly revision: number;
  /** Fraction of meters whose clock is off by 30 s to 4 min (their interval times are shifted). */
  readonly clockSkew: number;
  /** Fraction of rows replaced by a malformed one (negative, non-numeric, missing field, bad time). */
  readonly malformed: number;
}

/** The fault settings that are rates (every field but `maxDelayMinutes`). */
export const FAULT_RATES = [
  'outOfOrder',
  'lateBatch',
  'duplicate',
  'missing',
  'revision',
  'clockSkew',
  'malformed',
] as const;

/** What `faults: true` means: the rates of each delivery fault. */
export const DEFAULT_FAULTS: FaultConfig = Object.freeze({
  outOfOrder: 0.02,
  maxDelayMinutes: 30,
  lateBatch: 0.005,
  duplicate: 0.002,
  missing: 0.005,
  revision: 0.001,
  clockSkew: 0.01,
  malformed: 0.001,
});

/** Every delivery fault at rate 0. */
export const NO_FAULTS: FaultConfig = Object.freeze({
  outOfOrder: 0,
  maxDelayMinutes: 30,
  lateBatch: 0,
  duplicate: 0,
  missing: 0,
  revision: 0,
  clockSkew: 0,
  malformed: 0,
});

/** What `readings(fleet, config)` generates: the time range, interval, calibration, anomalies and faults. */
export interface ReadingConfig {
  /** First interval start (UTC; ISO string, Date or epoch ms), on the interval grid. */
  readonly start: string | Date | number;
  /** Exclusive end; give `end` or `days`. */
  readonly end?: string | Date | number;
  readonly days?: number;
  /** Interval length in minutes, a divisor of a day (default 5). */
  readonly intervalMinutes?: number;
  /** Calibration (default `'nyc'`). */
  readonly profile?: ProfileName | Calibration;
  /** `true` for the defaults, or rates; default none. */
  readonly anomalies?: boolean | Partial<AnomalyConfig>;
  /** `true` for the defaults, or rates; default none. */
  readonly faults?: boolean | Partial<FaultConfig>;
  /** A subset of the fleet's services to generate (any partition gives the same rows); default all. */
  readonly services?: readonly Service[];
}

/** A fully resolved configuration. */
export interface ResolvedReadingConfig {
  readonly start: number;
  readonly end: number;
  readonly intervalMs: number;
  readonly calibration: Calibration;
  readonly anomalies: AnomalyConfig;
  readonly faults: FaultConfig;
  readonly services: readonly Service[];
}

function toMs(api: string, name: string, v: string | Date | number): number {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : v.getTime();
  if (!Number.isFinite(ms))
    throw new GeneratorConfigError(`${api}: ${name} is not a valid time: ${String(v)}`);
  return ms;
}

function checkRate(api: string, name: string, v: number, max = 1): void {
  if (!(Number.isFinite(v) && v >= 0 && v <= max)) {
    throw new GeneratorConfigError(`${api}: ${name} must be between 0 and ${max}, got ${v}`);
  }
}

/** Validates a reading configuration and fills in defaults. */
export function resolveReadingConfig(
  fleet: Fleet,
  config: ReadingConfig,
  api = 'readings',
): ResolvedReadingConfig {
  const intervalMinutes = config.intervalMinutes ?? 5;
  if (!(Number.isInteger(intervalMinutes) && intervalMinutes > 0 && 1440 % intervalMinutes === 0)) {
    throw new GeneratorConfigError(
      `${api}: intervalMinutes must be a whole number of minutes dividing a day, got ${intervalMinutes}`,
    );
  }
  const intervalMs = intervalMinutes * MINUTE_MS;
  const start = toMs(api, 'start', config.start);
  if (start % intervalMs !== 0) {
    throw new GeneratorConfigError(
      `${api}: start must fall on the ${intervalMinutes}-minute grid, got ${new Date(start).toISOString()}`,
    );
  }
  if ((config.end === undefined) === (config.days === undefined)) {
    throw new GeneratorConfigError(`${api}: give exactly one of end or days`);
  }
  let end: number;
  if (config.days !== undefined) {
    if (!(Number.isFinite(config.days) && config.days > 0)) {
      throw new GeneratorConfigError(`${api}: days must be a positive number, got ${config.days}`);
    }
    end = start + Math.round((config.days * DAY_MS) / intervalMs) * intervalMs;
  } else {
    end = toMs(api, 'end', config.end as string | Date | number);
    if (end % intervalMs !== 0)
      throw new GeneratorConfigError(`${api}: end must fall on the ${intervalMinutes}-minute grid`);
  }
  if (end <= start) throw new GeneratorConfigError(`${api}: end must be after start`);
  const profile = config.profile ?? 'nyc';
  let cal: Calibration;
  if (typeof profile === 'string') {
    if (profile !== 'nyc' && profile !== 'seed') {
      throw new GeneratorConfigError(`${api}: profile must be 'nyc' or 'seed', got '${String(profile)}'`);
    }
    cal = calibration(profile);
  } else cal = profile;
  const anomalies: AnomalyConfig =
    config.anomalies === true
      ? DEFAULT_ANOMALIES
      : config.anomalies
        ? { ...DEFAULT_ANOMALIES, ...config.anomalies }
        : { rate: 0 };
  checkRate(api, 'anomalies.rate', anomalies.rate, 10);
  for (const [type, v] of Object.entries(anomalies.rates ?? {})) {
    if (!(ANOMALY_TYPES as readonly string[]).includes(type)) {
      throw new GeneratorConfigError(`${api}: anomalies.rates has an unknown type '${type}'`);
    }
    checkRate(api, `anomalies.rates.${type}`, v as number);
  }
  const perService = ANOMALY_TYPES.filter((t) => t !== 'outage').reduce(
    (s, t) => s + rateOf(anomalies, t),
    0,
  );
  if (perService > 1 || rateOf(anomalies, 'outage') > 1) {
    throw new GeneratorConfigError(`${api}: the anomaly rates add up to more than 1 per service-day`);
  }
  const given: FaultConfig =
    config.faults === true ? DEFAULT_FAULTS : config.faults ? { ...NO_FAULTS, ...config.faults } : NO_FAULTS;
  // Unless given, out-of-order delays reach at least one interval (hourly rows arrive up to an hour late).
  const faults: FaultConfig =
    typeof config.faults === 'object' && config.faults.maxDelayMinutes !== undefined
      ? given
      : { ...given, maxDelayMinutes: Math.max(given.maxDelayMinutes, intervalMinutes) };
  for (const name of FAULT_RATES) {
    checkRate(api, `faults.${name}`, faults[name]);
  }
  if (faults.outOfOrder + faults.duplicate + faults.revision + faults.malformed > 1) {
    throw new GeneratorConfigError(`${api}: the per-reading fault rates add up to more than 1`);
  }
  if (faults.outOfOrder > 0 && !(faults.maxDelayMinutes >= intervalMinutes)) {
    throw new GeneratorConfigError(
      `${api}: faults.maxDelayMinutes must be at least one interval, got ${faults.maxDelayMinutes}`,
    );
  }
  return {
    start,
    end,
    intervalMs,
    calibration: cal,
    anomalies,
    faults,
    services: config.services ?? fleet.services,
  };
}
