import { createFleet, type Label, readings } from '@eventide/generator';
import type { Alert } from '../domain/alert';
import { type Score, score } from '../domain/scoring';
import { spikeAlerts } from '../domain/spike';
import { usageOfRun } from '../domain/usage';

/** Spike alerts on a fleet with spikes injected (and nothing else), with the spike labels. */
export async function runSpikeAlerts(
  services = 400,
  days = 3,
  seed = 11,
): Promise<{ alerts: Alert[]; labels: Label[]; score: Score }> {
  const fleet = createFleet({ seed, services });
  const run = readings(fleet, {
    start: '2026-01-05T05:00:00Z',
    days,
    // spikes only, on 5% of services a day
    anomalies: { rate: 1, rates: { spike: 0.05 }, types: ['spike'] },
  });
  // Labels are collected during the same run, not by generating the range a second time.
  const labels: Label[] = [];
  const usage = usageOfRun(run, (l) => labels.push(l));
  const alerts = await spikeAlerts(usage, run.resolved.intervalMs).collect();
  const { start, end, intervalMs } = run.resolved;
  return { alerts, labels, score: score('spike', alerts, labels, start, end, intervalMs) };
}
