import { describe, expect, it } from 'vitest';
import {
  ANOMALY_TYPES,
  createFleet,
  DEFAULT_FAULTS,
  type Label,
  type MeterReading,
  ReadingSchema,
  readings,
} from '../../src/index';
import { generate } from '../helpers/rows';

/**
 * Ground truth: the same fleet and range generated clean and with imperfections; every difference
 * must be explained by a label, and every label must show in the rows the way its type says.
 */

const fleet = createFleet({ seed: 99, services: 200 });
const range = { start: '2026-01-12T05:00:00Z', days: 3 };
const clean = generate(fleet, range);
const idOf = (r: { service_uid?: string; utility_meter_number: string }, byMeter: Map<string, string>) =>
  r.service_uid ?? byMeter.get(r.utility_meter_number) ?? '?';
const byMeter = new Map(fleet.services.map((s) => [s.meterId, s.serviceId]));
const cleanByKey = new Map(clean.rows.map((r) => [`${r.service_uid}|${r.interval_start_ms}`, r]));
const covering = (labels: readonly Label[], uid: string, ms: number) =>
  labels.filter((l) => l.service_uid === uid && l.start_ms <= ms && ms < l.end_ms);

describe('anomalies', () => {
  const { rows, labels } = generate(fleet, { ...range, anomalies: { rate: 4 } });
  const rowsOf = (l: Label) =>
    rows.filter(
      (r) =>
        r.service_uid === l.service_uid &&
        r.interval_start_ms >= l.start_ms &&
        r.interval_start_ms < l.end_ms,
    );
  // Judge each label where no other anomaly of the same service overlaps it.
  const alone = labels.filter(
    (l) =>
      !labels.some(
        (o) => o !== l && o.service_uid === l.service_uid && o.start_ms < l.end_ms && l.start_ms < o.end_ms,
      ),
  );

  it('injects every anomaly type, each labelled with type, service, start, end and parameters', () => {
    expect(new Set(labels.map((l) => l.type))).toEqual(new Set(ANOMALY_TYPES));
    for (const l of labels) {
      expect(l.kind).toBe('anomaly');
      expect(l.end_ms).toBeGreaterThan(l.start_ms);
      expect(new Date(l.start_ms).toISOString()).toBe(l.start);
    }
  });

  it('changes nothing outside labelled windows', () => {
    const seen = new Set<string>();
    const unexplained: MeterReading[] = [];
    for (const r of rows) {
      const key = `${r.service_uid}|${r.interval_start_ms}`;
      seen.add(key);
      const c = cleanByKey.get(key)!;
      if (c.quantity !== r.quantity && covering(labels, r.service_uid, r.interval_start_ms).length === 0)
        unexplained.push(r);
    }
    expect(unexplained).toEqual([]);
    const missing = clean.rows.filter((c) => !seen.has(`${c.service_uid}|${c.interval_start_ms}`));
    expect(missing.length).toBeGreaterThan(0);
    expect(
      missing.filter(
        (c) => !covering(labels, c.service_uid, c.interval_start_ms).some((l) => l.type === 'outage'),
      ),
    ).toEqual([]);
  });

  it('shows each labelled anomaly in the rows as its type says (the ranges documented in anomalies.ts)', () => {
    const checked = new Set<string>();
    const serviceOf = new Map(fleet.services.map((s) => [s.serviceId, s]));
    // The clean day's mean per interval, by service and New York date (what flatten and cap aim at).
    const dayMean = new Map<string, number>();
    const dayCount = new Map<string, number>();
    const dateOf = (ms: number) => new Date(ms - 5 * 3_600_000).toISOString().slice(0, 10);
    for (const c of clean.rows) {
      const k = `${c.service_uid}|${dateOf(c.interval_start_ms)}`;
      dayMean.set(k, (dayMean.get(k) ?? 0) + c.quantity);
      dayCount.set(k, (dayCount.get(k) ?? 0) + 1);
    }
    const meanOf = (r: MeterReading) => {
      const k = `${r.service_uid}|${dateOf(r.interval_start_ms)}`;
      return dayMean.get(k)! / dayCount.get(k)!;
    };
    const digit = { electricity: 0.001, gas: 0.0001, water: 0.01 } as const;
    for (const l of alone) {
      const inWindow = rowsOf(l);
      const svc = serviceOf.get(l.service_uid)!;
      const cleanOf = (r: MeterReading) =>
        cleanByKey.get(`${r.service_uid}|${r.interval_start_ms}`)!.quantity;
      const windowEnd = Math.min(l.end_ms, Date.parse(range.start) + range.days * 86_400_000);
      const expectedRows = (windowEnd - Math.max(l.start_ms, Date.parse(range.start))) / 300_000;
      const p = (name: string) => Number(l.parameters[name]);
      const eps = digit[svc.type] * 1.1;
      switch (l.type) {
        case 'outage':
          expect(inWindow).toHaveLength(0);
          break;
        case 'stuck': {
          const values = inWindow.map((r) => r.quantity);
          const spread = Math.max(...values) - Math.min(...values);
          if (p('flicker') === 0) expect(spread).toBe(0);
          else expect(spread).toBeLessThanOrEqual(2 * digit[svc.type] + eps);
          expect(Math.min(...values)).toBeGreaterThan(0);
          break;
        }
        case 'leak':
          // gallons a minute × 5, × growth up to its factor, × pressure 0.75–1.25, × 0.85–1.15.
          for (const r of inWindow) {
            const extra = r.quantity - cleanOf(r);
            expect(extra).toBeGreaterThanOrEqual(p('gallonsPerMinute') * 5 * 0.75 * 0.85 - eps);
            expect(extra).toBeLessThanOrEqual(p('gallonsPerMinute') * 5 * p('growth') * 1.25 * 1.15 + eps);
          }
          break;
        case 'spike': {
          // kW (× 3 at a business) over 5 minutes, wandering 0.8–1.2.
          const kWh = (p('kW') * (svc.premise.kind === 'business' ? 3 : 1) * 5) / 60;
          expect(svc.type).toBe('electricity');
          for (const r of inWindow) {
            expect(r.quantity - cleanOf(r)).toBeGreaterThanOrEqual(kWh * 0.8 - eps);
            expect(r.quantity - cleanOf(r)).toBeLessThanOrEqual(kWh * 1.2 + eps);
          }
          break;
        }
        case 'theft-constant':
          for (const r of inWindow)
            expect(Math.abs(r.quantity - cleanOf(r) * (1 - p('reduction')))).toBeLessThanOrEqual(eps);
          break;
        case 'theft-random':
          for (const r of inWindow) {
            expect(r.quantity).toBeGreaterThanOrEqual(cleanOf(r) * p('minFactor') - eps);
            expect(r.quantity).toBeLessThanOrEqual(cleanOf(r) * p('maxFactor') + eps);
          }
          break;
        case 'theft-bypass': {
          const period = p('periodHours') * 3_600_000;
          for (const r of inWindow) {
            const off = Math.floor((r.interval_start_ms - l.start_ms) / period) % 2 === 1;
            expect(Math.abs(r.quantity - cleanOf(r) * (off ? p('bypassFactor') : 1))).toBeLessThanOrEqual(
              eps,
            );
          }
          break;
        }
        case 'theft-flatten':
          // The day's mean × its level, within ±15% (plus the rounding of 288 clean rows).
          for (const r of inWindow) {
            const target = meanOf(r) * p('levelOfMean');
            expect(r.quantity).toBeGreaterThanOrEqual(target * 0.85 - 2 * eps);
            expect(r.quantity).toBeLessThanOrEqual(target * 1.15 + 2 * eps);
          }
          break;
        case 'theft-peak-cap': {
          // Nothing above the cap (its level × the day's mean, +5%), nothing above the clean reading.
          for (const r of inWindow) {
            expect(r.quantity).toBeLessThanOrEqual(cleanOf(r) + eps);
            expect(r.quantity).toBeLessThanOrEqual(meanOf(r) * p('capOfMean') * 1.05 + 2 * eps);
          }
          // Over a whole day of an occupied home, the limiter bites.
          if (inWindow.length >= 288 && Math.max(...inWindow.map(cleanOf)) > 0.05)
            expect(inWindow.some((r) => cleanOf(r) > r.quantity + eps)).toBe(true);
          break;
        }
        default:
          throw new Error(`unexpected label ${l.type}`);
      }
      if (l.type !== 'outage') expect(inWindow).toHaveLength(expectedRows);
      checked.add(l.type);
    }
    expect(checked.size).toBeGreaterThanOrEqual(ANOMALY_TYPES.length - 1);
  });

  it('an outage silences every meter of its premise together', () => {
    const premiseOf = new Map(fleet.services.map((s) => [s.serviceId, s.premise.index]));
    const outages = labels.filter((l) => l.type === 'outage');
    expect(outages.length).toBeGreaterThan(0);
    for (const l of outages) {
      const siblings = fleet.services.filter((s) => s.premise.index === premiseOf.get(l.service_uid));
      for (const s of siblings) {
        expect(
          outages.some(
            (o) => o.service_uid === s.serviceId && o.start_ms === l.start_ms && o.end_ms === l.end_ms,
          ),
        ).toBe(true);
      }
    }
  });

  it("the main job's default run (1,000 services, 7 days, seed 42) holds at least 30 labels of every type", () => {
    const run = readings(createFleet({ seed: 42, services: 1000 }), {
      start: '2026-01-05T05:00:00Z',
      days: 7,
      anomalies: true,
    });
    const counts = new Map<string, number>();
    for (const l of run.labels()) counts.set(l.type, (counts.get(l.type) ?? 0) + 1);
    for (const type of ANOMALY_TYPES) expect(counts.get(type) ?? 0, type).toBeGreaterThanOrEqual(30);
  });

  it('durations and parameters vary within their documented ranges', () => {
    const of = (type: string) => labels.filter((l) => l.type === type);
    const hours = (l: Label) => (l.end_ms - l.start_ms) / 3_600_000;
    const within = (type: string, lo: number, hi: number) => {
      const hs = of(type).map(hours);
      expect(hs.length).toBeGreaterThan(1);
      for (const h of hs) {
        expect(h).toBeGreaterThanOrEqual(lo - 1 / 12);
        expect(h).toBeLessThanOrEqual(hi + 1 / 12);
      }
      expect(new Set(hs).size).toBeGreaterThan(1);
    };
    within('spike', 10 / 60, 4);
    within('stuck', 1, 12);
    within('outage', 20 / 60, 10);
    within('leak', 24, 120);
    within('theft-constant', 48, 120);
    const flows = of('leak').map((l) => Number(l.parameters.gallonsPerMinute));
    expect(Math.min(...flows)).toBeGreaterThanOrEqual(0.03);
    expect(Math.max(...flows)).toBeLessThanOrEqual(0.5);
    expect(new Set(of('stuck').map((l) => l.parameters.flicker)).size).toBe(2);
  });
});

describe('delivery faults', () => {
  const faults = {
    ...DEFAULT_FAULTS,
    outOfOrder: 0.05,
    duplicate: 0.01,
    revision: 0.01,
    malformed: 0.01,
    lateBatch: 0.05,
    missing: 0.05,
    clockSkew: 0.05,
  };
  const { rows, labels } = generate(fleet, { ...range, faults });
  const labelsOf = (type: string) => labels.filter((l) => l.type === type);
  const endKey = (uid: string, endIso: string) => `${uid}|${endIso}`;
  const malformed = new Set(labelsOf('malformed').map((l) => endKey(l.service_uid, l.end)));
  const skew = new Map(labelsOf('clock-skew').map((l) => [l.service_uid, Number(l.parameters.skewMs)]));
  const isMalformed = (r: MeterReading) =>
    malformed.has(
      endKey(
        idOf(r, byMeter),
        new Date(Date.parse(r.interval_end) - (skew.get(idOf(r, byMeter)) ?? 0)).toISOString(),
      ),
    );

  it('labels every kind of fault', () => {
    expect(new Set(labels.map((l) => l.type))).toEqual(
      new Set([
        'out-of-order',
        'late-batch',
        'duplicate',
        'missing-backfill',
        'revision',
        'clock-skew',
        'malformed',
      ]),
    );
  });

  it('every row passes the schema unless labelled malformed, and every malformed label fails it', () => {
    const wrong = rows.filter((r) => ReadingSchema.safeParse(r).success === isMalformed(r));
    expect(wrong).toEqual([]);
    expect(rows.filter(isMalformed)).toHaveLength(malformed.size);
    expect(malformed.size).toBeGreaterThan(0);
  });

  it('no negative or NaN value without a labelled fault', () => {
    const bad = rows.filter(
      (r) =>
        !(
          Number.isFinite(r.quantity) &&
          r.quantity >= 0 &&
          Number.isFinite(r.interval_kWh) &&
          r.interval_kWh >= 0
        ),
    );
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.filter((r) => !isMalformed(r))).toEqual([]);
  });

  it('every clean reading is delivered, once per duplicate label more, revised per revision label', () => {
    const counts = new Map<string, MeterReading[]>();
    for (const r of rows) {
      if (isMalformed(r)) continue;
      const key = `${r.service_uid}|${r.interval_start_ms - (skew.get(r.service_uid) ?? 0)}`;
      const list = counts.get(key);
      if (list === undefined) counts.set(key, [r]);
      else list.push(r);
    }
    const dup = new Set(labelsOf('duplicate').map((l) => `${l.service_uid}|${l.start_ms}`));
    const rev = new Set(labelsOf('revision').map((l) => `${l.service_uid}|${l.start_ms}`));
    const wrong: string[] = [];
    for (const c of clean.rows) {
      const key = `${c.service_uid}|${c.interval_start_ms}`;
      if (malformed.has(endKey(c.service_uid, c.interval_end))) continue;
      const got = counts.get(key) ?? [];
      if (got.length !== (dup.has(key) || rev.has(key) ? 2 : 1)) wrong.push(`${key}: ${got.length} copies`);
      else if (dup.has(key) && JSON.stringify(got[1]) !== JSON.stringify(got[0]))
        wrong.push(`${key}: duplicate differs`);
      else if (rev.has(key) && !(Date.parse(got[1]!.updated) > Date.parse(got[0]!.updated)))
        wrong.push(`${key}: revision not newer`);
      else if (got[0]!.quantity !== c.quantity) wrong.push(`${key}: ${got[0]!.quantity} ≠ ${c.quantity}`);
    }
    expect(wrong).toEqual([]);
    expect(dup.size).toBeGreaterThan(0);
    expect(rev.size).toBeGreaterThan(0);
  });

  it('delivers late only what is labelled, within the labelled delays', () => {
    const late = (r: MeterReading) =>
      Date.parse(r.updated) - Date.parse(r.interval_end) + (skew.get(r.service_uid) ?? 0);
    const firstCopy = new Set<string>();
    const wrong: string[] = [];
    const delivery = ['out-of-order', 'late-batch', 'missing-backfill'];
    for (const r of rows) {
      if (isMalformed(r)) continue;
      const start = r.interval_start_ms - (skew.get(r.service_uid) ?? 0);
      const key = `${r.service_uid}|${start}`;
      const isCopy = firstCopy.has(key);
      firstCopy.add(key);
      if (isCopy || late(r) === 0) continue;
      const why = covering(labels, r.service_uid, start)
        .map((l) => l.type)
        .filter((t) => delivery.includes(t));
      if (why.length === 0) wrong.push(`${key}: late ${late(r)} ms, unlabelled`);
      if (why.length === 1 && why[0] === 'out-of-order' && late(r) > 30 * 60_000)
        wrong.push(`${key}: out of order by ${late(r)} ms`);
      if (why.includes('missing-backfill') && r.source !== 'backfill')
        wrong.push(`${key}: back-filled as ${r.source}`);
    }
    expect(wrong).toEqual([]);
  });

  it('delivers rows in order of `updated` (the delivery time; a duplicate repeats the original)', () => {
    const seen = new Set<string>();
    let last = Number.NEGATIVE_INFINITY;
    const outOfOrder: MeterReading[] = [];
    for (const r of rows) {
      const json = JSON.stringify(r);
      if (seen.has(json)) continue;
      seen.add(json);
      const t = Date.parse(r.updated);
      if (t < last) outOfOrder.push(r);
      last = Math.max(last, t);
    }
    expect(outOfOrder).toEqual([]);
  });

  it('shifts the interval times of skewed meters by their labelled skew', () => {
    expect(skew.size).toBeGreaterThan(0);
    const skewed = rows.filter((r) => skew.has(r.service_uid) && !isMalformed(r));
    expect(skewed.filter((r) => (r.interval_start_ms - skew.get(r.service_uid)!) % 300_000 !== 0)).toEqual(
      [],
    );
    expect(skewed.every((r) => r.interval_start_ms % 300_000 !== 0)).toBe(true);
  });
});
