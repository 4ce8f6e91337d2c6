// The main job at its default size (1,000 services, 7 days) writing CSV files only, and also a
// SQLite file or a PostgreSQL database (a server started here, fsync on, stopped after): job
// throughput, its ratio to the CSV-only run on the same number of workers in the same run, rows
// committed to the database and transaction sizes (from the sinks' commit records).
// Usage: pnpm --filter @eventide/examples bench [-- --services N --days D]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@eventide/sql';
import { createDatabase, startPostgres } from '../../scripts/postgres-server';
import { runMeteringParallel } from './parallel';
import { DEFAULT_START, type MeteringOutput, runMetering } from './pipeline';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { services: { type: 'string', default: '1000' }, days: { type: 'string', default: '7' } },
});
const options = {
  services: Number(values.services),
  days: Number(values.days),
  seed: 42,
  start: DEFAULT_START,
};

const server = await startPostgres();
let made = 0;
const where = {
  none: () => undefined,
  sqlite: (dir: string) => join(dir, 'metering.db'),
  postgres: () => createDatabase(server.url, `bench_${made++}`),
} as const;

async function commits(db: string) {
  const d = await openDatabase(db);
  try {
    const [r] = await d.query<{ n: number; rows: number; max: number }>(
      'SELECT count(*) AS n, sum("rows") AS rows, max("rows") AS max FROM eventide_commits',
    );
    return { n: Number(r!.n), rows: Number(r!.rows), max: Number(r!.max) };
  } finally {
    await d.close();
  }
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `main job: ${options.services} services, ${options.days} days (seed 42), checkpoints every 10 s unless noted`,
);
try {
  for (const workers of [1, 2]) {
    let csvOnly = 0;
    for (const [kind, every] of [
      ['none', 10],
      ['sqlite', 10],
      ['sqlite', 1],
      ['postgres', 10],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'metering-db-bench-'));
      const db = where[kind](dir);
      const output: MeteringOutput = {
        dir,
        format: 'csv',
        checkpointDir: join(dir, '.checkpoints'),
        checkpointInterval: { ms: every * 1000 },
        db,
      };
      const r =
        workers === 1
          ? await runMetering(options, {}, output)
          : await runMeteringParallel(options, workers, output);
      const rate = r.records / r.seconds;
      if (kind === 'none') csvOnly = r.seconds;
      const label = `${workers === 1 ? 'one thread' : `${workers} workers `}  ${kind === 'none' ? 'CSV only' : `+ ${kind}`}${kind === 'none' ? '' : ` (checkpoint ${every} s)`}`;
      let line = `${label.padEnd(38)} ${r.seconds.toFixed(1).padStart(5)} s  ${n(rate).padStart(8)} readings/s  ${(csvOnly / r.seconds).toFixed(2)}× CSV only`;
      if (db !== undefined) {
        const c = await commits(db);
        line += `  | ${n(c.rows)} rows in ${c.n} transactions (largest ${n(c.max)}), ${n(c.rows / r.seconds)} rows/s`;
      }
      console.log(line);
    }
  }
} finally {
  server.stop();
}
console.log(
  `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB (this process; workers are threads of it)`,
);
