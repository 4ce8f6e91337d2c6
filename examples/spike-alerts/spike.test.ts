import { createFleet, type MeterReading, readings } from '@eventide/generator';
import { describe, expect, it } from 'vitest';
import { newYork } from '../domain/usage';
import { runSpikeAlerts } from './run';

// The spike detector against a plain re-reading of its rule (domain/spike.ts), written here from
// the rule's description, over the same generated readings: every alert it should raise, and no
// other. How good the rule is against the labels is the evaluation's question (metering/evaluate.ts).

const DAY = 86_400_000;
const MIN = 60_000;

/** The rule, one service at a time, on readings in event time. */
function reference(rows: readonly MeterReading[]): string[] {
  const byService = new Map<string, MeterReading[]>();
  for (const r of rows) {
    if (r.commodity !== 'electricity') continue;
    const list = byService.get(r.service_uid) ?? [];
    list.push(r);
    byService.set(r.service_uid, list);
  }
  const alerts: string[] = [];
  for (const [service, list] of byService) {
    list.sort((a, b) => a.interval_start_ms - b.interval_start_ms);
    const level = new Array<number>(24).fill(list[0]!.quantity);
    let peak = 0;
    let peakTs = list[0]!.interval_start_ms;
    let last = Number.NaN;
    const first = list[0]!.interval_start_ms;
    const flags: { ts: number; high: boolean }[] = [];
    for (const r of list) {
      const q = r.quantity;
      const h = newYork(r.interval_start_ms).hour;
      const faded = peak * 0.5 ** ((r.interval_start_ms - peakTs) / (7 * DAY));
      if (q === 0 || q === last) {
        flags.push({ ts: r.interval_start_ms, high: false });
        continue;
      }
      const high =
        r.interval_start_ms - first >= 2 * DAY &&
        q >= 2 * level[h]! &&
        q - level[h]! >= 0.08 &&
        q > 1.6 * faded;
      flags.push({ ts: r.interval_start_ms, high });
      if (!high) {
        level[h] = level[h]! + 0.05 * (q - level[h]!);
        peak = Math.max(faded, q);
        peakTs = r.interval_start_ms;
      }
      last = q;
    }
    // Warnings: a high reading and the next one high, within 10 minutes; matching resumes after.
    const warnings: number[] = [];
    for (let i = 0; i + 1 < flags.length; i++) {
      if (flags[i]!.high && flags[i + 1]!.high && flags[i + 1]!.ts - flags[i]!.ts < 10 * MIN) {
        warnings.push(flags[i + 1]!.ts);
        i++;
      }
    }
    // Alerts: a warning and the next one within 20 minutes; matching resumes after.
    for (let i = 0; i + 1 < warnings.length; i++) {
      if (warnings[i + 1]! - warnings[i]! < 20 * MIN) {
        alerts.push(`${service}@${warnings[i + 1]}`);
        i++;
      }
    }
  }
  return alerts.sort();
}

describe('spike-alerts', () => {
  it('raises exactly the alerts its rule gives on the readings, inside injected spikes', async () => {
    const services = 300;
    const days = 7;
    const seed = 11;
    const { alerts, labels } = await runSpikeAlerts(services, days, seed);
    const rows = [
      ...readings(createFleet({ seed, services }), {
        start: '2026-01-05T05:00:00Z',
        days,
        anomalies: { rate: 1, rates: { spike: 0.05 }, types: ['spike'] },
      }),
    ];
    const expected = reference(rows);
    expect(expected.length).toBeGreaterThan(3);
    expect(alerts.map((a) => `${a.service_uid}@${a.at_ms}`).sort()).toEqual(expected);
    expect(labels.length).toBeGreaterThanOrEqual(10);
    // Some of them fall inside injected spikes.
    const inside = alerts.filter((a) =>
      labels.some((l) => l.service_uid === a.service_uid && l.start_ms <= a.at_ms && a.at_ms <= l.end_ms),
    );
    expect(inside.length).toBeGreaterThan(0);
    for (const a of alerts) expect(a.detail).toMatch(/warnings averaging ([\d.]+) then ([\d.]+)/);
  });
});
