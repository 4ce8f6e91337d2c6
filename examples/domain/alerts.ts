import { AfterMatchSkipStrategy, CEP, Pattern } from '@eventide/cep';
import type { DataStream } from '@eventide/core';
import { ALERT_TYPES, type Alert, type AlertType, alert } from './alert';
import type { Level } from './levels';
import { stoppedReporting } from './outage';
import { spikeAlerts } from './spike';
import type { Usage } from './usage';

export { ALERT_TYPES, type Alert, type AlertType, spikeAlerts, stoppedReporting };

/**
 * Alerts, each a CEP pattern run per service in event time:
 * - spike: FlinkCEP's monitoring example adapted to meters: two consecutive high readings within
 *   10 minutes make a warning; two consecutive warnings within 20 minutes make an alert (`../spike-alerts/spike.ts`).
 * - stopped-reporting: a reading followed by no reading for 15 minutes (`notFollowedBy` + `within`),
 *   decided by the watermark, not by the next reading (`../outage-detection/outage.ts`).
 * - leak: water flowing in every interval of a night (01:00–05:00 New York time; up to two
 *   readings may be missing), not all one value.
 * - stuck: one value (give or take its last digit) held for two hours above the service's floor.
 */

const HOUR_MS = 3_600_000;

/** Water flowing in every interval from 01:00 to 05:00 New York time. */
export function leakAlerts(usage: DataStream<Usage>, intervalMs: number): DataStream<Alert> {
  const night = Math.round((4 * HOUR_MS) / intervalMs);
  // Every reading of the night shows flow; up to two readings may be missing (faults drop some).
  const flowingAllNight = Pattern.begin<Usage>('night', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((u) => u.quantity > 0 && u.hour >= 1 && u.hour < 5)
    .times(night - 2, night)
    .consecutive();
  return CEP.pattern(
    usage.filter((u) => u.commodity === 'water').keyBy((u) => u.service_uid),
    flowingAllNight,
  )
    .select((m) => {
      const readings = m.night!;
      const first = readings[0]!;
      const last = readings[readings.length - 1]!;
      const values = readings.map((u) => u.quantity);
      const least = Math.min(...values);
      // One value all night, give or take its last digit, is a stuck register, not a leak: that
      // is the stuck alert's to raise.
      const varies = Math.max(...values) - least > 0.025;
      return {
        alert: alert(
          'leak',
          first,
          last.ts,
          `flow in all ${readings.length} night intervals, at least ${least} gal each`,
        ),
        varies,
      };
    })
    .filter((x) => x.varies)
    .map((x) => x.alert)
    .name('leak-alerts');
}

/**
 * One value, give or take its last digit, held for two hours above the service's floor (the
 * lowest reading of its last 24 hours): a pilot light or a closed shop's base load may hold steady
 * for hours; a register stuck above it may not.
 */
export function stuckAlerts(levels: DataStream<Level>, intervalMs: number): DataStream<Alert> {
  const repeats = Math.round((2 * HOUR_MS) / intervalMs) - 1;
  const stuck = Pattern.begin<Level>('first', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((l) => l.usage.quantity > l.floor + 3 * l.step)
    .next('same')
    .where((l, ctx) => {
      const held = ctx.eventsForPattern('first')[0]!.usage.quantity;
      return l.usage.quantity >= held - 1.5 * l.step && l.usage.quantity <= held + 1.5 * l.step;
    })
    .times(repeats)
    .consecutive();
  return CEP.pattern(
    levels.keyBy((l) => l.usage.service_uid),
    stuck,
  )
    .select((m) => {
      const [first] = m.first!;
      const same = m.same!;
      return alert(
        'stuck',
        first!.usage,
        same[same.length - 1]!.usage.ts,
        `${first!.usage.quantity} ${first!.usage.unit} (give or take its last digit) in ${same.length + 1} intervals, above its floor of ${first!.floor}`,
      );
    })
    .name('stuck-alerts');
}
