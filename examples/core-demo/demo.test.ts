import { describe, expect, it } from 'vitest';
import { type Reading, readingSource, runDemo } from './demo';

function drain(o: Parameters<typeof readingSource>[0]): Reading[] {
  const reader = readingSource(o).open();
  const all: Reading[] = [];
  for (let b = reader.read() as Reading[] | null; b !== null; b = reader.read() as Reading[] | null)
    all.push(...b);
  return all;
}

describe('core demo (main job)', () => {
  it('accounts for every reading: hourly totals + late + invalid = input', async () => {
    const o = { meters: 30, hours: 6, seed: 7, lateRate: 0.02 };
    const result = await runDemo(o);
    const input = drain(o);
    const valid = input.filter((r) => Number.isFinite(r.ts));
    expect(result.records).toBe(input.length);
    expect(result.invalid).toBe(input.length - valid.length);
    const windowedKWh = result.hourly.reduce((a, h) => a + h.kWh, 0);
    const validKWh = valid.reduce((a, r) => a + r.kWh, 0);
    expect(windowedKWh + result.lateKWh).toBeCloseTo(validKWh, 2);
    expect(result.late).toBeGreaterThan(0);
    expect(await runDemo(o)).toEqual(result);
  });
});
