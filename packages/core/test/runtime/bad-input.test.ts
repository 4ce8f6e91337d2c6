import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  connect,
  DataStream,
  execute,
  IllegalArgumentError,
  INVALID,
  InMemoryCheckpointStorage,
  type Job,
  type JobMetrics,
  OperatorError,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index';

interface R {
  readonly id: { meter: string; n: number };
  readonly t: number;
}
const rows: R[] = [
  { id: { meter: 'a', n: 1 }, t: 1 },
  { id: { meter: 'a', n: 1 }, t: 2 },
  { id: { meter: 'b', n: 1 }, t: 3 },
];
const stamped = () =>
  DataStream.from(rows).assignTimestampsAndWatermarks(
    WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner((r) => r.t),
  );

describe('key selectors', () => {
  it('an object or undefined key fails fast, naming the operator', async () => {
    const byObject = stamped()
      .keyBy((r) => r.id)
      .window(TumblingEventTimeWindows.of(10))
      .reduce((a) => a)
      .name('per-meter');
    await expect(byObject.collect()).rejects.toThrow(OperatorError);
    await expect(byObject.collect()).rejects.toThrow(/operator "per-meter".*key selector returned an object/);
    const byMissing = stamped()
      .keyBy((r) => (r as unknown as { meter?: string }).meter)
      .process({ processElement() {} })
      .name('silence');
    await expect(byMissing.collect()).rejects.toThrow(/operator "silence".*returned undefined/);
  });

  it('a key serializer makes equal objects one key', async () => {
    const counts = await stamped()
      .keyBy((r) => r.id, { serializeKey: (id) => `${id.meter}#${id.n}` })
      .window(TumblingEventTimeWindows.of(10))
      .process((key, _ctx, es) => [`${key}=${es.length}`])
      .collect();
    expect(counts.sort()).toEqual(['a#1=2', 'b#1=1']);
  });
});

describe('timestamp sanity', () => {
  it('a timestamp far ahead of the highest so far is invalid and does not move the watermark', async () => {
    const readings = [
      { t: 1_000 },
      { t: 253_402_300_799_000 }, // 9999-12-31
      { t: 2_000 },
      { t: 3_000 },
    ];
    const stampedRows = DataStream.from(readings).assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<{ t: number }>(0)
        .withTimestampAssigner((r) => r.t)
        .withMaxTimestampJump(86_400_000),
    );
    const sums = stampedRows.windowAll(TumblingEventTimeWindows.of(10_000)).process((_c, es) => [es.length]);
    const { outputs, metrics } = await execute({ sums, invalid: stampedRows.getSideOutput(INVALID) });
    expect(outputs.sums).toEqual([3]); // nothing was late
    expect(outputs.invalid).toHaveLength(1);
    expect(outputs.invalid[0]!.reason).toMatch(
      /9999-12-31T23:59:59.000Z is .* more than the allowed jump of 86400000 ms/,
    );
    expect(metrics['window-3']!.lateDropped).toBe(0);
  });
});

describe('sliding windows', () => {
  it('refuses a size/slide that would put a record in too many windows', () => {
    expect(() => SlidingEventTimeWindows.of(3_600_000, 1)).toThrow(IllegalArgumentError);
    expect(() => SlidingEventTimeWindows.of(3_600_000, 1)).toThrow(
      /3600000 windows, more than maxWindowsPerRecord \(10000\)/,
    );
    expect(() => SlidingEventTimeWindows.of(100, 1, 0, { maxWindowsPerRecord: 50 })).toThrow(
      /maxWindowsPerRecord \(50\)/,
    );
    expect(SlidingEventTimeWindows.of(3_600_000, 60_000).slide).toBe(60_000);
  });

  it('counts a record late for some of its windows but not all', async () => {
    // windows of 30 sliding by 10, watermark 38: the record at t=12 belongs to [-10,20) and
    // [0,30) (closed: end − 1 ≤ 38) and to [10,40) (open: 39 > 38).
    const items = [
      { value: 1, timestamp: 40 },
      { watermark: 38 },
      { value: 2, timestamp: 12 },
      { value: 3, timestamp: 5 }, // all its windows end by 30: late
    ];
    const counts = DataStream.fromTimeline(items)
      .windowAll(SlidingEventTimeWindows.of(30, 10))
      .process((ctx, es) => [`${ctx.window.start}:${es.length}`])
      .name('sliding');
    const { metrics } = await execute({ counts });
    expect(metrics.sliding!.custom.partiallyLate).toBe(1);
    expect(metrics.sliding!.lateDropped).toBe(1);
  });
});

describe('metrics$', () => {
  it('emits snapshots on the injected clock, with per-operator counters and a last one at the end', async () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const seen: JobMetrics[] = [];
    let job: Job<{ out: DataStream<number> }> | undefined;
    scheduler.run(({ flush }) => {
      const slow = DataStream.from(
        (async function* () {
          yield 1;
        })(),
      );
      job = connect({ out: slow.map((x) => x + 1).name('plus') }, { scheduler, metricsInterval: 100 });
      job.metrics$.subscribe((m) => seen.push(m));
      job.start();
      scheduler.schedule(() => void job!.stop(), 250);
      flush();
    });
    // The last snapshot comes once the job has ended (its closing work is asynchronous).
    await job!.done;
    expect(seen.map((m) => m.at)).toEqual([100, 200, 250]);
    expect(seen.at(-1)!.state).toBe('stopped');
    expect(seen[0]!.operators.plus).toMatchObject({ kind: 'map' });
    expect(seen[0]!.checkpoints.completed).toBe(0);
  });

  it("the last snapshot counts the job's last checkpoint", async () => {
    const job = connect(
      {
        out: DataStream.from([1, 2, 3])
          .map((x) => x * 2)
          .name('double'),
      },
      { checkpoints: { storage: new InMemoryCheckpointStorage() } },
    );
    const seen: JobMetrics[] = [];
    job.metrics$.subscribe((m) => seen.push(m));
    job.start();
    await job.done;
    expect(job.checkpoints.completed).toBe(1);
    expect(seen.at(-1)).toMatchObject({ state: 'finished', checkpoints: { completed: 1 } });
  });
});
