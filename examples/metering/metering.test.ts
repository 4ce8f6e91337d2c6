import { createFleet, type MeterReading, readings } from '@eventide/generator';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../domain/alert';
import type { DailyUse, HourlyTotal } from '../domain/rollups';
import { FLAT_TARIFF } from '../domain/rollups';
import type { Usage } from '../domain/usage';
import { runMetering } from './pipeline';

const START = '2026-03-07T05:00:00Z'; // crosses the spring DST change (2026-03-08 has 23 hours)

/** Daily use by brute force from the rows: the latest `updated` per interval, summed per NY date. */
function referenceDaily(rows: Iterable<MeterReading>): Map<string, number> {
  const latest = new Map<string, MeterReading>();
  for (const r of rows) {
    const k = `${r.service_uid}|${r.interval_start_ms}`;
    const prev = latest.get(k);
    if (prev === undefined || r.updated > prev.updated) latest.set(k, r);
  }
  const daily = new Map<string, number>();
  for (const r of latest.values()) {
    const date = DateTime.fromMillis(r.interval_start_ms, { zone: 'America/New_York' }).toISODate();
    const k = `${r.service_uid}|${date}`;
    daily.set(k, (daily.get(k) ?? 0) + r.quantity);
  }
  return daily;
}

describe('metering job', () => {
  it('without faults: daily use per service and New York day equals a brute-force sum, priced by the flat tariff', async () => {
    const daily: DailyUse[] = [];
    const boroughs: HourlyTotal[] = [];
    const result = await runMetering(
      { services: 40, days: 2, seed: 3, start: START, anomalies: false, faults: false },
      { dailyUse: (d) => daily.push(d), hourlyBorough: (h) => boroughs.push(h) },
    );
    const expected = referenceDaily(
      readings(createFleet({ seed: 3, services: 40 }), { start: START, days: 2 }),
    );
    expect(daily).toHaveLength(expected.size);
    for (const d of daily) {
      expect(d.quantity).toBeCloseTo(expected.get(`${d.service_uid}|${d.date}`)!, 3);
      expect(d.cost_usd).toBeCloseTo(d.quantity * FLAT_TARIFF[d.commodity], 1);
      expect(d.hours).toBe(d.date === '2026-03-08' ? 23 : 24);
    }
    expect(result).toMatchObject({ invalid: 0, late: 0, lateForDay: 0, duplicates: 0, corrections: 0 });
    // Every reading lands in exactly one borough hour.
    expect(boroughs.reduce((a, h) => a + h.readings, 0)).toBe(result.records);
  });

  it('with faults: every reading is accounted for, and the same seed gives the same outputs', async () => {
    const run = async () => {
      const alerts: Alert[] = [];
      const daily: DailyUse[] = [];
      const zips: HourlyTotal[] = [];
      const invalid: string[] = [];
      const late: Usage[] = [];
      const result = await runMetering(
        { services: 120, days: 2, seed: 9, start: START },
        {
          alert: (a) => alerts.push(a),
          dailyUse: (d) => daily.push(d),
          hourlyZip: (h) => zips.push(h),
          invalid: (r) => invalid.push(r.reason),
          late: (u) => late.push(u),
        },
      );
      return { result: { ...result, seconds: 0 }, alerts, daily, zips, invalid, late };
    };
    const a = await run();
    const { result } = a;
    const rows = [
      ...readings(createFleet({ seed: 9, services: 120 }), {
        start: START,
        days: 2,
        anomalies: true,
        faults: true,
      }),
    ];
    expect(result.records).toBe(rows.length);
    expect(result.invalid).toBeGreaterThan(0);
    expect(a.invalid.every((reason) => reason.length > 0)).toBe(true);
    // Every valid, non-duplicate reading is in exactly one hourly window or in the late output
    // (late corrections are counted there too, but are not readings of their own).
    const zipReadings = new Map<string, number>();
    for (const z of a.zips) zipReadings.set(`${z.area}|${z.commodity}|${z.hour_start}`, z.readings); // the last firing counts
    const windowed = [...zipReadings.values()].reduce((x, y) => x + y, 0);
    const lateReadings = a.late.filter((u) => !u.correction).length;
    expect(result.late).toBe(a.late.length);
    expect(windowed + lateReadings).toBe(
      result.records - result.invalid - result.duplicates - result.corrections,
    );
    expect(await run()).toEqual(a);
  });
});
