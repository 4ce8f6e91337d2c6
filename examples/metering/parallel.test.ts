import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRows } from './outputs';
import { runMeteringParallel } from './parallel';
import { runMetering } from './pipeline';

const sortedLines = (path: string) => readFileSync(path, 'utf8').split('\n').sort();
/** The last firing of each hourly window (one thread writes every firing, the merge only the last). */
const lastFirings = (dir: string, name: 'zip' | 'borough') => {
  const last = new Map<string, Record<string, string>>();
  for (const r of readRows(dir, name, 'csv')) last.set(`${r.area}|${r.commodity}|${r.hour_start}`, r);
  return new Map([...last].sort());
};

describe('metering job on worker threads', () => {
  it('writes the same daily use, hourly totals, alerts and counts as one thread', async () => {
    const options = { services: 90, days: 2, seed: 4, start: '2026-01-05T05:00:00Z', faults: false } as const;
    const one = mkdtempSync(join(tmpdir(), 'metering-1-'));
    const two = mkdtempSync(join(tmpdir(), 'metering-2-'));
    const a = await runMetering(options, {}, { dir: one, format: 'csv' });
    const b = await runMeteringParallel(options, 2, { dir: two, format: 'csv' });
    for (const f of ['daily-use.csv', 'alerts.csv', 'late-readings.csv', 'invalid.csv']) {
      expect(sortedLines(join(two, f)), f).toEqual(sortedLines(join(one, f)));
    }
    expect(lastFirings(two, 'zip')).toEqual(lastFirings(one, 'zip'));
    expect(lastFirings(two, 'borough')).toEqual(lastFirings(one, 'borough'));
    const counts = (r: typeof a) => ({ ...r, seconds: 0, checkpoints: undefined });
    expect(counts(b)).toEqual(counts(a));
  });
});
