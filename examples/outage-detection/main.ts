import { runOutageDetection } from './run';

const { alerts, labels, score } = await runOutageDetection();
console.log(`${labels.length} outages injected, ${alerts.length} alerts:`);
for (const a of alerts) console.log(`  ${a.at} ${a.service_uid.slice(0, 8)}… ${a.commodity}: ${a.detail}`);
console.log(
  `caught ${score.detected} of the ${score.labels} injected outages the run could show (recall ${score.recall.toFixed(2)}); ${score.truePositives} of ${score.alerts} alerts fall inside one (precision ${score.precision.toFixed(2)})`,
);
