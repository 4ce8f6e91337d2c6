import { describe, expect, it } from 'vitest';
import { runSpikeAlerts } from './run';

describe('spike-alerts', () => {
  it('raises alerts inside injected spikes and catches nearly all of them', async () => {
    const { alerts, labels } = await runSpikeAlerts(300, 2);
    expect(labels.length).toBeGreaterThan(5);
    const inside = alerts.filter((a) =>
      labels.some((l) => l.service_uid === a.service_uid && l.start_ms <= a.at_ms && a.at_ms <= l.end_ms),
    );
    expect(inside.length / alerts.length).toBeGreaterThanOrEqual(0.9);
    const caught = labels.filter((l) =>
      alerts.some((a) => a.service_uid === l.service_uid && l.start_ms <= a.at_ms && a.at_ms <= l.end_ms),
    );
    expect(caught.length / labels.length).toBeGreaterThanOrEqual(0.8);
    for (const a of alerts) expect(a.detail).toMatch(/warnings averaging ([\d.]+) then ([\d.]+)/);
  });
});
