import { runOutageDetection } from './run';

const { alerts, labels } = await runOutageDetection();
console.log(`${labels.length} outages injected, ${alerts.length} alerts:`);
for (const a of alerts) console.log(`  ${a.at} ${a.service_uid.slice(0, 8)}… ${a.commodity}: ${a.detail}`);
