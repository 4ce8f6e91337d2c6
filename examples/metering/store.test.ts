import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyGroupOf } from '@eventide/core';
import { createFleet, type MeterReading, premiseKey, readings, registrationOf } from '@eventide/generator';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../scripts/postgres-server';
import { FLAT_TARIFF } from '../domain/rollups';
import { MeteringStore } from '../domain/store';
import { registryOf } from '../domain/usage';
import { readAlerts } from './outputs';
import { KEY_GROUPS, runMeteringParallel } from './parallel';

// The query API over the job's database, on SQLite and PostgreSQL, against brute force: a run
// without delivery faults (no revisions, duplicates or late rows), on two workers so the hourly
// totals of a ZIP add up several key groups' parts.

const OPTIONS = { services: 200, days: 2, seed: 21, start: '2026-03-07T05:00:00Z', faults: false } as const;
const fleet = createFleet({ seed: OPTIONS.seed, services: OPTIONS.services });
const rows: MeterReading[] = [
  ...readings(fleet, { start: OPTIONS.start, days: OPTIONS.days, anomalies: true }),
];
const zipOf = new Map([...registryOf(fleet)].map(([id, r]) => [id, r.ServiceZipcode]));
const nyDate = (ms: number) => DateTime.fromMillis(ms, { zone: 'America/New_York' }).toISODate()!;

describe.each(['sqlite', 'postgres'] as const)('MeteringStore on %s', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), `metering-store-${dialect}-`));
  let store: MeteringStore;
  beforeAll(async () => {
    const db =
      dialect === 'sqlite'
        ? join(dir, 'metering.db')
        : createDatabase(inject('postgresUrl'), `store_${process.pid}`);
    await runMeteringParallel(OPTIONS, 2, { dir, format: 'csv', db });
    store = await MeteringStore.open(db);
  }, 120_000);
  afterAll(() => store?.close());

  it("a service's daily use and cost between two dates is the sum of its readings per New York day", async () => {
    const service = fleet.services[7]!.serviceId;
    const expected = new Map<string, number>();
    for (const r of rows) {
      if (r.service_uid !== service) continue;
      const d = nyDate(r.interval_start_ms);
      expected.set(d, (expected.get(d) ?? 0) + r.quantity);
    }
    const got = await store.dailyUse(service, '2026-03-07', '2026-03-08');
    expect(got.map((d) => d.date)).toEqual(['2026-03-07', '2026-03-08']);
    for (const d of got) {
      expect(d.quantity).toBeCloseTo(expected.get(d.date)!, 3);
      expect(d.cost_usd).toBeCloseTo(d.quantity * FLAT_TARIFF[d.commodity as keyof typeof FLAT_TARIFF], 1);
    }
    expect(got.find((d) => d.date === '2026-03-08')!.hours).toBe(23); // the spring DST change
    expect(await store.dailyUse(service, '2026-03-08', '2026-03-08')).toEqual(got.slice(1));
    expect(await store.dailyUse('no-such-service', '2026-03-01', '2026-03-31')).toEqual([]);
  });

  it("a ZIP's hourly use adds up every key group's part", async () => {
    // a ZIP with electricity services in two key groups or more (premises hash to key groups)
    const shares = new Map<string, Set<number>>();
    for (const sv of fleet.services) {
      if (sv.type !== 'electricity') continue;
      const z = zipOf.get(sv.serviceId)!;
      shares.set(z, (shares.get(z) ?? new Set()).add(keyGroupOf(premiseKey(registrationOf(sv)), KEY_GROUPS)));
    }
    const zip = [...shares].find(([, s]) => s.size >= 2)![0];
    const from = '2026-03-07T12:00:00.000Z';
    const to = '2026-03-07T18:00:00.000Z';
    const expected = new Map<string, { quantity: number; readings: number }>();
    for (const r of rows) {
      if (zipOf.get(r.service_uid) !== zip || r.commodity !== 'electricity') continue;
      const hour = new Date(Math.floor(r.interval_start_ms / 3_600_000) * 3_600_000).toISOString();
      if (hour < from || hour >= to) continue;
      const e = expected.get(hour) ?? { quantity: 0, readings: 0 };
      expected.set(hour, { quantity: e.quantity + r.quantity, readings: e.readings + 1 });
    }
    const got = await store.zipHourly(zip, from, to, 'electricity');
    expect(got.map((h) => h.hour_start)).toEqual([...expected.keys()].sort());
    for (const h of got) {
      expect(h.quantity).toBeCloseTo(expected.get(h.hour_start)!.quantity, 3);
      expect(h.readings).toBe(expected.get(h.hour_start)!.readings);
    }
    // the main thread wrote the totals: one row per hour, not a part per group
    const [parts] = await store.db.query<{ n: number }>(
      'SELECT count(DISTINCT part) AS n FROM hourly_by_zip WHERE area = ?',
      [zip],
    );
    expect(Number(parts!.n)).toBe(1);
  });

  it('alerts by type and time are the alerts file filtered', async () => {
    const all = readAlerts(dir, 'csv');
    expect(all.length).toBeGreaterThan(0);
    const from = '2026-03-07T12:00:00.000Z';
    const to = '2026-03-08T12:00:00.000Z';
    for (const type of ['stuck', 'stopped-reporting', 'leak', 'spike']) {
      const expected = all
        .filter((a) => a.type === type && a.at >= from && a.at < to)
        .map((a) => `${a.at}|${a.service_uid}|${a.detail}`)
        .sort();
      const got = (await store.alerts({ type, from, to })).map((a) => `${a.at}|${a.service_uid}|${a.detail}`);
      expect(got.slice().sort(), type).toEqual(expected);
    }
    expect(await store.alerts()).toHaveLength(all.length);
    const one = all[0]!;
    expect(
      (await store.alerts({ serviceUid: one.service_uid })).every((a) => a.service_uid === one.service_uid),
    ).toBe(true);
  });
});
