import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleet, readings } from '@eventide/generator';
import { writeRun } from '@eventide/generator/node';
import { describe, expect, it } from 'vitest';
import { MeteringStore } from '../domain/store';
import { registryOf } from '../domain/usage';
import { billsOf, csvFileSource, dailyUseFromCsv, dailyUseFromStream, writeBills } from './billing';

describe('batch-billing', () => {
  it('daily use from the CSV file equals the streaming result on the same seed', async () => {
    const fleet = createFleet({ seed: 8, services: 60 });
    const run = readings(fleet, { start: '2026-03-07T05:00:00Z', days: 3, anomalies: true, faults: true });
    const dir = mkdtempSync(join(tmpdir(), 'billing-'));
    await writeRun(run, { dir, format: 'csv' });
    const registry = registryOf(fleet);
    const key = (d: { service_uid: string; date: string }) => `${d.service_uid}|${d.date}`;
    const sort = <T extends { service_uid: string; date: string }>(xs: T[]) =>
      xs.sort((a, b) => key(a).localeCompare(key(b)));
    const batch = await dailyUseFromCsv(join(dir, 'readings.csv'), registry, run.resolved.intervalMs);
    const stream = await dailyUseFromStream(run.source(), registry, run.resolved.intervalMs);
    expect(batch.length).toBeGreaterThan(60 * 3);
    expect(sort(batch)).toEqual(sort(stream));
    // The run crosses the spring DST change: 2026-03-08 is a 23-hour New York day.
    expect(new Set(batch.filter((d) => d.date === '2026-03-08').map((d) => d.hours))).toEqual(new Set([23]));
  });

  it("writes each service's bill to the database once: its readings added up over the period", async () => {
    const fleet = createFleet({ seed: 5, services: 30 });
    const run = readings(fleet, { start: '2026-01-05T05:00:00Z', days: 3, anomalies: false, faults: false });
    const daily = await dailyUseFromStream(run.source(), registryOf(fleet), run.resolved.intervalMs);
    const db = join(mkdtempSync(join(tmpdir(), 'billing-db-')), 'metering.db');
    await writeBills(db, billsOf(daily));
    await writeBills(db, billsOf(daily)); // a second run replaces, never adds
    const store = await MeteringStore.open(db);
    try {
      for (const service of fleet.services.slice(0, 10)) {
        const sum = [...run]
          .filter((r) => r.service_uid === service.serviceId)
          .reduce((a, r) => a + r.quantity, 0);
        const bills = await store.bills(service.serviceId);
        expect(bills).toHaveLength(1);
        expect(bills[0]).toMatchObject({ period_start: '2026-01-05', period_end: '2026-01-07', days: 3 });
        expect(bills[0]!.quantity).toBeCloseTo(sum, 3);
      }
      expect((await store.db.query('SELECT * FROM bills')).length).toBe(fleet.services.length);
    } finally {
      await store.close();
    }
  });

  it('the CSV file source reports its position and opens after it', async () => {
    const fleet = createFleet({ seed: 2, services: 5 });
    const dir = mkdtempSync(join(tmpdir(), 'billing-pos-'));
    await writeRun(readings(fleet, { start: '2026-03-07T05:00:00Z', days: 0.25 }), { dir, format: 'csv' });
    const path = join(dir, 'readings.csv');
    const all = async (position?: { records: number }) => {
      const reader = csvFileSource(path, 7).open(position);
      const rows: Record<string, string>[] = [];
      for (let b = await reader.read(); b !== null; b = await reader.read()) rows.push(...b);
      return { rows, end: reader.position!() };
    };
    const whole = await all();
    expect(whole.end).toEqual({ records: whole.rows.length });
    const reader = csvFileSource(path, 7).open();
    await reader.read();
    await reader.read();
    expect(reader.position!()).toEqual({ records: 14 });
    reader.close!();
    expect((await all({ records: 14 })).rows).toEqual(whole.rows.slice(14));
  });
});
