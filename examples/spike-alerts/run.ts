import { createFleet, type Label, readings } from '@eventide/generator';
import type { Alert } from '../metering/alert';
import { usageOfRun } from '../metering/usage';
import { spikeAlerts } from './spike';

/** Spike alerts on a fleet with spikes injected (and nothing else), with the spike labels. */
export async function runSpikeAlerts(
  services = 400,
  days = 3,
  seed = 11,
): Promise<{ alerts: Alert[]; labels: Label[] }> {
  const fleet = createFleet({ seed, services });
  const run = readings(fleet, {
    start: '2026-01-05T05:00:00Z',
    days,
    anomalies: { rate: 0.05, types: ['spike'] },
  });
  // Labels are collected during the same run, not by generating the range a second time.
  const labels: Label[] = [];
  const usage = usageOfRun(run, (l) => labels.push(l));
  const alerts = await spikeAlerts(usage, run.resolved.intervalMs).collect();
  return { alerts, labels };
}
