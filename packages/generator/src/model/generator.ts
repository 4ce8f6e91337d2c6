import { GeneratorConfigError } from '../errors';
import { type Calibration, calibration, type ProfileName } from './calibration';
import {
  expectedQuantity,
  flatQuantity,
  type ServiceModel,
  sampleQuantity,
  serviceModel,
} from './consumption';
import {
  type AnomalyConfig,
  type AnomalyType,
  anomalyOn,
  type BlockFaultType,
  blockFaultsOn,
  clockSkewOf,
  DAY_MS,
  DEFAULT_ANOMALIES,
  type Episode,
  MAX_EPISODE_DAYS,
} from './episodes';
import type { Fleet, Service } from './fleet';
import { LocalClock, type LocalClock as LocalClockType } from './local-time';
import { Stream, unit } from './random';
import { KWH_PER_THERM, type Label, type MeterReading } from './reading';

/**
 * The reading generator: walks the interval grid of a time range, computes every service's
 * reading (a pure function of seed, service and interval index), applies anomalies, and delivers
 * rows in delivery order: most at their interval's end, faulted ones later. The sequence of rows
 * depends only on (fleet, config), never on how a consumer pulls it.
 */

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Fresh readings per batch at most (see `next`). */
const BATCH_SERVICES = 512;

/** Delivery-fault rates. Per-reading rates are fractions of rows; block rates are per service-day. */
export interface FaultConfig {
  /** Fraction of rows delivered a few intervals late (out of order). */
  readonly outOfOrder: number;
  /** Upper bound of the out-of-order delay, minutes (delays are roughly exponential below it). */
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

/** How a malformed row is broken. */
export type MalformedVariant = 'negative' | 'non-numeric' | 'missing-field' | 'bad-timestamp';
const MALFORMED_VARIANTS: readonly MalformedVariant[] = [
  'negative',
  'non-numeric',
  'missing-field',
  'bad-timestamp',
];
const BAD_TIMESTAMPS = ['2026-02-30T25:00:00Z', 'N/A', '13/45/2026 10:00'];

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
  checkRate(api, 'anomalies.rate', anomalies.rate);
  const faults: FaultConfig =
    config.faults === true ? DEFAULT_FAULTS : config.faults ? { ...NO_FAULTS, ...config.faults } : NO_FAULTS;
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

interface ServiceState {
  readonly service: Service;
  readonly key: number;
  readonly model: ServiceModel;
  readonly skew: number;
  readonly householdCap: number;
  day: number;
  anomalies: Episode<AnomalyType>[];
  blocks: Episode<BlockFaultType>[];
  stuck: Map<Episode<AnomalyType>, number>;
}

const round = (x: number, scale: number): number => Math.round(x * scale) / scale;

/** Generates one run; `next()` returns the rows delivered at the next step (or `null` at the end). */
export class ReadingGenerator {
  readonly config: ResolvedReadingConfig;
  /** Labels found so far (unless an `onLabel` callback takes them). */
  readonly labels: Label[] = [];
  private readonly seed: number;
  private readonly states: ServiceState[];
  private readonly clock: LocalClockType = new LocalClock();
  private readonly pending = new Map<number, MeterReading[]>();
  private readonly firstStep: number;
  private readonly lastStep: number;
  private readonly hours: number;
  private readonly rowFaultCut: readonly number[];
  private step: number;
  private cursor = 0;
  private flushKeys: number[] | null = null;
  private emitted = 0;

  constructor(
    fleet: Fleet,
    config: ReadingConfig,
    private readonly onLabel?: (label: Label) => void,
  ) {
    this.config = resolveReadingConfig(fleet, config);
    this.seed = fleet.seed;
    const c = this.config;
    const intervalMinutes = c.intervalMs / MINUTE_MS;
    this.hours = c.intervalMs / HOUR_MS;
    this.firstStep = c.start / c.intervalMs;
    this.lastStep = c.end / c.intervalMs;
    this.step = this.firstStep;
    const f = c.faults;
    this.rowFaultCut = [
      f.malformed,
      f.malformed + f.duplicate,
      f.malformed + f.duplicate + f.revision,
      f.malformed + f.duplicate + f.revision + f.outOfOrder,
    ];
    this.states = c.services.map((service) => ({
      service,
      key: service.key,
      model: serviceModel(this.seed, service, c.calibration, intervalMinutes),
      skew: clockSkewOf(this.seed, service.key, f.clockSkew),
      householdCap: (c.calibration.capKWhPer5Min * intervalMinutes) / 5,
      day: Number.NaN,
      anomalies: [],
      blocks: [],
      stuck: new Map(),
    }));
    for (const st of this.states) {
      if (st.skew !== 0) this.label('fault', 'clock-skew', st.service, c.start, c.end, { skewMs: st.skew });
    }
  }

  /** Intervals in the range. */
  get steps(): number {
    return this.lastStep - this.firstStep;
  }

  /** Intervals generated so far. */
  get stepsDone(): number {
    return this.step - this.firstStep;
  }

  /** The service index the current interval has reached (0 between intervals). */
  get cursorAt(): number {
    return this.cursor;
  }

  /** Rows returned so far. */
  get rowsEmitted(): number {
    return this.emitted;
  }

  /**
   * The next batch of rows in delivery order: an interval's readings, a service chunk at a time,
   * then the earlier rows due at that interval's end; after the range, what is still pending.
   * Batches hold at most BATCH_SERVICES fresh readings so that rows die young: with whole
   * intervals of 10,000 meters per batch, most rows were still referenced when the young
   * generation was collected, V8 began allocating them straight into old space (pretenuring), and
   * generation ran three times slower (1.0M against 3.5M readings/s).
   */
  next(): MeterReading[] | null {
    let out: MeterReading[];
    if (this.step < this.lastStep) {
      const from = this.cursor;
      const to = Math.min(from + BATCH_SERVICES, this.states.length);
      out = this.generateStep(this.step, from, to);
      this.cursor = to;
      if (to === this.states.length) {
        const due = this.pending.get(this.step);
        if (due !== undefined) {
          this.pending.delete(this.step);
          for (const r of due) out.push(r);
        }
        this.step++;
        this.cursor = 0;
      }
    } else {
      // After the range: what is still pending arrives in delivery order.
      this.flushKeys ??= [...this.pending.keys()].sort((a, b) => a - b);
      const key = this.flushKeys.shift();
      if (key === undefined) return null;
      out = this.pending.get(key) ?? [];
      this.pending.delete(key);
    }
    this.emitted += out.length;
    return out;
  }

  private label(
    kind: Label['kind'],
    type: string,
    s: Service,
    start: number,
    end: number,
    parameters: Record<string, number | string>,
  ): void {
    const label: Label = {
      kind,
      type,
      service_uid: s.serviceId,
      commodity: s.type,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      start_ms: start,
      end_ms: end,
      parameters,
    };
    if (this.onLabel) this.onLabel(label);
    else this.labels.push(label);
  }

  private refresh(st: ServiceState, day: number): void {
    const { seed, config: c } = this;
    const firstVisit = Number.isNaN(st.day);
    const dayStart = day * DAY_MS;
    const dayEnd = dayStart + DAY_MS;
    const anomalies: Episode<AnomalyType>[] = [];
    const blocks: Episode<BlockFaultType>[] = [];
    for (let d = day - MAX_EPISODE_DAYS; d <= day; d++) {
      const isNew = firstVisit || d === day;
      const a = anomalyOn(seed, st.key, st.service.type, d, c.anomalies, c.intervalMs);
      if (a !== null && a.end > dayStart && a.start < dayEnd) anomalies.push(a);
      if (a !== null && isNew && a.end > c.start && a.start < c.end) {
        this.label('anomaly', a.type, st.service, a.start, a.end, a.params);
      }
      for (const b of blockFaultsOn(seed, st.key, d, c.faults.lateBatch, c.faults.missing, c.intervalMs)) {
        if (b.end > dayStart && b.start < dayEnd) blocks.push(b);
        if (isNew && b.end > c.start && b.start < c.end)
          this.label('fault', b.type, st.service, b.start, b.end, b.params);
      }
    }
    // Keep stuck values of episodes still active; drop the rest.
    const stuck = new Map<Episode<AnomalyType>, number>();
    for (const a of anomalies) {
      for (const [old, v] of st.stuck) if (old.start === a.start && old.type === a.type) stuck.set(a, v);
    }
    st.day = day;
    st.anomalies = anomalies;
    st.blocks = blocks;
    st.stuck = stuck;
  }

  private generateStep(k: number, from: number, to: number): MeterReading[] {
    const { seed, config: c, hours } = this;
    const startMs = k * c.intervalMs;
    const endMs = startMs + c.intervalMs;
    const startIso = new Date(startMs).toISOString();
    const endIso = new Date(endMs).toISOString();
    const lh = this.clock.at(startMs);
    const day = Math.floor(startMs / DAY_MS);
    const cut = this.rowFaultCut;
    const anyRowFault = cut[3]! > 0;
    const out: MeterReading[] = [];
    for (let i = from; i < to; i++) {
      const st = this.states[i]!;
      if (st.day !== day) this.refresh(st, day);
      let v = sampleQuantity(seed, st.key, k, st.model, lh, c.calibration, hours);
      if (st.anomalies.length > 0) {
        v = this.applyAnomalies(st, k, startMs, v);
        if (v < 0) continue; // an outage: no reading
      }
      let deliver = k;
      let source = 'ami';
      if (st.blocks.length > 0) {
        for (const b of st.blocks) {
          if (startMs >= b.start && startMs < b.end) {
            deliver = Math.max(deliver, (b.end + (b.params.delayMs ?? 0)) / c.intervalMs - 1);
            if (b.type === 'missing-backfill') source = 'backfill';
          }
        }
      }
      let row =
        st.skew === 0 && deliver === k
          ? this.row(st, v, startIso, endIso, endIso, startMs, source)
          : this.row(
              st,
              v,
              st.skew === 0 ? startIso : new Date(startMs + st.skew).toISOString(),
              st.skew === 0 ? endIso : new Date(endMs + st.skew).toISOString(),
              deliver === k ? endIso : new Date((deliver + 1) * c.intervalMs).toISOString(),
              startMs + st.skew,
              source,
            );
      if (anyRowFault) {
        const u = unit(seed, Stream.fault, st.key, k);
        if (u < cut[3]!) {
          const r = (j: number): number => unit(seed, Stream.faultParams, st.key, k * 8 + j);
          if (u < cut[0]!) {
            const variant = MALFORMED_VARIANTS[Math.floor(r(0) * MALFORMED_VARIANTS.length)]!;
            row = malform(row, variant, r(1));
            this.label('fault', 'malformed', st.service, startMs, endMs, { variant });
          } else if (u < cut[1]!) {
            const later = deliver + 1 + Math.floor(r(0) * 6);
            this.deliver(row, later, k);
            this.label('fault', 'duplicate', st.service, startMs, endMs, {
              delayMs: (later - k) * c.intervalMs,
            });
          } else if (u < cut[2]!) {
            const later = deliver + 12 + Math.floor(r(0) * 60);
            const newRow = this.row(
              st,
              v * (0.8 + 0.4 * r(1)),
              row.interval_start,
              row.interval_end,
              new Date((later + 1) * c.intervalMs).toISOString(),
              row.interval_start_ms,
              row.source,
            );
            this.deliver(newRow, later, k);
            this.label('fault', 'revision', st.service, startMs, endMs, {
              previous: row.quantity,
              revised: newRow.quantity,
              updated: newRow.updated,
            });
          } else {
            // Out of order: an exponential delay (mean a third of the bound), at least one interval.
            const maxSteps = Math.max(1, Math.floor((c.faults.maxDelayMinutes * MINUTE_MS) / c.intervalMs));
            const mean = Math.max(1, maxSteps / 3);
            const steps = Math.min(maxSteps, Math.max(1, Math.ceil(-mean * Math.log(1 - r(0)))));
            deliver += steps;
            row = { ...row, updated: new Date((deliver + 1) * c.intervalMs).toISOString() };
            this.label('fault', 'out-of-order', st.service, startMs, endMs, {
              delayMs: steps * c.intervalMs,
            });
          }
        }
      }
      if (deliver === k) out.push(row);
      else this.deliver(row, deliver, k);
    }
    return out;
  }

  private deliver(row: MeterReading, step: number, now: number): void {
    const at = Math.max(step, now + 1);
    const list = this.pending.get(at);
    if (list === undefined) this.pending.set(at, [row]);
    else list.push(row);
  }

  private applyAnomalies(st: ServiceState, k: number, startMs: number, v: number): number {
    const { seed, config: c, hours } = this;
    const m = st.model;
    for (const a of st.anomalies) {
      if (startMs < a.start || startMs >= a.end) continue;
      switch (a.type) {
        case 'outage':
          return -1;
        case 'spike': {
          const progress = (startMs - a.start) / (a.end - a.start);
          const expected = expectedQuantity(m, this.clock.at(startMs), c.calibration, hours);
          const extra = Math.max(st.householdCap, 6 * expected) * (0.6 + 0.35 * progress);
          v = Math.min(v + extra, m.cap);
          break;
        }
        case 'theft-constant':
          v *= 1 - (a.params.reduction ?? 0.5);
          break;
        case 'theft-random':
          v *= 0.1 + 0.8 * unit(seed, Stream.anomalyNoise, st.key, k);
          break;
        case 'theft-bypass': {
          const period = (a.params.periodHours ?? 2) * HOUR_MS;
          if (Math.floor((startMs - a.start) / period) % 2 === 1) v *= a.params.bypassFactor ?? 0.05;
          break;
        }
        case 'theft-flatten':
          // A flat profile at the month's mean, with the ±15% jitter a tampered register still shows
          // (an exactly repeated value is a stuck meter, a different anomaly).
          v =
            flatQuantity(m, this.clock.at(startMs), c.calibration, hours) *
            (0.85 + 0.3 * unit(seed, Stream.anomalyNoise, st.key, k));
          break;
        case 'theft-peak-cap':
          // A limiter flattens the peaks, with ±5% jitter (an exact repeat is a stuck meter).
          v = Math.min(
            v,
            (a.params.capOfMean ?? 1) *
              m.perHour *
              hours *
              (0.95 + 0.1 * unit(seed, Stream.anomalyNoise, st.key, k)),
          );
          break;
        case 'stuck': {
          let s = st.stuck.get(a);
          if (s === undefined) {
            const k0 = a.start / c.intervalMs;
            const lh0 = this.clock.at(a.start);
            s = sampleQuantity(seed, st.key, k0, m, lh0, c.calibration, hours);
            // A meter stuck at zero would look like no use; stuck meters repeat a real register value.
            if (s <= 0) s = Math.max(expectedQuantity(m, lh0, c.calibration, hours), 0.01);
            st.stuck.set(a, s);
          }
          v = s;
          break;
        }
        case 'leak':
          // Continuous flow that varies ±5% with the mains pressure.
          v +=
            (a.params.gallonsPerMinute ?? 0.1) *
            (c.intervalMs / MINUTE_MS) *
            (0.95 + 0.1 * unit(seed, Stream.anomalyNoise, st.key, k));
          break;
        default: {
          const never: never = a.type;
          throw new Error(`unknown anomaly ${String(never)}`);
        }
      }
    }
    return v;
  }

  private row(
    st: ServiceState,
    v: number,
    start: string,
    end: string,
    updated: string,
    startMs: number,
    source: string,
  ): MeterReading {
    const s = st.service;
    let kWh: number;
    let quantity: number;
    let unitName: MeterReading['unit'];
    switch (s.type) {
      case 'electricity':
        kWh = round(v, 1000);
        quantity = kWh;
        unitName = 'kWh';
        break;
      case 'gas':
        quantity = round(v, 10_000);
        kWh = round(quantity * KWH_PER_THERM, 1000);
        unitName = 'therm';
        break;
      default:
        quantity = round(v, 100);
        kWh = 0;
        unitName = 'gal';
    }
    return {
      interval_start: start,
      interval_end: end,
      interval_kWh: kWh,
      interval_kW: round(kWh / this.hours, 1000),
      service_uid: s.serviceId,
      source,
      updated,
      utility: s.utility,
      utility_meter_number: s.meterId,
      utility_service_address: s.address,
      utility_service_id: s.accountId,
      utility_tariff_name: s.tariff,
      commodity: s.type,
      unit: unitName,
      quantity,
      interval_start_ms: startMs,
    };
  }
}

/** Corrupts a row the way a faulty head-end does; the result fails the reading schema. */
function malform(row: MeterReading, variant: MalformedVariant, u: number): MeterReading {
  switch (variant) {
    case 'negative':
      return {
        ...row,
        interval_kWh: -Math.abs(row.interval_kWh) - 0.001,
        quantity: -Math.abs(row.quantity) - 0.001,
      };
    case 'non-numeric':
      return { ...row, interval_kWh: 'ERR' as unknown as number, quantity: 'ERR' as unknown as number };
    case 'missing-field': {
      const { service_uid: _dropped, ...rest } = row;
      return rest as MeterReading;
    }
    case 'bad-timestamp':
      return {
        ...row,
        interval_start: BAD_TIMESTAMPS[Math.floor(u * BAD_TIMESTAMPS.length)]!,
        interval_start_ms: Number.NaN,
      };
    default: {
      const never: never = variant;
      throw new Error(`unknown variant ${String(never)}`);
    }
  }
}
