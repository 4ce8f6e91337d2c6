import { runSpikeAlerts } from './run';

const { alerts, labels, score } = await runSpikeAlerts();
console.log(`${labels.length} spikes injected, ${alerts.length} alerts:`);
for (const a of alerts) {
  const label = labels.find(
    (l) => l.service_uid === a.service_uid && l.start_ms <= a.at_ms && a.at_ms <= l.end_ms,
  );
  console.log(
    `  ${a.at} ${a.service_uid.slice(0, 8)}… ${a.detail}${label ? ` (spike from ${label.start})` : ' (no spike there)'}`,
  );
}
console.log(
  `caught ${score.detected} of the ${score.labels} injected spikes the run could show (recall ${score.recall.toFixed(2)}); ${score.truePositives} of ${score.alerts} alerts fall inside one (precision ${score.precision.toFixed(2)})`,
);
