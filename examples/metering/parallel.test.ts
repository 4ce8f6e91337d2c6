import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMeteringParallel } from './parallel';
import { runMetering } from './pipeline';

const sortedLines = (path: string) => readFileSync(path, 'utf8').split('\n').sort();
const FILES = [
  'hourly-by-zip.csv',
  'hourly-by-borough.csv',
  'daily-use.csv',
  'alerts.csv',
  'late-readings.csv',
  'invalid.csv',
];

describe('metering job on worker threads (connectParallel, key groups of premises)', () => {
  it('writes the same files and counts with 1, 2 and 4 workers, for several seeds', async () => {
    for (const seed of [4, 17]) {
      const options = { services: 90, days: 2, seed, start: '2026-01-05T05:00:00Z' } as const;
      const runs: { dir: string; result: Awaited<ReturnType<typeof runMeteringParallel>> }[] = [];
      for (const workers of [1, 2, 4]) {
        const dir = mkdtempSync(join(tmpdir(), `metering-${workers}-`));
        runs.push({ dir, result: await runMeteringParallel(options, workers, { dir, format: 'csv' }) });
      }
      const [one, ...others] = runs;
      for (const other of others) {
        for (const f of FILES)
          expect(sortedLines(join(other.dir, f)), `${f}, seed ${seed}`).toEqual(
            sortedLines(join(one!.dir, f)),
          );
        const counts = (r: (typeof runs)[number]['result']) => ({ ...r, seconds: 0, checkpoints: undefined });
        expect(counts(other.result)).toEqual(counts(one!.result));
      }
      expect(one!.result.records).toBeGreaterThan(40_000);
    }
  }, 240_000);

  it('daily use and alerts are what one thread computes (a service’s days do not depend on its key group; theft compares peers over all groups)', async () => {
    const options = {
      services: 200,
      days: 7,
      seed: 4,
      start: '2026-01-05T05:00:00Z',
      faults: false,
    } as const;
    const one = mkdtempSync(join(tmpdir(), 'metering-thread-'));
    const two = mkdtempSync(join(tmpdir(), 'metering-groups-'));
    const a = await runMetering(options, {}, { dir: one, format: 'csv' });
    const b = await runMeteringParallel(options, 2, { dir: two, format: 'csv' });
    expect(sortedLines(join(two, 'daily-use.csv'))).toEqual(sortedLines(join(one, 'daily-use.csv')));
    // theft's peers are judged over every key group in the main thread: the same alerts
    expect(sortedLines(join(two, 'alerts.csv'))).toEqual(sortedLines(join(one, 'alerts.csv')));
    expect(readFileSync(join(two, 'alerts.csv'), 'utf8')).toMatch(/\ntheft,/);
    expect(b.records).toBe(a.records);
    expect(b.invalid).toBe(a.invalid);
  }, 120_000);
});
