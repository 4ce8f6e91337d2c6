import { describe, expect, it } from 'vitest';
import { runOutageDetection } from './run';

const HOUR_MS = 3_600_000;

describe('outage-detection', () => {
  it('alerts exactly once per outage, an hour after the last reading before it', async () => {
    const { alerts, labels } = await runOutageDetection(200, 2);
    const start = Date.parse('2026-01-05T05:00:00Z');
    const end = start + 2 * 24 * HOUR_MS;
    // Outages last 1.5–6 hours: each one that starts after the first reading and whose hour of
    // silence ends inside the range must raise one alert at (outage start − 5 min) + 1 hour.
    const expected = labels
      .filter((l) => l.start_ms > start && l.start_ms - 300_000 + HOUR_MS < end)
      .map((l) => `${l.service_uid}@${new Date(l.start_ms - 300_000 + HOUR_MS).toISOString()}`)
      .sort();
    expect(expected.length).toBeGreaterThan(10);
    expect(alerts.map((a) => `${a.service_uid}@${a.at}`).sort()).toEqual(expected);
  });
});
