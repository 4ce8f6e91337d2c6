import { DateTime } from 'luxon';
import {
  createFleet,
  type Fleet,
  type MeterReading,
  type ReadingConfig,
  ReadingGenerator,
  type Service,
  Weather,
} from '../../src/index';

/**
 * The figures the `nyc` calibration is held to, each measured from generated readings the way a
 * user would measure real ones. The calibration report prints them; the tests assert their bounds.
 * Anchors come from the specification (Con Edison bills, EIA, published interval-data
 * studies), not from the model.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly anchor: string;
  readonly ok: boolean;
  readonly digits?: number;
}

const zoneCache = new Map<number, DateTime>();
function local(ms: number): DateTime {
  const h = Math.floor(ms / HOUR_MS);
  let t = zoneCache.get(h);
  if (t === undefined) zoneCache.set(h, (t = DateTime.fromMillis(h * HOUR_MS, { zone: 'America/New_York' })));
  return t;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

function pick(fleet: Fleet, n: number, match: (s: Service) => boolean): Service[] {
  const out = fleet.services.filter(match).slice(0, n);
  if (out.length < n) throw new Error(`only ${out.length} services match`);
  return out;
}

/** Rows by service, in interval order. */
function series(fleet: Fleet, config: ReadingConfig): Map<string, MeterReading[]> {
  const g = new ReadingGenerator(fleet, config);
  const out = new Map<string, MeterReading[]>();
  for (let b = g.next(); b !== null; b = g.next()) {
    for (const r of b) {
      let list = out.get(r.service_uid);
      if (list === undefined) out.set(r.service_uid, (list = []));
      list.push(r);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.interval_start_ms - b.interval_start_ms);
  return out;
}

const total = (rows: readonly MeterReading[]) => rows.reduce((a, r) => a + r.quantity, 0);
const household = (type: Service['type'], gas?: string) => (s: Service) =>
  s.type === type && s.premise.kind === 'household' && (gas === undefined || s.premise.gas === gas);

export interface CalibrationSize {
  /** Households per figure (the tests use fewer than the report). */
  readonly households: number;
  readonly seed: number;
}

export function measure({ households: n, seed }: CalibrationSize): Figure[] {
  const fleet = createFleet({ seed, premises: n * 8 });
  const figures: Figure[] = [];
  const add = (name: string, value: number, anchor: string, ok: boolean, digits = 2) =>
    figures.push({ name, value, anchor, ok, digits });

  // Household electricity: January and July months.
  const elec = pick(fleet, n, household('electricity'));
  const month = (start: string, end: string) =>
    [...series(fleet, { start, end, intervalMinutes: 60, services: elec }).values()].map(total);
  const january = median(month('2026-01-01T05:00:00Z', '2026-02-01T05:00:00Z'));
  const july = median(month('2025-07-01T04:00:00Z', '2025-08-01T04:00:00Z'));
  add('household kWh/month, January median', january, '300–350', january >= 300 && january <= 350, 0);
  add('household kWh/month, July median', july, 'above January', july > january, 0);

  // Five-minute texture: a fortnight in March.
  const fine = series(fleet, { start: '2026-03-02T05:00:00Z', days: 14, services: elec });
  const lag1: number[] = [];
  const lag1Residual: number[] = [];
  let high = 0;
  let highInRuns = 0;
  let atLimit = 0;
  let rows = 0;
  const profiles: number[][] = [];
  for (const list of fine.values()) {
    const q = list.map((r) => r.quantity);
    rows += q.length;
    lag1.push(autocorrelation(q));
    // Less each interval-of-day's own mean: what the daily routine does not explain.
    const slots = 288;
    const means = new Array<number>(slots).fill(0);
    const counts = new Array<number>(slots).fill(0);
    list.forEach((r, i) => {
      const s = Math.floor((r.interval_start_ms % DAY_MS) / 300_000);
      means[s]! += q[i]!;
      counts[s]!++;
    });
    lag1Residual.push(
      autocorrelation(
        list.map(
          (r, i) =>
            q[i]! -
            means[Math.floor((r.interval_start_ms % DAY_MS) / 300_000)]! /
              counts[Math.floor((r.interval_start_ms % DAY_MS) / 300_000)]!,
        ),
      ),
    );
    const med = median(q);
    for (let i = 0; i < q.length; i++) {
      if (q[i]! > 3 * med && med > 0) {
        high++;
        if ((i > 0 && q[i - 1]! > 3 * med) || (i + 1 < q.length && q[i + 1]! > 3 * med)) highInRuns++;
      }
      if (q[i]! >= 20 / 12 - 1e-9) atLimit++;
    }
    const hourly = new Array<number>(24).fill(0);
    list.forEach((r, i) => {
      hourly[local(r.interval_start_ms).hour]! += q[i]!;
    });
    profiles.push(hourly);
  }
  const l1 = median(lag1);
  add('lag-1 autocorrelation of 5-min readings, median', l1, '0.6–0.9', l1 >= 0.6 && l1 <= 0.9);
  add('  the same less each time of day’s mean', median(lag1Residual), '(reported)', true);
  const runs = highInRuns / Math.max(1, high);
  add('share of readings > 3× median in runs of 2+', runs, '> 0.5', runs > 0.5);
  add('readings at the 20 kW service limit', atLimit / rows, '≈ 0 (< 0.0001)', atLimit / rows < 1e-4, 6);
  const fleetProfile = new Array<number>(24).fill(0);
  for (const p of profiles) for (let h = 0; h < 24; h++) fleetProfile[h]! += p[h]!;
  const corr = median(profiles.map((p) => pearson(p, fleetProfile)));
  add('household profile vs fleet profile, median correlation', corr, '< 0.85', corr < 0.85);
  const peaks = profiles.map((p) => p.indexOf(Math.max(...p)));
  const outside = peaks.filter((h) => h < 17 || h > 21).length / peaks.length;
  add('households peaking outside 17:00–21:59', outside, '≥ 0.2 (spread over the day)', outside >= 0.2);
  const distinct = new Set(peaks).size;
  add('distinct peak hours', distinct, '≥ 10', distinct >= 10, 0);

  // Weather: summer days against cooling degree days.
  const weather = new Weather(seed);
  const summer = series(fleet, {
    start: '2025-06-01T04:00:00Z',
    end: '2025-09-01T04:00:00Z',
    intervalMinutes: 60,
    services: elec.slice(0, Math.min(n, 150)),
  });
  const byDay = new Map<number, number>();
  for (const list of summer.values())
    for (const r of list) {
      const d = Math.floor((r.interval_start_ms - 4 * HOUR_MS) / DAY_MS);
      byDay.set(d, (byDay.get(d) ?? 0) + r.quantity);
    }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const cdd = days.map((d) => weather.degreeDays(d).cooling);
  const r = pearson(
    days.map((d) => byDay.get(d)!),
    cdd,
  );
  add('summer daily electricity vs cooling degree days, r', r, '> 0.6', r > 0.6);

  // Holidays in business load: New Year's Day and Thanksgiving against the same weekday a week later.
  const biz = pick(
    fleet,
    Math.max(20, Math.round(n / 5)),
    (s) => s.type === 'electricity' && s.premise.kind === 'business',
  );
  const dayTotal = (start: string) => {
    let sum = 0;
    for (const list of series(fleet, { start, days: 1, intervalMinutes: 60, services: biz }).values())
      sum += total(list);
    return sum;
  };
  const nyd = dayTotal('2026-01-01T05:00:00Z') / dayTotal('2026-01-08T05:00:00Z');
  const tg = dayTotal('2025-11-27T05:00:00Z') / dayTotal('2025-12-04T05:00:00Z');
  add('business load, New Year’s Day / the Thursday after', nyd, '< 0.8', nyd < 0.8);
  add('business load, Thanksgiving / the Thursday after', tg, '< 0.8', tg < 0.8);

  // Gas: cooking-only households (a year's average month) and heating households (November–March).
  const cooking = pick(fleet, Math.min(n, 150), household('gas', 'cooking'));
  const cookingMonth = median(
    [
      ...series(fleet, {
        start: '2025-01-01T05:00:00Z',
        end: '2026-01-01T05:00:00Z',
        intervalMinutes: 60,
        services: cooking,
      }).values(),
    ].map((l) => total(l) / 12),
  );
  add(
    'cooking-only gas therms/month, median',
    cookingMonth,
    '10–20',
    cookingMonth >= 10 && cookingMonth <= 20,
    1,
  );
  const heating = pick(fleet, Math.min(n, 150), household('gas', 'heating'));
  const winter = series(fleet, {
    start: '2025-11-01T04:00:00Z',
    end: '2026-04-01T04:00:00Z',
    intervalMinutes: 60,
    services: heating,
  });
  const heatMonth = median([...winter.values()].map((l) => total(l) / 5));
  // Utilities compare heating use across winters weather-normalised: scaled by normal over actual
  // heating degree days. The anchor is a normal winter's; a seed's winter may be mild or harsh.
  let normalHdd = 0;
  let actualHdd = 0;
  for (let d = Date.UTC(2025, 10, 1) / DAY_MS; d < Date.UTC(2026, 3, 1) / DAY_MS; d++) {
    const doy = Math.floor((d * DAY_MS - Date.UTC(new Date(d * DAY_MS).getUTCFullYear(), 0, 1)) / DAY_MS);
    normalHdd += Math.max(0, 18.3 - Weather.normal(doy));
    actualHdd += Math.max(0, 18.3 - weather.dailyMean(d));
  }
  const normalised = heatMonth * (normalHdd / actualHdd);
  add('heating gas therms/month Nov–Mar, median', heatMonth, '(reported; this winter’s weather)', true, 1);
  add(
    '  weather-normalised (× normal / actual HDD)',
    normalised,
    '162–171 (±5%)',
    normalised >= 162 * 0.95 && normalised <= 171 * 1.05,
    1,
  );
  const janDays = new Map<number, number>();
  for (const list of winter.values())
    for (const x of list) {
      const d = Math.floor((x.interval_start_ms - 5 * HOUR_MS) / DAY_MS);
      if (local(x.interval_start_ms).month === 1) janDays.set(d, (janDays.get(d) ?? 0) + x.quantity);
    }
  const jd = [...janDays.values()];
  const mean = jd.reduce((a, b) => a + b, 0) / jd.length;
  const cv = Math.sqrt(jd.reduce((a, b) => a + (b - mean) ** 2, 0) / jd.length) / mean;
  add('January heating gas, day-to-day variation (CV)', cv, '> 0.1 (weather)', cv > 0.1);

  // Water.
  const water = pick(fleet, n, household('water'));
  const w = series(fleet, { start: '2025-05-05T04:00:00Z', days: 14, services: water });
  const perDay = median([...w.values()].map((l) => total(l) / 14));
  const wrows = [...w.values()].flat();
  const zeros = wrows.filter((x) => x.quantity === 0).length / wrows.length;
  add('water gallons/day, median', perDay, '150–175 (±5%)', perDay >= 150 * 0.95 && perDay <= 175 * 1.05, 1);
  add('water 5-min intervals that are zero', zeros, '> 0.5', zeros > 0.5);
  return figures;
}

function autocorrelation(q: readonly number[]): number {
  const m = q.reduce((a, b) => a + b, 0) / q.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < q.length; i++) {
    den += (q[i]! - m) ** 2;
    if (i > 0) num += (q[i]! - m) * (q[i - 1]! - m);
  }
  return den === 0 ? 0 : num / den;
}

export function formatFigures(figures: readonly Figure[]): string {
  const width = Math.max(...figures.map((f) => f.name.length));
  return figures
    .map(
      (f) =>
        `${f.ok ? 'ok ' : 'OFF'} ${f.name.padEnd(width)}  ${f.value.toFixed(f.digits ?? 2).padStart(8)}   (anchor ${f.anchor})`,
    )
    .join('\n');
}
