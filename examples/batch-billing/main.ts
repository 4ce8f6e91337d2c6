import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createFleet, readings } from '@eventide/generator';
import { writeRun } from '@eventide/generator/node';
import { isPostgresUrl, redactUrl } from '@eventide/sql';
import { checkReadingsFile, InputFileError } from '../domain/input';
import { FLAT_TARIFF } from '../domain/rollups';
import { invalidRow } from '../domain/rows';
import { registryOf } from '../domain/usage';
import { billingInputFromCsv, billsOf, writeBills } from './billing';

// Bills go to the main job's database (a SQLite file, or a postgres:// URL as the first argument).
// Paths are relative to where pnpm was started, as for the main job.
const base = process.env.INIT_CWD ?? process.cwd();
const arg = process.argv.slice(2).find((a) => a !== '--');
const db =
  arg === undefined ? join(base, 'out', 'metering.db') : isPostgresUrl(arg) ? arg : resolve(base, arg);

// The CSV the generator writes (eventide-gen --services 500 --days 7 --seed 42 --anomalies on
// --faults on --out out/batch-input), created here if it is not there yet.
const dir = join(base, 'out', 'batch-input');
const fleet = createFleet({ seed: 42, services: 500 });
const run = readings(fleet, { start: '2026-01-05T05:00:00Z', days: 7, anomalies: true, faults: true });
if (!existsSync(join(dir, 'readings.csv'))) await writeRun(run, { dir, format: 'csv' });

const registry = registryOf(fleet);
const file = join(dir, 'readings.csv');
try {
  // a file that cannot be billed at all (empty, a column missing) stops here, in one line
  checkReadingsFile(file);
} catch (e) {
  if (!(e instanceof InputFileError)) throw e;
  process.stderr.write(`batch-billing: ${e.message}\n`);
  process.exit(2);
}
const started = performance.now();
// rows that cannot be read or fail the schema are refused with their reasons; the rest is billed
const { daily, refused } = await billingInputFromCsv(file, registry, run.resolved.intervalMs);
const seconds = (performance.now() - started) / 1000;
if (refused.length > 0) {
  console.log(`${refused.length} row(s) refused; the first: ${invalidRow(refused[0]!).reason}`);
}
if (daily.length === 0) console.log(`${file} holds no readings that could be billed`);

const bill = new Map<string, { quantity: number; cost: number; unit: string }>();
for (const d of daily) {
  const b = bill.get(d.commodity) ?? { quantity: 0, cost: 0, unit: d.unit };
  bill.set(d.commodity, { quantity: b.quantity + d.quantity, cost: b.cost + d.cost_usd, unit: d.unit });
}
console.log(`${daily.length} service-days from ${join(dir, 'readings.csv')} in ${seconds.toFixed(1)} s`);
for (const [commodity, b] of bill) {
  console.log(
    `  ${commodity.padEnd(12)} ${b.quantity.toFixed(1).padStart(12)} ${b.unit.padEnd(5)} $${b.cost.toFixed(2).padStart(10)}  (flat $${FLAT_TARIFF[commodity as keyof typeof FLAT_TARIFF]}/${b.unit})`,
  );
}
const bills = billsOf(daily);
await writeBills(db, bills);
console.log(`${bills.length} bills written to the bills table of ${redactUrl(db)}`);
