// Rows per second through SqlSink into SQLite and PostgreSQL, against a hand-written loop doing the
// same inserts in the same run (plain batched INSERT … ON CONFLICT into the table, no staging, no
// exactly-once). The PostgreSQL server is started here (scripts/postgres-server.ts) and stopped
// after. Usage: pnpm --filter @eventide/sql bench [-- rows]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, DataStream, InMemoryCheckpointStorage, type Source } from '@eventide/core';
import { createDatabase, startPostgres } from '../../../scripts/postgres-server';
import { defineTable, ensureTables, openDatabase, type SqlDatabase, SqlSink } from '../src/index';

const ROWS = Number(process.argv.filter((a) => /^\d+$/.test(a))[0] ?? 200_000);
const CHECKPOINT_EVERY = 20_000;

// The shape of the main job's hourly rollup rows, keyed by area, commodity, hour and share.
const hourly = defineTable(
  'hourly',
  {
    area: { type: 'text', maxLength: 16 },
    commodity: { type: 'text', maxLength: 16 },
    unit: { type: 'text', maxLength: 8 },
    hour_start: 'timestamp',
    quantity: 'real',
    readings: 'integer',
    part: { type: 'text', maxLength: 16 },
  },
  { key: ['area', 'commodity', 'hour_start', 'part'] },
);
interface Row {
  area: string;
  commodity: string;
  unit: string;
  hour_start: string;
  quantity: number;
  readings: number;
  part: string;
}
const COMMODITIES = ['electricity', 'gas', 'water'];
const row = (i: number): Row => ({
  area: String(10001 + (i % 180)),
  commodity: COMMODITIES[Math.floor(i / 180) % 3]!,
  unit: 'kWh',
  hour_start: new Date(1_767_589_200_000 + Math.floor(i / 540) * 3_600_000).toISOString(),
  quantity: (i % 97) * 0.137,
  readings: 12,
  part: '0-of-1',
});

function rows(n: number): Source<Row> {
  return {
    open(position) {
      let i = typeof position === 'number' ? position : 0;
      return {
        read() {
          if (i >= n) return null;
          const batch: Row[] = [];
          for (const end = Math.min(n, i + 1000); i < end; i++) batch.push(row(i));
          return batch;
        },
        position: () => i,
      };
    },
  };
}

let peak = 0;
const sample = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);

async function viaSink(db: SqlDatabase): Promise<{ seconds: number; sink: SqlSink<Row> }> {
  const sink = new SqlSink<Row>(db, hourly);
  const started = performance.now();
  const job = connect(
    { out: DataStream.from(rows(ROWS)).sinkTo(sink) },
    { checkpoints: { storage: new InMemoryCheckpointStorage(), interval: { records: CHECKPOINT_EVERY } } },
  );
  job.start();
  await job.done;
  return { seconds: (performance.now() - started) / 1000, sink };
}

/** The baseline: the same rows upserted straight into the table, a transaction per checkpoint's worth. */
async function byHand(db: SqlDatabase): Promise<number> {
  const cols = hourly.columns.map((c) => `"${c.name}"`).join(', ');
  const update = ['unit', 'quantity', 'readings'].map((c) => `"${c}" = excluded."${c}"`).join(', ');
  const started = performance.now();
  for (let from = 0; from < ROWS; from += CHECKPOINT_EVERY) {
    const batch: (string | number)[][] = [];
    for (let i = from; i < Math.min(ROWS, from + CHECKPOINT_EVERY); i++) {
      const r = row(i);
      batch.push([r.area, r.commodity, r.unit, r.hour_start, r.quantity, r.readings, r.part]);
    }
    await db.transaction(async (tx) => {
      for (let at = 0; at < batch.length; at += 2000)
        await tx.insertMany(
          `INSERT INTO "hourly" (${cols})`,
          7,
          batch.slice(at, at + 2000),
          ` ON CONFLICT ("area", "commodity", "hour_start", "part") DO UPDATE SET ${update}`,
        );
    });
  }
  return (performance.now() - started) / 1000;
}

async function measure(label: string, open: () => Promise<SqlDatabase>) {
  const a = await open();
  await ensureTables(a, [hourly]);
  const hand = await byHand(a);
  await a.close();
  const b = await open();
  const { seconds, sink } = await viaSink(b);
  await b.close();
  const rate = (s: number) => Math.round(ROWS / s).toLocaleString('en-US');
  console.log(
    `${label.padEnd(10)} SqlSink ${rate(seconds).padStart(9)} rows/s (${seconds.toFixed(2)} s; ${sink.stats.transactions} transactions, last ${sink.stats.lastTransactionRows.toLocaleString('en-US')} rows)   hand-written upsert loop ${rate(hand).padStart(9)} rows/s   ratio ${(hand / seconds).toFixed(2)}×`,
  );
}

console.log(
  `${ROWS.toLocaleString('en-US')} rows of the hourly rollup's shape, a checkpoint every ${CHECKPOINT_EVERY.toLocaleString('en-US')}`,
);
const dir = mkdtempSync(join(tmpdir(), 'eventide-sql-bench-'));
let n = 0;
await measure('SQLite', () => openDatabase(join(dir, `bench-${n++}.db`)));
const server = await startPostgres();
try {
  await measure('PostgreSQL', () => openDatabase(createDatabase(server.url, `bench_${n++}`)));
} finally {
  server.stop();
}
clearInterval(sample);
console.log(`peak RSS ${Math.round(peak / 2 ** 20)} MiB`);
