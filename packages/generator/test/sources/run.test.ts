import { DataStream, WatermarkStrategy } from '@eventide/core';
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { createFleet, type MeterReading, ReadingGenerator, readings } from '../../src/index';

/** Laws of the sources: determinism however the rows are chunked, purity per service and time. */

const config = fc.record({
  seed: fc.integer({ min: -1000, max: 1000 }),
  services: fc.integer({ min: 1, max: 12 }),
  startStep: fc.integer({ min: 0, max: 2000 }),
  intervalMinutes: fc.constantFrom(5, 15, 60),
  steps: fc.integer({ min: 1, max: 150 }),
  anomalies: fc.constantFrom(0, 0.2),
  faults: fc.boolean(),
});
type Config = typeof config extends fc.Arbitrary<infer T> ? T : never;

function runOf(c: Config) {
  const fleet = createFleet({ seed: c.seed, services: c.services });
  const intervalMs = c.intervalMinutes * 60_000;
  const start = Date.UTC(2026, 0, 1) + c.startStep * intervalMs;
  const faults = c.faults
    ? {
        outOfOrder: 0.1,
        maxDelayMinutes: Math.max(30, c.intervalMinutes),
        duplicate: 0.05,
        revision: 0.05,
        malformed: 0.05,
        lateBatch: 0.3,
        missing: 0.3,
        clockSkew: 0.2,
      }
    : false;
  return {
    fleet,
    start,
    end: start + c.steps * intervalMs,
    cfg: { intervalMinutes: c.intervalMinutes, anomalies: { rate: c.anomalies }, faults },
  };
}

const all = (rows: Iterable<MeterReading>) => JSON.stringify([...rows]);
const sorted = (rows: readonly MeterReading[]) => rows.map((r) => JSON.stringify(r)).sort();

function rowsOf(gen: ReadingGenerator): MeterReading[] {
  const out: MeterReading[] = [];
  for (let b = gen.next(); b !== null; b = gen.next()) out.push(...b);
  return out;
}

describe('ReadingRun', () => {
  it('gives byte-identical rows however they are chunked and through every adapter', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.integer({ min: 1, max: 500 }), async (c, batchSize) => {
        const { fleet, start, end, cfg } = runOf(c);
        const run = readings(fleet, { start, end, ...cfg });
        const reference = all(run);
        const reader = run.source({ batchSize }).open();
        const chunks: MeterReading[][] = [];
        for (let b = await reader.read(); b !== null; b = await reader.read()) chunks.push([...b]);
        expect(chunks.slice(0, -1).every((b) => b.length === batchSize)).toBe(true);
        expect(JSON.stringify(chunks.flat())).toBe(reference);
        const asyncRows: MeterReading[] = [];
        for await (const r of run) asyncRows.push(r);
        expect(JSON.stringify(asyncRows)).toBe(reference);
        expect(
          JSON.stringify(
            await lastValueFrom(run.observable({ batchSize }).pipe(toArray()), { defaultValue: [] }),
          ),
        ).toBe(reference);
        // A second fleet built from the same seed gives the same bytes.
        const again = runOf(c);
        expect(all(readings(again.fleet, { start, end, ...again.cfg }))).toBe(reference);
      }),
      { numRuns: 40 },
    );
  });

  it('is pure per service and per interval: any partition of services or of time gives the same rows', () => {
    fc.assert(
      fc.property(
        config,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (c, cut, side) => {
          const { fleet, start, end, cfg } = runOf(c);
          const whole = rowsOf(new ReadingGenerator(fleet, { start, end, ...cfg }));
          const intervalMs = cfg.intervalMinutes * 60_000;
          const mid = start + Math.floor(((end - start) / intervalMs) * cut) * intervalMs;
          const parts = [
            [start, mid],
            [mid, end],
          ].filter(([a, b]) => b! > a!);
          const byTime = parts.flatMap(([a, b]) =>
            rowsOf(new ReadingGenerator(fleet, { start: a!, end: b!, ...cfg })),
          );
          expect(sorted(byTime)).toEqual(sorted(whole));
          const left = fleet.services.filter((_, i) => side[i]);
          const right = fleet.services.filter((_, i) => !side[i]);
          const byService = [left, right]
            .filter((s) => s.length > 0)
            .flatMap((services) => rowsOf(new ReadingGenerator(fleet, { start, end, ...cfg, services })));
          expect(sorted(byService)).toEqual(sorted(whole));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('feeds DataStream.from: event time from interval_start_ms', async () => {
    const fleet = createFleet({ seed: 1, services: 20 });
    const run = readings(fleet, { start: '2026-01-05T05:00:00Z', days: 1 });
    const hourly = await DataStream.from(run.source())
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<MeterReading>().withTimestampAssigner(
          (r) => r.interval_start_ms,
        ),
      )
      .map((r) => r.quantity)
      .collect();
    expect(hourly).toHaveLength(20 * 288);
    expect(hourly.reduce((a, b) => a + b, 0)).toBeCloseTo(
      [...run].reduce((a, r) => a + r.quantity, 0),
      6,
    );
  });

  it('paces batches at `speed` × the scheduler clock', () => {
    const fleet = createFleet({ seed: 1, services: 2 });
    const run = readings(fleet, { start: '2026-01-05T05:00:00Z', end: '2026-01-05T05:20:00Z' });
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ expectObservable }) => {
      // 5 simulated minutes per step at 60× is 5 s of scheduler time between batches of 2 rows.
      const times: number[] = [];
      const seen: number[] = [];
      run.observable({ pace: { speed: 60, scheduler } }).subscribe({
        next: () => {
          times.push(scheduler.now());
        },
        complete: () => seen.push(scheduler.now()),
      });
      expectObservable(run.observable({ pace: { speed: 60, scheduler } }).pipe(toArray())).toBe(
        '15000ms (a|)',
        {
          a: [...run],
        },
      );
      scheduler.flush();
      expect(times).toEqual([0, 0, 5000, 5000, 10_000, 10_000, 15_000, 15_000]);
    });
  });

  it('rejects bad options and configurations with the API name', () => {
    const fleet = createFleet({ seed: 1, services: 2 });
    expect(() => readings(fleet, { start: '2026-01-05T05:01:00Z', days: 1 })).toThrow(
      'readings: start must fall on the 5-minute grid',
    );
    expect(() => readings(fleet, { start: 'yesterday', days: 1 })).toThrow(
      'readings: start is not a valid time: yesterday',
    );
    expect(() => readings(fleet, { start: 0, days: 1, intervalMinutes: 7 })).toThrow(
      /intervalMinutes must be a whole number of minutes dividing a day/,
    );
    expect(() => readings(fleet, { start: 0 })).toThrow('readings: give exactly one of end or days');
    expect(() => readings(fleet, { start: 0, days: 1, faults: { duplicate: 2 } })).toThrow(
      'readings: faults.duplicate must be between 0 and 1, got 2',
    );
    expect(() => readings(fleet, { start: 0, days: 1, profile: 'london' as 'nyc' })).toThrow(
      "readings: profile must be 'nyc' or 'seed', got 'london'",
    );
    expect(() => readings(fleet, { start: 0, days: 1 }).source({ batchSize: 0 }).open()).toThrow(
      /batchSize must be a positive integer/,
    );
  });
});
