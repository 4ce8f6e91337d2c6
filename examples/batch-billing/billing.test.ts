import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleet, readings } from '@eventide/generator';
import { writeRun } from '@eventide/generator/node';
import { describe, expect, it } from 'vitest';
import { checkReadingsFile, csvFileSource, InputFileError } from '../domain/input';
import { MeteringStore } from '../domain/store';
import { registryOf } from '../domain/usage';
import { billingInputFromCsv, billsOf, dailyUseFromCsv, dailyUseFromStream, writeBills } from './billing';

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
    const all = async (position?: { records: number; problems: number }) => {
      const reader = csvFileSource(path, 7).open(position);
      const rows: unknown[] = [];
      for (let b = await reader.read(); b !== null; b = await reader.read()) rows.push(...b);
      return { rows, end: reader.position!() };
    };
    const whole = await all();
    expect(whole.end).toEqual({ records: whole.rows.length, problems: 0 });
    const reader = csvFileSource(path, 7).open();
    await reader.read();
    await reader.read();
    expect(reader.position!()).toEqual({ records: 14, problems: 0 });
    reader.close!();
    expect((await all({ records: 14, problems: 0 })).rows).toEqual(whole.rows.slice(14));
  });
});

describe('batch-billing on a bad file: nothing lost, nothing silent', () => {
  const setup = async () => {
    const fleet = createFleet({ seed: 3, services: 20 });
    const run = readings(fleet, { start: '2026-01-05T05:00:00Z', days: 1, anomalies: false, faults: false });
    const dir = mkdtempSync(join(tmpdir(), 'billing-bad-'));
    await writeRun(run, { dir, format: 'csv' });
    const path = join(dir, 'readings.csv');
    return { fleet, run, dir, path, lines: readFileSync(path, 'utf8').trimEnd().split('\n') };
  };

  it('a truncated last line, a short row and a non-numeric value are refused with reasons; the rest is billed', async () => {
    const { fleet, run, path, lines } = await setup();
    const [header, ...rows] = lines;
    // quantity is the last column; other fields may hold quoted commas, so rows are not split
    expect(header!.endsWith(',quantity')).toBe(true);
    const broken = [
      header,
      ...rows.slice(0, 5),
      rows[5]!.replace(/,[^,]*$/, ',lots'), // a non-numeric quantity
      'a,b,c', // too few columns
      ...rows.slice(7),
      `"${rows[0]!.slice(0, 20)}`, // a last line cut off inside a quoted field
    ].join('\n');
    writeFileSync(path, broken);
    const { daily, refused } = await billingInputFromCsv(path, registryOf(fleet), run.resolved.intervalMs);
    expect(refused.map((r) => r.reason.split(':')[0])).toEqual(
      expect.arrayContaining(['line 8', `line ${lines.length + 1}`]),
    );
    expect(refused).toHaveLength(3);
    expect(refused.some((r) => /quantity/.test(r.reason))).toBe(true);
    expect(refused.some((r) => /Quote Not Closed/.test(r.reason))).toBe(true);
    // every other reading is billed: the day's total is the file's total less the three rows
    const good = [...run].filter((_, i) => i !== 5 && i !== 6);
    const total = (xs: readonly { quantity: number }[]) => xs.reduce((a, x) => a + x.quantity, 0);
    expect(total(daily)).toBeCloseTo(total(good), 2);
  });

  it('a missing column or an empty file stops before anything runs, with one line naming it', async () => {
    const { path, lines } = await setup();
    const cols = lines[0]!.split(',');
    writeFileSync(path, [cols.filter((c) => c !== 'quantity').join(','), ...lines.slice(1)].join('\n'));
    expect(() => checkReadingsFile(path, 'readings.csv')).toThrow(InputFileError);
    expect(() => checkReadingsFile(path, 'readings.csv')).toThrow(
      /^readings\.csv: no column "quantity" in its header/,
    );
    writeFileSync(path, '');
    expect(() => checkReadingsFile(path, 'readings.csv')).toThrow(/^readings\.csv is empty/);
    expect(() => checkReadingsFile(join(tmpdir(), 'no-such-file.csv'), 'x.csv')).toThrow(
      /^x\.csv: cannot be read \(ENOENT\)/,
    );
  });
});
