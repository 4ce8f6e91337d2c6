import { createFleet, type Label, readings } from '@eventide/generator';
import type { Alert } from '../domain/alert';
import { stoppedReporting } from '../domain/outage';
import { type Score, score } from '../domain/scoring';
import { usageOfRun } from '../domain/usage';

/** Meters that stopped reporting, on a fleet with outages injected, with the outage labels. */
export async function runOutageDetection(
  services = 300,
  days = 2,
  seed = 5,
): Promise<{ alerts: Alert[]; labels: Label[]; score: Score }> {
  const fleet = createFleet({ seed, services });
  const run = readings(fleet, {
    start: '2026-01-05T05:00:00Z',
    days,
    // outages only, a tenth of premises a day: every meter of a premise goes dark together
    anomalies: { rate: 1, rates: { outage: 0.1 }, types: ['outage'] },
  });
  // Labels are collected during the same run, not by generating the range a second time.
  const labels: Label[] = [];
  const usage = usageOfRun(run, (l) => labels.push(l));
  const alerts = await stoppedReporting(usage, run.resolved.end).collect();
  const { start, end, intervalMs } = run.resolved;
  return { alerts, labels, score: score('stopped-reporting', alerts, labels, start, end, intervalMs) };
}
