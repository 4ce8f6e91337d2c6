import type { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createFleet } from '../../src/index';
import { generate, households, local, median, sumBy } from '../helpers/rows';

/**
 * Statistical checks of the calibrations against the figures they are meant to reproduce (the
 * figures come from the specification, not from the model): monthly and daily medians,
 * caps, the evening peak, DST days.
 */

const YEAR = { start: '2025-01-01T05:00:00Z', end: '2026-01-01T05:00:00Z', intervalMinutes: 60 };
const byMonth = (t: DateTime) => t.toFormat('yyyy-MM');

describe('nyc calibration (default)', () => {
  const { fleet, services } = households(11, 400, 'electricity');
  const { rows } = generate(fleet, { ...YEAR, services });
  const monthly = sumBy(rows, byMonth);

  it('household electricity: median of the average month within 10% of 330 kWh', () => {
    const averages = [...monthly.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0) / 12);
    expect(averages).toHaveLength(400);
    expect(Math.abs(median(averages) / 330 - 1)).toBeLessThanOrEqual(0.1);
  });

  it('summer air conditioning: July use above April use', () => {
    const month = (m: string) => median([...monthly.values()].map((x) => x.get(m) ?? 0));
    expect(month('2025-07')).toBeGreaterThan(month('2025-04') * 1.3);
  });

  it('the hourly profile peaks in the evening (New York local time)', () => {
    const perHour = new Array<number>(24).fill(0);
    for (const r of rows) perHour[local(r.interval_start_ms).hour]! += r.quantity;
    const peak = perHour.indexOf(Math.max(...perHour));
    expect(peak).toBeGreaterThanOrEqual(17);
    expect(peak).toBeLessThanOrEqual(22);
    expect(perHour[peak]! / perHour[4]!).toBeGreaterThan(2);
  });

  it('household readings never exceed 0.5 kWh per 5 minutes and are never negative', () => {
    const week = generate(fleet, { start: '2025-07-14T04:00:00Z', days: 7, services });
    expect(week.rows).toHaveLength(400 * 7 * 288);
    const kWh = week.rows.map((r) => r.interval_kWh);
    expect(kWh.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(0);
    expect(kWh.reduce((a, b) => Math.max(a, b))).toBeLessThanOrEqual(0.5);
    expect(week.rows.every((r) => Math.abs(r.interval_kW - r.interval_kWh * 12) < 0.001)).toBe(true);
  });

  it('heating gas: median November–March month within 162–171 therms (±5%)', () => {
    const gas = households(12, 200, 'gas', 'heating');
    const winter = generate(gas.fleet, {
      start: '2025-11-01T04:00:00Z',
      end: '2026-04-01T04:00:00Z',
      intervalMinutes: 60,
      services: gas.services,
    });
    const averages = [...sumBy(winter.rows, byMonth).values()].map((m) => {
      expect(m.size).toBe(5);
      return [...m.values()].reduce((a, b) => a + b, 0) / 5;
    });
    const med = median(averages);
    expect(med).toBeGreaterThanOrEqual(162 * 0.95);
    expect(med).toBeLessThanOrEqual(171 * 1.05);
    expect(winter.rows.every((r) => Math.abs(r.interval_kWh - r.quantity * 29.3071) < 0.002)).toBe(true);
  });

  it('water: median 150–175 gallons a day (±5%), bursty with mostly zero 5-minute intervals', () => {
    const water = households(13, 200, 'water');
    const { rows: w } = generate(water.fleet, {
      start: '2025-05-05T04:00:00Z',
      days: 28,
      services: water.services,
    });
    const daily = [...sumBy(w, (t) => t.toISODate() ?? '').values()].map(
      (m) => [...m.values()].reduce((a, b) => a + b, 0) / m.size,
    );
    const med = median(daily);
    expect(med).toBeGreaterThanOrEqual(150 * 0.95);
    expect(med).toBeLessThanOrEqual(175 * 1.05);
    expect(w.filter((r) => r.quantity === 0).length / w.length).toBeGreaterThan(0.5);
    expect(w.every((r) => r.interval_kWh === 0 && r.unit === 'gal' && r.commodity === 'water')).toBe(true);
  });

  it('New York days have 23 hours in spring and 25 in autumn (DST)', () => {
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
