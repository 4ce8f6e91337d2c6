/**
 * `pnpm bench` (generator part): readings generated per second into memory and written to CSV,
 * against a hand-written loop that creates the same number of plain row objects. Each variant runs
 * in its own child process so its peak RSS is its own.
 *
 * Usage: pnpm --filter @eventide/generator bench [-- --readings 5000000]
 */
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, type Measurement, measureInChild, reportFromChild } from '../../../bench/harness';
import { createFleet, csvHeader, READING_FIELDS, ReadingGenerator, readingsToCsv } from '../src/index';

const SERVICES = 10_000;
const START = Date.UTC(2026, 0, 5, 5);
const INTERVAL = 5 * 60_000;

interface Result {
  rows: number;
  checksum: number;
  labels?: number;
}

let labels = 0;

function generator(readings: number, imperfect: boolean): ReadingGenerator {
  const fleet = createFleet({ seed: 42, services: SERVICES });
  const steps = Math.ceil(readings / SERVICES);
  return new ReadingGenerator(
    fleet,
    { start: START, end: START + steps * INTERVAL, anomalies: imperfect, faults: imperfect },
    () => {
      labels++;
    },
  );
}

function intoMemory(readings: number, imperfect: boolean): Result {
  const g = generator(readings, imperfect);
  let rows = 0;
  let checksum = 0;
  for (let b = g.next(); b !== null; b = g.next()) {
    rows += b.length;
    // Malformed rows (with faults on) may hold a non-number.
    for (const r of b) if (typeof r.quantity === 'number') checksum += r.quantity;
  }
  return { rows, checksum, labels };
}

async function toCsv(readings: number): Promise<Result> {
  const g = generator(readings, false);
  const out = createWriteStream(join(tmpdir(), `eventide-bench-${process.pid}.csv`));
  const write = (s: string) =>
    out.write(s) ? undefined : new Promise<void>((r) => out.once('drain', () => r()));
  await write(csvHeader(READING_FIELDS));
  let rows = 0;
  for (let b = g.next(); b !== null; b = g.next()) {
    rows += b.length;
    await write(readingsToCsv(b));
  }
  await new Promise<void>((r) => out.end(r));
  return { rows, checksum: 0 };
}

/** The reference: plain row objects with the same fields, a cheap pseudo-random value, no model. */
function handLoop(readings: number): Result {
  const uids = Array.from({ length: SERVICES }, (_, i) => `service-${i}`);
  let rows = 0;
  let checksum = 0;
  let x = 42;
  for (let step = 0; rows < readings; step++) {
    const start = START + step * INTERVAL;
    const startIso = new Date(start).toISOString();
    const endIso = new Date(start + INTERVAL).toISOString();
    const batch = [];
    for (let s = 0; s < SERVICES; s++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const kWh = Math.round((x / 4294967296) * 500) / 1000;
      batch.push({
        interval_start: startIso,
        interval_end: endIso,
        interval_kWh: kWh,
        interval_kW: Math.round(kWh * 12_000) / 1000,
        service_uid: uids[s]!,
        source: 'ami',
        updated: endIso,
        utility: 'Con Edison',
        utility_meter_number: uids[s]!,
        utility_service_address: uids[s]!,
        utility_service_id: uids[s]!,
        utility_tariff_name: 'EL1',
        commodity: 'electricity',
        unit: 'kWh',
        quantity: kWh,
        interval_start_ms: start,
      });
    }
    rows += batch.length;
    for (const r of batch) checksum += r.quantity;
  }
  return { rows, checksum };
}

const VARIANTS = {
  loop: handLoop,
  memory: (n: number) => intoMemory(n, false),
  'memory+faults': (n: number) => intoMemory(n, true),
  csv: toCsv,
} as const;

const { values } = parseArgs({
  options: { variant: { type: 'string' }, readings: { type: 'string', default: '5000000' } },
});
const readings = Number(values.readings);
if (values.variant) {
  const variant = values.variant as keyof typeof VARIANTS;
  await reportFromChild(variant, readings, () => VARIANTS[variant](readings));
} else {
  const script = fileURLToPath(import.meta.url);
  console.log(
    `@eventide/generator: ${fmt(readings)} readings of ${fmt(SERVICES)} services, 5-minute intervals`,
  );
  const results: Measurement<Result>[] = [];
  for (const v of Object.keys(VARIANTS))
    results.push(measureInChild<Result>(script, v, 'readings', readings));
  const loop = results[0]!;
  for (const m of results) {
    const ratio = m.perSecond / loop.perSecond;
    console.log(
      `  ${m.variant.padEnd(14)} ${fmt(m.perSecond).padStart(11)} readings/s  peak RSS ${fmt(m.peakRssMiB).padStart(5)} MiB  ${ratio.toFixed(2)}× hand loop`,
    );
  }
  const memory = results.find((m) => m.variant === 'memory')!;
  console.log(
    `  target ≥ 1,000,000 readings/s into memory: ${memory.perSecond >= 1_000_000 ? 'met' : 'NOT met'}`,
  );
}
