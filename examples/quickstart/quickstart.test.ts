import { createFleet, readings } from '@eventide/generator';
import { describe, expect, it } from 'vitest';
import { hourlyTotals } from './quickstart';

describe('quickstart', () => {
  it('sums every electricity reading into its UTC hour', async () => {
    const totals = await hourlyTotals(30, 0.5);
    const expected = new Map<string, number>();
    for (const r of readings(createFleet({ seed: 7, services: 30 }), {
      start: '2026-01-05T05:00:00Z',
      days: 0.5,
    })) {
      if (r.commodity !== 'electricity') continue;
      const hour = new Date(Math.floor(r.interval_start_ms / 3_600_000) * 3_600_000).toISOString();
      expected.set(hour, (expected.get(hour) ?? 0) + r.interval_kWh);
    }
    expect(totals.map((t) => t.hour)).toEqual([...expected.keys()]);
    for (const t of totals) expect(t.kWh).toBeCloseTo(expected.get(t.hour)!, 3);
  });
});
