/**
 * `pnpm bench`: keyed tumbling 1-hour windows summing 5-minute readings of 10,000 meters, delivered
 * up to 10 minutes out of order. Three implementations of the same job, each in its own child
 * process so peak RSS is its own: eventide, a hand-written loop (the limit), and the plain-RxJS
 * program a user would write today (groupBy + per-group state). All three must agree on the result.
 *
 * Then the runtime: the same job into a sink with checkpoints of its whole state to files every
 * 10 s and every 1 s (throughput against no checkpoints), and backpressure: 5 M readings into a
 * fast sink and into one that waits 1 ms per batch (peak RSS must stay flat).
 *
 * Usage: pnpm bench [-- --records 5000000] [--variant <name>] (child mode)
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { concat, defer, from, groupBy, lastValueFrom, mergeMap, reduce } from 'rxjs';
import {
  BOUND,
  fmt,
  HOUR,
  KEYS,
  type Measurement,
  measureInChild,
  meterReadings,
  type Reading,
  readingSource,
  reportFromChild,
} from '../../../bench/harness';
import { connect, DataStream, type Sink, TumblingEventTimeWindows, WatermarkStrategy } from '../src/index';
import { FileCheckpointStorage } from '../src/node/index';

const kWh = (k: number, i: number) => ((k * 7919 + i * 104729) % 1000) / 10_000;
const readings = (records: number) => meterReadings(records, kWh);

interface Result {
  windows: number;
  checksum: number;
}

async function runEventide(records: number): Promise<Result> {
  const source = readingSource(records, kWh);
  let windows = 0;
  let checksum = 0;
  const totals = DataStream.from(source)
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(BOUND).withTimestampAssigner((r) => r.ts),
    )
    .keyBy((r) => r.meter)
    .window(TumblingEventTimeWindows.of(HOUR))
    .reduce((a, b) => ({ meter: a.meter, ts: a.ts, kWh: a.kWh + b.kWh }));
  await new Promise<void>((resolve, reject) =>
    totals.toObservable().subscribe({
      next: (t) => {
        windows++;
        checksum += t.kWh;
      },
      error: reject,
      complete: resolve,
    }),
  );
  return { windows, checksum };
}

/**
 * The same job under the runtime: results written to a sink, with checkpoints of the whole state
 * to real files every `everyMs` (or none), so the difference to `eventide` is what they cost.
 */
async function runCheckpointed(
  records: number,
  everyMs: number | undefined,
): Promise<Result & { checkpoints: number; lastBytes: number; lastMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'eventide-bench-'));
  let windows = 0;
  let checksum = 0;
  const totals = DataStream.from(readingSource(records, kWh))
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(BOUND).withTimestampAssigner((r) => r.ts),
    )
    .keyBy((r) => r.meter)
    .window(TumblingEventTimeWindows.of(HOUR))
    .reduce((a, b) => ({ meter: a.meter, ts: a.ts, kWh: a.kWh + b.kWh }));
  const sink: Sink<Reading> = {
    write(values) {
      windows += values.length;
      for (const t of values) checksum += t.kWh;
    },
  };
  const files = new FileCheckpointStorage(dir);
  let maxBytes = 0;
  // records the largest checkpoint (the last one, after the input ended, is nearly empty)
  const storage = {
    latest: () => files.latest(),
    save: async (c: Parameters<FileCheckpointStorage['save']>[0]) => {
      const info = await files.save(c);
      maxBytes = Math.max(maxBytes, info.size);
      return info;
    },
  };
  const job = connect(
    { out: totals.sinkTo(sink) },
    everyMs === undefined ? {} : { checkpoints: { storage, interval: { ms: everyMs }, restore: 'none' } },
  );
  job.start();
  await job.done;
  rmSync(dir, { recursive: true, force: true });
  const c = job.checkpoints;
  return {
    windows,
    checksum,
    checkpoints: c.completed,
    lastBytes: maxBytes,
    lastMs: c.lastDurationMs,
  };
}

/** Every reading through a map into a sink that is fast, or waits 1 ms per batch: memory must stay flat. */
async function runSink(records: number, waitMs: number): Promise<Result> {
  let windows = 0;
  let checksum = 0;
  const sink: Sink<number> = {
    write(values) {
      windows += values.length;
      for (const v of values) checksum += v;
      return waitMs > 0 ? new Promise((resolve) => setTimeout(resolve, waitMs)) : undefined;
    },
  };
  const job = connect({
    out: DataStream.from(readingSource(records, kWh))
      .map((r) => r.kWh)
      .sinkTo(sink),
  });
  job.start();
  await job.done;
  return { windows, checksum };
}

/** The limit: the same event-time semantics written by hand for this one job. */
function runLoop(records: number): Result {
  const open = new Map<number, Map<number, Reading>>(); // window start → meter → running sum
  let maxTs = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  let windows = 0;
  let checksum = 0;
  const fire = (upTo: number) => {
    for (const start of [...open.keys()].sort((a, b) => a - b)) {
      if (start + HOUR - 1 > upTo) break;
      for (const r of open.get(start)!.values()) {
        windows++;
        checksum += r.kWh;
      }
      open.delete(start);
    }
  };
  for (const batch of readings(records)) {
    for (const r of batch) {
      const start = r.ts - (((r.ts % HOUR) + HOUR) % HOUR);
      if (start + HOUR - 1 <= watermark) continue; // late
      let w = open.get(start);
      if (w === undefined) open.set(start, (w = new Map()));
      const acc = w.get(r.meter);
      w.set(r.meter, acc === undefined ? r : { meter: r.meter, ts: acc.ts, kWh: acc.kWh + r.kWh });
      if (r.ts > maxTs) {
        maxTs = r.ts;
        const wm = maxTs - BOUND - 1;
        if (wm > watermark) {
          watermark = wm;
          fire(watermark);
        }
      }
    }
  }
  fire(Number.POSITIVE_INFINITY);
  return { windows, checksum };
}

/** What an RxJS user writes today: group by meter, keep per-group windows, close them on the group's own progress. */
async function runRxjs(records: number): Promise<Result> {
  const closed$ = from(readings(records)).pipe(
    mergeMap((batch) => batch),
    groupBy((r) => r.meter),
    mergeMap((group$) => {
      const open = new Map<number, number>();
      let maxTs = Number.NEGATIVE_INFINITY;
      const step = (r: Reading): number[] => {
        const start = r.ts - (((r.ts % HOUR) + HOUR) % HOUR);
        open.set(start, (open.get(start) ?? 0) + r.kWh);
        maxTs = Math.max(maxTs, r.ts);
        const ready: number[] = [];
        for (const [s, sum] of open) {
          if (s + HOUR - 1 <= maxTs - BOUND - 1) {
            ready.push(sum);
            open.delete(s);
          }
        }
        return ready;
      };
      return concat(
        group$.pipe(mergeMap(step)),
        defer(() => from([...open.values()])),
      );
    }),
    reduce((acc, sum) => ({ windows: acc.windows + 1, checksum: acc.checksum + sum }), {
      windows: 0,
      checksum: 0,
    }),
  );
  return lastValueFrom(closed$);
}

async function child(variant: string, records: number): Promise<void> {
  const run = {
    eventide: runEventide,
    loop: runLoop,
    rxjs: runRxjs,
    'no-checkpoints': (n: number) => runCheckpointed(n, undefined),
    'checkpoint-1s': (n: number) => runCheckpointed(n, 1_000),
    'checkpoint-200ms': (n: number) => runCheckpointed(n, 200),
    'fast-sink': (n: number) => runSink(n, 0),
    'slow-sink': (n: number) => runSink(n, 1),
  }[variant];
  if (!run) throw new Error(`unknown variant ${variant}`);
  await reportFromChild(variant, records, () => run(records));
}

const measure = (variant: string, records: number) =>
  measureInChild<Result>(fileURLToPath(import.meta.url), variant, 'records', records);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { records: { type: 'string', default: '5000000' }, variant: { type: 'string' } },
  });
  const records = Number(values.records);
  if (!Number.isInteger(records) || records <= 0)
    throw new Error(`--records must be a positive integer, got ${values.records}`);
  if (values.variant) return child(values.variant, records);

  console.log(
    `keyed tumbling 1 h windows, ${KEYS.toLocaleString('en-US')} meters, 5-minute readings, ≤ 10 min out of order`,
  );
  console.log('variant     records      seconds   records/s      peak RSS   ratio to loop');
  const rows: Measurement<Result>[] = [];
  for (const n of [records, records * 2]) {
    const loop = measure('loop', n);
    for (const m of [loop, measure('eventide', n), measure('rxjs', n)]) {
      rows.push(m);
      console.log(
        `${m.variant.padEnd(10)} ${fmt(m.count).padStart(11)} ${m.seconds.toFixed(2).padStart(9)} ${fmt(m.perSecond).padStart(12)} ${`${m.peakRssMiB.toFixed(0)} MiB`.padStart(10)}   ${(m.perSecond / loop.perSecond).toFixed(2)}×`,
      );
      if (
        m.result.windows !== loop.result.windows ||
        Math.abs(m.result.checksum - loop.result.checksum) > 1e-6 * Math.abs(loop.result.checksum)
      ) {
        throw new Error(
          `${m.variant} disagrees with the loop: ${JSON.stringify(m.result)} vs ${JSON.stringify(loop.result)}`,
        );
      }
    }
  }
  const ev = rows.filter((r) => r.variant === 'eventide');
  console.log(
    `eventide peak RSS ${ev[0]!.peakRssMiB.toFixed(0)} MiB at ${fmt(ev[0]!.count)} records, ${ev[1]!.peakRssMiB.toFixed(0)} MiB at ${fmt(ev[1]!.count)} (×${(ev[1]!.peakRssMiB / ev[0]!.peakRssMiB).toFixed(2)} for ×2 records)`,
  );

  console.log('\nthe runtime: the same job into a sink, with checkpoints of its whole state to files');
  console.log(
    'variant           records      seconds   records/s      peak RSS   ratio to loop   checkpoints (largest size, last duration)',
  );
  const loop = measure('loop', records * 2);
  const base = measure('no-checkpoints', records * 2);
  // The runs last a few seconds: checkpoints every 1 s and every 200 ms cost 10× and 50× what
  // one every 10 s does.
  for (const m of [base, measure('checkpoint-1s', records * 2), measure('checkpoint-200ms', records * 2)]) {
    const r = m.result as Result & { checkpoints: number; lastBytes: number; lastMs: number };
    console.log(
      `${m.variant.padEnd(15)} ${fmt(m.count).padStart(11)} ${m.seconds.toFixed(2).padStart(9)} ${fmt(m.perSecond).padStart(12)} ${`${m.peakRssMiB.toFixed(0)} MiB`.padStart(10)}   ${(m.perSecond / loop.perSecond).toFixed(2)}×`.padEnd(
        88,
      ) +
        `${r.checkpoints} (${fmt(r.lastBytes / 1024)} KiB, ${r.lastMs} ms)  throughput ${((m.perSecond / base.perSecond) * 100).toFixed(0)}% of no checkpoints`,
    );
    if (r.windows !== loop.result.windows) throw new Error(`${m.variant} disagrees with the loop`);
  }
  console.log(
    '\nbackpressure: every reading through map into a sink (peak RSS must not grow with a slow sink)',
  );
  for (const v of ['fast-sink', 'slow-sink']) {
    const m = measure(v, records);
    console.log(
      `${m.variant.padEnd(15)} ${fmt(m.count).padStart(11)} ${m.seconds.toFixed(2).padStart(9)} ${fmt(m.perSecond).padStart(12)} ${`${m.peakRssMiB.toFixed(0)} MiB`.padStart(10)}`,
    );
    if (m.result.windows !== records) throw new Error(`${v} saw ${m.result.windows} of ${records} records`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
