import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DataStream, keyGroupOf, OutputTag, TumblingEventTimeWindows } from '../../src/index';
import {
  combineKeyGroups,
  connectParallel,
  FileCheckpointStorage,
  FileSink,
  type FromKeyGroup,
} from '../../src/node/index';
import type pipeline from './parallel-pipeline';
import { allReadings, type Options, type Reading } from './parallel-pipeline';
import type twoWatermarks from './parallel-two-watermarks';
import { TICKS, type Tick } from './parallel-two-watermarks';

const MODULE = new URL('./parallel-pipeline.ts', import.meta.url);
const TWO_WATERMARKS = new URL('./parallel-two-watermarks.ts', import.meta.url);
const KEY_GROUPS = 8;

interface ZoneSum {
  readonly zone: string;
  readonly start: number;
  readonly sum: number;
}

/** What each output must hold, by brute force: each key group's readings in order, its own watermark. */
function expected(o: Options) {
  const perMeter = new Map<string, Reading>();
  const perZone = new Map<string, ZoneSum>();
  const late: Reading[] = [];
  for (let g = 0; g < KEY_GROUPS; g++) {
    let highest = Number.NEGATIVE_INFINITY;
    for (const r of allReadings(o).filter((x) => keyGroupOf(x.meter, KEY_GROUPS) === g)) {
      const wm = highest - 301;
      const start = r.t - (r.t % 100);
      if (start + 99 <= wm) late.push(r);
      else {
        const k = `${r.meter}|${start}`;
        const m = perMeter.get(k);
        perMeter.set(k, m === undefined ? r : { ...m, v: m.v + r.v, t: Math.min(m.t, r.t) });
        const z = `${r.zone}|${start}`;
        perZone.set(z, { zone: r.zone, start, sum: (perZone.get(z)?.sum ?? 0) + r.v });
      }
      highest = Math.max(highest, r.t);
    }
  }
  return { perMeter: [...perMeter.values()], perZone: [...perZone.values()], late };
}

const sorted = <T>(xs: readonly T[]) => xs.map((x) => JSON.stringify(x)).sort();

async function run(o: Options, workers: number) {
  const got = { perMeter: [] as Reading[], perZone: [] as ZoneSum[], late: [] as Reading[] };
  const values = <T>(s: DataStream<FromKeyGroup<T>>) => s.map((p) => p.value);
  const job = await connectParallel(MODULE, {
    workers,
    keyGroups: KEY_GROUPS,
    options: o,
    outputs: {
      perMeter: (s) =>
        values(s).sinkTo({ write: (v: readonly unknown[]) => void got.perMeter.push(...(v as Reading[])) }),
      perZone: (s) =>
        combineKeyGroups(
          s as DataStream<FromKeyGroup<ZoneSum>>,
          (z) => `${z.zone}|${z.start}`,
          (parts) => ({ ...parts[0]!, sum: parts.reduce((a, p) => a + p.sum, 0) }),
        ).sinkTo({ write: (v: readonly ZoneSum[]) => void got.perZone.push(...v) }),
      late: (s) =>
        values(s).sinkTo({ write: (v: readonly unknown[]) => void got.late.push(...(v as Reading[])) }),
    },
  });
  job.start();
  await job.done;
  return { got, job };
}

describe('connectParallel: a pipeline split by key group over worker threads', () => {
  it('gives the brute-force results with 1, 2 and 4 workers, for any seed and key skew', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 3, max: 40 }),
        async (seed, skew, meters) => {
          const o: Options = { seed, readings: 3000, meters, skew };
          const want = expected(o);
          for (const workers of [1, 2, 4]) {
            const { got, job } = await run(o, workers);
            expect(sorted(got.perMeter), `per meter, ${workers} workers`).toEqual(sorted(want.perMeter));
            expect(sorted(got.perZone), `per zone, ${workers} workers`).toEqual(sorted(want.perZone));
            expect(sorted(got.late), `late, ${workers} workers`).toEqual(sorted(want.late));
            // every reading accounted for: in a window or late
            expect(job.keyGroupMetrics().readings!.recordsOut).toBe(3000);
          }
        },
      ),
      { numRuns: 4 },
    );
  }, 120_000);

  it('a skewed input: per-worker record counts follow the key groups, one 50× hotter meter included', async () => {
    const o: Options = { seed: 1, readings: 20_000, meters: 60, skew: 50 };
    const hotGroup = keyGroupOf('m0', KEY_GROUPS);
    const perGroup = new Array<number>(KEY_GROUPS).fill(0);
    for (const r of allReadings(o)) perGroup[keyGroupOf(r.meter, KEY_GROUPS)]!++;
    const { job } = await run(o, 2);
    const perWorker = [0, 1].map((w) => perGroup.filter((_, g) => g % 2 === w).reduce((a, n) => a + n, 0));
    expect(perWorker[0]! + perWorker[1]!).toBe(20_000);
    expect(job.keyGroupMetrics().readings!.recordsOut).toBe(20_000);
    // the hot meter's group carries far more than an even share
    expect(perGroup[hotGroup]!).toBeGreaterThan((2 * 20_000) / KEY_GROUPS);
    console.log(
      `skew: readings per key group ${perGroup.join(' ')}; per worker (of 2) ${perWorker.join(' ')}; hot meter m0 in group ${hotGroup}`,
    );
  }, 60_000);

  it('crashes, then resumes from its checkpoint with another number of workers: the files hold each line once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventide-parallel-'));
    const o: Options = { seed: 9, readings: 30_000, meters: 20, skew: 3, slow: true };
    const line = (xs: readonly Reading[]) => xs.map((r) => `${r.meter},${r.t},${r.v}\n`).join('');
    const start = (options: Options, workers: number, out: string, storage: FileCheckpointStorage) =>
      connectParallel(MODULE, {
        workers,
        keyGroups: KEY_GROUPS,
        options,
        outputs: {
          perMeter: (s) =>
            s
              .map((p) => p.value as Reading)
              .sinkTo(new FileSink(out, { format: line }))
              .name('file'),
        },
        checkpoints: { storage, intervalMs: 20 },
      });
    const storage = new FileCheckpointStorage(join(dir, 'checkpoints'));
    const out = join(dir, 'per-meter.csv');
    const flag = join(dir, 'crash-now');
    const crashed = await start({ ...o, failWhen: flag }, 2, out, storage);
    crashed.start();
    while (crashed.checkpoints.completed < 2) await new Promise((r) => setTimeout(r, 5));
    writeFileSync(flag, '');
    await expect(crashed.done).rejects.toThrow(/key group 0: simulated crash/);
    expect(crashed.checkpoints.completed).toBeGreaterThan(0);
    const resumed = await start(o, 3, out, storage);
    resumed.start();
    await resumed.done;
    expect(resumed.restoredFrom).toBeGreaterThan(0);
    const lines = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .sort();
    expect(lines).toEqual(
      line(expected(o).perMeter)
        .split('\n')
        .filter((l) => l.length > 0)
        .sort(),
    );
  }, 60_000);

  it('a stage over two outputs at once: windows and late readings counted in the main thread', async () => {
    const o: Options = { seed: 3, readings: 4000, meters: 12, skew: 5 };
    let windows = 0;
    let late = 0;
    const job = await connectParallel<Options, ReturnType<typeof pipeline>>(MODULE, {
      workers: 2,
      keyGroups: KEY_GROUPS,
      options: o,
      stage: (merged) => ({
        windows: merged.perMeter
          .sinkTo({ write: (v: readonly unknown[]) => void (windows += v.length) })
          .name('count-windows'),
        late: merged.late
          .sinkTo({ write: (v: readonly unknown[]) => void (late += v.length) })
          .name('count-late'),
      }),
    });
    job.start();
    await job.done;
    expect(windows).toBe(expected(o).perMeter.length);
    expect(late).toBe(expected(o).late.length);
    // only the outputs the stage read came from the workers: not perZone
    expect(
      Object.keys(job.metrics())
        .filter((n) => n.startsWith('output:'))
        .sort(),
    ).toEqual(['output:late', 'output:perMeter']);
  }, 60_000);

  it('a key group’s watermark is the least of its outputs’: a record on time for the slower one is not late', async () => {
    // brute force over the ticks: 100 ms windows; the slow output's bound (1000 ms) covers the
    // last tick's lateness, so nothing is late and window [500, 600) holds 11 ticks
    const want = new Map<number, number>();
    for (const t of TICKS) want.set(t - (t % 100), (want.get(t - (t % 100)) ?? 0) + 1);
    const counts: { start: number; n: number }[] = [];
    const late: Tick[] = [];
    const LATE_TICK = new OutputTag<FromKeyGroup<Tick>>('late-tick');
    const job = await connectParallel<undefined, ReturnType<typeof twoWatermarks>>(TWO_WATERMARKS, {
      workers: 1,
      keyGroups: 1,
      outputs: {
        fast: (s) => s.sinkTo({ write: () => {} }).name('fast-sink'),
        slow: (s) => {
          const windows = s
            .windowAll(TumblingEventTimeWindows.of(100))
            .sideOutputLateData(LATE_TICK)
            .process<{ start: number; n: number }>((ctx, xs) => [{ start: ctx.window.start, n: xs.length }])
            .name('slow-windows');
          return [
            windows.sinkTo({ write: (v: readonly { start: number; n: number }[]) => void counts.push(...v) }),
            windows.getSideOutput(LATE_TICK).sinkTo({
              write: (v: readonly FromKeyGroup<Tick>[]) => void late.push(...v.map((p) => p.value)),
            }),
          ];
        },
      },
    });
    job.start();
    await job.done;
    expect(late).toEqual([]);
    expect(counts.sort((a, b) => a.start - b.start)).toEqual(
      [...want].sort((a, b) => a[0] - b[0]).map(([start, n]) => ({ start, n })),
    );
    expect(counts.find((c) => c.start === 500)?.n).toBe(11);
  }, 30_000);

  it('refuses a stage output named like an output stage', async () => {
    await expect(
      connectParallel<Options, ReturnType<typeof pipeline>>(MODULE, {
        options: { seed: 1, readings: 10, meters: 3, skew: 1 },
        outputs: { late: (s) => s.sinkTo({ write: () => {} }) },
        stage: (merged) => ({ late: merged.perZone }),
      }),
    ).rejects.toThrow(/"late" is named by both outputs and stage/);
  }, 30_000);

  it('refuses an output the module does not have, and a module without a pipeline', async () => {
    await expect(
      connectParallel(MODULE, {
        options: { seed: 1, readings: 10, meters: 3, skew: 1 },
        outputs: { nope: (s: DataStream<unknown>) => s } as never,
      }),
    ).rejects.toThrow(/no output "nope" \(its outputs: perMeter, perZone, late\)/);
    await expect(
      connectParallel(new URL('./parallel.test.ts', import.meta.url), { outputs: {} }),
    ).rejects.toThrow();
  }, 30_000);
});
