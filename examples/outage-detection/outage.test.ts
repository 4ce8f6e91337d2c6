import { describe, expect, it } from 'vitest';
import { SILENCE_MS } from '../domain/outage';
import { runOutageDetection } from './run';

const HOUR_MS = 3_600_000;

describe('outage-detection', () => {
  it('alerts exactly once per outage, 15 minutes after the last reading before it', async () => {
    const { alerts, labels } = await runOutageDetection(200, 2);
    const start = Date.parse('2026-01-05T05:00:00Z');
    const end = start + 2 * 24 * HOUR_MS;
    // Outages last 20 minutes to 10 hours, longer than the 15 minutes of silence: each one that
    // starts after the first reading and whose silence ends inside the range must raise one alert
    // at (outage start − 5 min) + 15 min. Outages of one premise silence all its meters.
    expect(SILENCE_MS).toBe(15 * 60_000);
    const expected = labels
      .filter((l) => l.start_ms > start && l.start_ms - 300_000 + SILENCE_MS < end)
      .map((l) => `${l.service_uid}@${new Date(l.start_ms - 300_000 + SILENCE_MS).toISOString()}`)
      .sort();
    expect(expected.length).toBeGreaterThan(10);
    expect(alerts.map((a) => `${a.service_uid}@${a.at}`).sort()).toEqual(expected);
  });
});
