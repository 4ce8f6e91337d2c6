import { runSpikeAlerts } from './run';

const { alerts, labels } = await runSpikeAlerts();
console.log(`${labels.length} spikes injected, ${alerts.length} alerts:`);
for (const a of alerts) {
  const label = labels.find(
    (l) => l.service_uid === a.service_uid && l.start_ms <= a.at_ms && a.at_ms <= l.end_ms,
  );
  console.log(
    `  ${a.at} ${a.service_uid.slice(0, 8)}… ${a.detail}${label ? ` (spike from ${label.start})` : ' (no spike there)'}`,
  );
}
