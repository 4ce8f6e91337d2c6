import { createFleet } from './packages/generator/src/model/fleet';
import { ReadingGenerator } from './packages/generator/src/model/generator';
const fleet = createFleet({ seed: 7, services: 3000 });
for (const opts of [{}, { anomalies: true }, { anomalies: true, faults: true }]) {
  let t = performance.now();
  const g = new ReadingGenerator(fleet, { start: '2026-01-05T05:00:00Z', days: 3, ...opts });
  let n = 0; let b;
  while ((b = g.next()) !== null) n += b.length;
  const ms = performance.now() - t;
  console.log(JSON.stringify(opts), n, (n / ms * 1000).toFixed(0), '/s');
}
