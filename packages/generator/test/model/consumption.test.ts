import fc from 'fast-check';
import type { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createFleet, holidaysOf, type MeterReading, Weather } from '../../src/index';
import { measure } from '../helpers/calibration';
import { generate, households, local, sumBy } from '../helpers/rows';

/**
 * Statistical checks of the calibrations against the figures they are meant to reproduce (the
 * figures come from the specification, not from the model): monthly and daily medians,
 * caps, the evening peak, DST days.
 */

const YEAR = { start: '2025-01-01T05:00:00Z', end: '2026-01-01T05:00:00Z', intervalMinutes: 60 };
const byMonth = (t: DateTime) => t.toFormat('yyyy-MM');

describe('nyc calibration (default): the bottom-up model against its anchors', () => {
  // The same measurements as `pnpm --filter @eventide/generator calibration`, on fewer households.
  const figures = measure({ households: 200, seed: 11 });

  it.each(figures.map((f) => [f.name.trim(), f] as const))('%s', (_name, f) => {
    expect(f.ok, `${f.name}: ${f.value} (anchor ${f.anchor})`).toBe(true);
  });

  it('measures every figure the issue names', () => {
    const names = figures.map((f) => f.name).join('\n');
    for (const part of [
      'January median',
      'July median',
      'lag-1 autocorrelation',
      'runs of 2+',
      'profile vs fleet profile',
      'peaking outside',
      'cooling degree days',
      'New Year',
      'Thanksgiving',
      'cooking-only gas',
      'weather-normalised',
      'water gallons/day',
    ])
      expect(names).toContain(part);
  });
});

describe('nyc: energy is the integral of load', () => {
  const fleet = createFleet({ seed: 5, premises: 120 });
  const sum = (rows: readonly MeterReading[]) => {
    const out = new Map<string, number>();
    for (const r of rows) out.set(r.service_uid, (out.get(r.service_uid) ?? 0) + r.quantity);
    return out;
  };

  it('any interval length gives a service the same energy: 5-, 15- and 60-minute readings of a week agree', () => {
    const range = { start: '2026-02-02T05:00:00Z', days: 7 };
    const five = sum(generate(fleet, { ...range, intervalMinutes: 5 }).rows);
    const quarter = sum(generate(fleet, { ...range, intervalMinutes: 15 }).rows);
    const hourly = sum(generate(fleet, { ...range, intervalMinutes: 60 }).rows);
    expect(five.size).toBe(fleet.services.length);
    for (const s of fleet.services) {
      // Each row is rounded to its unit's last digit: up to half a digit per row apart.
      const digit = s.type === 'electricity' ? 0.001 : s.type === 'gas' ? 0.0001 : 0.01;
      const rows5 = 7 * 288;
      expect(Math.abs(five.get(s.serviceId)! - hourly.get(s.serviceId)!)).toBeLessThanOrEqual(
        rows5 * digit * 0.5 + 1e-9,
      );
      expect(Math.abs(quarter.get(s.serviceId)! - hourly.get(s.serviceId)!)).toBeLessThanOrEqual(
        (rows5 / 3) * digit * 0.5 + 1e-9,
      );
    }
  });

  it('law: for any service, day and pair of interval lengths, a day of readings adds up to the same energy (property)', () => {
    const lengths = [5, 10, 15, 20, 30, 60, 120, 240, 360, 720, 1440];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: fleet.services.length - 1 }),
        fc.integer({ min: 0, max: 730 }),
        fc.constantFrom(...lengths),
        fc.constantFrom(...lengths),
        (i, day, m1, m2) => {
          const s = fleet.services[i]!;
          const start = Date.UTC(2025, 0, 1) + day * 86_400_000;
          const total = (intervalMinutes: number) =>
            generate(fleet, { start, days: 1, intervalMinutes, services: [s] }).rows.reduce(
              (a, r) => a + r.quantity,
              0,
            );
          const digit = s.type === 'electricity' ? 0.001 : s.type === 'gas' ? 0.0001 : 0.01;
          // each row is rounded to the unit's last digit: half a digit per row apart at most
          const slack = (1440 / m1 + 1440 / m2) * digit * 0.5 + 1e-9;
          return Math.abs(total(m1) - total(m2)) <= slack;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('twelve 5-minute readings add up to their hour (every service, every hour of a day)', () => {
    const range = { start: '2026-07-14T04:00:00Z', days: 1 };
    const five = generate(fleet, { ...range, intervalMinutes: 5 }).rows;
    const hourly = generate(fleet, { ...range, intervalMinutes: 60 }).rows;
    const byHour = new Map<string, number>();
    for (const r of five) {
      const k = `${r.service_uid}|${Math.floor(r.interval_start_ms / 3_600_000)}`;
      byHour.set(k, (byHour.get(k) ?? 0) + r.quantity);
    }
    const digitOf = new Map(
      fleet.services.map((s) => [
        s.serviceId,
        s.type === 'electricity' ? 0.001 : s.type === 'gas' ? 0.0001 : 0.01,
      ]),
    );
    for (const h of hourly) {
      const k = `${h.service_uid}|${Math.floor(h.interval_start_ms / 3_600_000)}`;
      expect(Math.abs(byHour.get(k)! - h.quantity)).toBeLessThanOrEqual(
        6.5 * digitOf.get(h.service_uid)! + 1e-9,
      );
    }
  });

  it('meter physics: no reading negative or above the 20 kW service limit; about 3% of homes vacant, reading near zero', () => {
    const { rows } = generate(fleet, { start: '2026-07-14T04:00:00Z', days: 2 });
    const households = new Set(
      fleet.services.filter((s) => s.premise.kind === 'household').map((s) => s.serviceId),
    );
    for (const r of rows) {
      expect(r.quantity).toBeGreaterThanOrEqual(0);
      if (households.has(r.service_uid) && r.commodity === 'electricity')
        expect(r.interval_kWh).toBeLessThanOrEqual(20 / 12 + 0.0005);
    }
    const big = createFleet({ seed: 6, premises: 3000 });
    const homes = big.services.filter((s) => s.type === 'electricity' && s.premise.kind === 'household');
    const daily = sumBy(
      generate(big, { start: '2026-04-06T04:00:00Z', days: 1, intervalMinutes: 60, services: homes }).rows,
      () => 'day',
    );
    const nearZero = [...daily.values()].filter((m) => m.get('day')! < 0.6).length / homes.length;
    // A vacant unit draws 0.3 × its standby (12–30 W: 0.3–0.7 kWh a day); 3% ± sampling.
    expect(nearZero).toBeGreaterThan(0.015);
    expect(nearZero).toBeLessThan(0.05);
  });

  it('the same service reads the same whether generated alone or with the fleet, in one run or two', () => {
    const range = { start: '2026-03-07T05:00:00Z', days: 2 };
    const all = generate(fleet, range).rows;
    const one = fleet.services[7]!;
    const alone = generate(fleet, { ...range, services: [one] }).rows;
    expect(alone).toEqual(all.filter((r) => r.service_uid === one.serviceId));
    const first = generate(fleet, { start: range.start, days: 1, services: [one] }).rows;
    const second = generate(fleet, { start: '2026-03-08T05:00:00Z', days: 1, services: [one] }).rows;
    expect([...first, ...second]).toEqual(alone);
  });

  it('hourly readings with the default faults: out-of-order delays reach up to one interval', () => {
    const { rows, labels } = generate(fleet, {
      start: '2026-02-02T05:00:00Z',
      days: 3,
      intervalMinutes: 60,
      faults: true,
    });
    expect(rows.length).toBeGreaterThan(0);
    const delays = labels.filter((l) => l.type === 'out-of-order').map((l) => Number(l.parameters.delayMs));
    expect(delays.length).toBeGreaterThan(0);
    for (const d of delays) expect(d).toBe(3_600_000);
  });

  it('DST: New York days have 23 hours in spring and 25 in autumn', () => {
    const fleet1 = createFleet({ seed: 3, services: 1 });
    for (const [start, date, hours] of [
      ['2026-03-07T05:00:00Z', '2026-03-08', 23],
      ['2026-10-31T04:00:00Z', '2026-11-01', 25],
      ['2026-06-01T04:00:00Z', '2026-06-02', 24],
    ] as const) {
      const { rows: r } = generate(fleet1, { start, days: 3 });
      const onDay = r.filter((x) => local(x.interval_start_ms).toISODate() === date);
      expect(onDay).toHaveLength(hours * 12);
    }
  });
});

describe('weather and holidays', () => {
  it('monthly means over 30 years lie within 1.5 °C of Central Park normals; summers warmest, Januaries coldest', () => {
    const w = new Weather(123);
    const NORMALS = [0.9, 2.2, 6.0, 12.1, 17.3, 22.2, 25.3, 24.5, 20.7, 14.4, 8.9, 3.9];
    const sums = new Array<number>(12).fill(0);
    const counts = new Array<number>(12).fill(0);
    for (let d = Date.UTC(1995, 0, 1) / 86_400_000; d < Date.UTC(2025, 0, 1) / 86_400_000; d++) {
      const m = new Date(d * 86_400_000).getUTCMonth();
      sums[m]! += w.dailyMean(d);
      counts[m]!++;
    }
    const means = sums.map((s, m) => s / counts[m]!);
    for (let m = 0; m < 12; m++) expect(Math.abs(means[m]! - NORMALS[m]!)).toBeLessThan(1.5);
    expect(means.indexOf(Math.max(...means))).toBe(6);
    expect(means.indexOf(Math.min(...means))).toBe(0);
  });

  it('weather persists: day-to-day anomalies correlate (heat waves and cold snaps last days)', () => {
    const w = new Weather(7);
    const anomalies: number[] = [];
    for (let d = Date.UTC(2020, 0, 1) / 86_400_000; d < Date.UTC(2024, 0, 1) / 86_400_000; d++) {
      const doy = Math.floor(
        (d * 86_400_000 - Date.UTC(new Date(d * 86_400_000).getUTCFullYear(), 0, 1)) / 86_400_000,
      );
      anomalies.push(w.dailyMean(d) - Weather.normal(doy));
    }
    let num = 0;
    let den = 0;
    for (let i = 1; i < anomalies.length; i++) {
      num += anomalies[i]! * anomalies[i - 1]!;
      den += anomalies[i]! ** 2;
    }
    expect(num / den).toBeGreaterThan(0.6);
    const sd = Math.sqrt(den / anomalies.length);
    expect(sd).toBeGreaterThan(2);
    expect(sd).toBeLessThan(5);
  });

  it('New York holidays: the major ones close offices, minor ones some; state observances change nothing', () => {
    const h2026 = holidaysOf(2026);
    expect(h2026.get('2026-01-01')).toBe('major');
    expect(h2026.get('2026-05-25')).toBe('major'); // Memorial Day, last Monday of May
    expect(h2026.get('2026-07-03')).toBe('major'); // Independence Day observed (the 4th is a Saturday)
    expect(h2026.get('2026-11-26')).toBe('major'); // Thanksgiving, fourth Thursday
    expect(h2026.get('2026-12-25')).toBe('major');
    expect(h2026.get('2026-01-19')).toBe('minor'); // Martin Luther King Jr. Day
    expect(h2026.get('2026-11-27')).toBe('minor'); // the day after Thanksgiving
    expect(h2026.get('2026-11-03')).toBeUndefined(); // Election Day
    expect(h2026.get('2026-02-12')).toBeUndefined(); // Lincoln's Birthday
  });
});

describe('seed calibration', () => {
  const { fleet, services } = households(21, 200, 'electricity');

  it('household electricity: average month within 10% of 901 kWh, no month above 1273', () => {
    const { rows } = generate(fleet, { ...YEAR, services, profile: 'seed' });
    const monthly = [...sumBy(rows, byMonth).values()];
    const averages = monthly.map((m) => [...m.values()].reduce((a, b) => a + b, 0) / 12);
    const mean = averages.reduce((a, b) => a + b, 0) / averages.length;
    expect(Math.abs(mean / 901 - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.max(...monthly.flatMap((m) => [...m.values()]))).toBeLessThanOrEqual(1273);
  });

  it('readings stay within 0–0.2 kWh per 5 minutes', () => {
    const { rows } = generate(fleet, { start: '2025-07-14T04:00:00Z', days: 7, services, profile: 'seed' });
    expect(rows.every((r) => r.interval_kWh >= 0 && r.interval_kWh <= 0.2)).toBe(true);
  });
});
