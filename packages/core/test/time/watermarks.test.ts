import { type Observable, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  connect,
  DataStream,
  execute,
  IllegalArgumentError,
  INVALID,
  type TimelineItem,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index';
import { mergeWatermarks } from '../../src/operator';
import { rec, wm } from '../helpers/run';

type R = { t: number };
const byT =
  <X extends R>() =>
  (x: X) =>
    x.t;

describe('WatermarkStrategy.forBoundedOutOfOrderness', () => {
  it('emits max timestamp − bound − 1 after each record that raises the maximum', async () => {
    const tl = await DataStream.from<R>([{ t: 100 }, { t: 90 }, { t: 150 }, { t: 150 }, { t: 120 }])
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forBoundedOutOfOrderness<R>(20).withTimestampAssigner(byT()),
      )
      .collectTimeline();
    expect(tl).toEqual([
      { value: { t: 100 }, timestamp: 100 },
      { watermark: 79 },
      { value: { t: 90 }, timestamp: 90 },
      { value: { t: 150 }, timestamp: 150 },
      { watermark: 129 },
      { value: { t: 150 }, timestamp: 150 },
      { value: { t: 120 }, timestamp: 120 },
      { watermark: Number.POSITIVE_INFINITY },
    ]);
  });

  it('rejects a negative bound', () => {
    expect(() => WatermarkStrategy.forBoundedOutOfOrderness(-1)).toThrow(IllegalArgumentError);
    expect(() => WatermarkStrategy.forBoundedOutOfOrderness(-1)).toThrow(/forBoundedOutOfOrderness/);
  });
});

describe('WatermarkStrategy.forMonotonousTimestamps', () => {
  it('emits max timestamp − 1', async () => {
    const tl = await DataStream.from<R>([{ t: 5 }, { t: 7 }])
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner(byT()),
      )
      .collectTimeline();
    expect(tl.filter((x) => 'watermark' in x)).toEqual([
      { watermark: 4 },
      { watermark: 6 },
      { watermark: Infinity },
    ]);
  });
});

describe('timestamp assignment', () => {
  it('replaces upstream watermarks except the final +∞', async () => {
    const tl = await DataStream.fromTimeline<R>([rec({ t: 10 }, 1), wm(1000), rec({ t: 20 }, 2)])
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner(byT()),
      )
      .collectTimeline();
    expect(tl).toEqual([
      { value: { t: 10 }, timestamp: 10 },
      { watermark: 9 },
      { value: { t: 20 }, timestamp: 20 },
      { watermark: 19 },
      { watermark: Infinity },
    ]);
  });

  it('keeps the incoming timestamp when no assigner is given', async () => {
    const tl = await DataStream.fromTimeline([rec('a', 42)])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<string>())
      .collectTimeline();
    expect(tl).toEqual([{ value: 'a', timestamp: 42 }, { watermark: 41 }, { watermark: Infinity }]);
  });

  it('routes non-finite timestamps to the invalid output, counted, without moving the watermark', async () => {
    const input: (R | { t: unknown })[] = [
      { t: 10 },
      { t: Number.NaN },
      { t: 'soon' },
      { t: Infinity },
      { t: 30 },
    ];
    const stamped = DataStream.from(input as R[]).assignTimestampsAndWatermarks(
      WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner(byT()),
    );
    const { outputs, metrics } = await execute({ main: stamped, invalid: stamped.getSideOutput(INVALID) });
    expect(outputs.main).toEqual([{ t: 10 }, { t: 30 }]);
    expect(outputs.invalid.map((i) => i.reason)).toEqual([
      'timestamp is not a finite number: NaN',
      'timestamp is not a finite number: soon',
      'timestamp is not a finite number: Infinity',
    ]);
    expect(outputs.invalid[0]!.operator).toBe('timestamps-2');
    expect(metrics['timestamps-2']!.invalid).toBe(3);
  });

  it('calls custom generators per record: onEvent then onPeriodicEmit', async () => {
    const calls: string[] = [];
    const strategy = WatermarkStrategy.forGenerator<R>(() => ({
      onEvent(event, ts) {
        calls.push(`event ${event.t}@${ts}`);
      },
      onPeriodicEmit(out) {
        calls.push('periodic');
        out.emitWatermark(calls.length);
      },
    })).withTimestampAssigner(byT());
    const tl = await DataStream.from<R>([{ t: 1 }, { t: 2 }])
      .assignTimestampsAndWatermarks(strategy)
      .collectTimeline();
    expect(calls).toEqual(['event 1@1', 'periodic', 'event 2@2', 'periodic']);
    expect(tl.filter((x) => 'watermark' in x)).toEqual([
      { watermark: 2 },
      { watermark: 4 },
      { watermark: Infinity },
    ]);
  });
});

describe('union: the minimum watermark of its inputs', () => {
  it('holds the watermark at the slowest input', async () => {
    const fast = new Subject<R>();
    const slow = new Subject<R>();
    const strategy = WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner(byT());
    const merged = DataStream.from(fast)
      .assignTimestampsAndWatermarks(strategy)
      .union(DataStream.from(slow).assignTimestampsAndWatermarks(strategy));
    const job = connect({ merged });
    const items: TimelineItem<R>[] = [];
    job.timelines.merged.subscribe((x) => items.push(x));
    job.start();
    fast.next({ t: 100 });
    fast.next({ t: 200 });
    slow.next({ t: 50 });
    slow.next({ t: 300 });
    fast.next({ t: 400 });
    fast.complete();
    slow.complete();
    expect(items.filter((x) => 'watermark' in x)).toEqual([
      { watermark: 49 }, // both inputs have spoken: min(199, 49)
      { watermark: 199 }, // min(199, 299)
      { watermark: 299 }, // min(399, 299)
      { watermark: Infinity },
    ]);
  });

  it('mergeWatermarks leaves idle and not-yet-aligned inputs out', () => {
    expect(
      mergeWatermarks([
        { watermark: 5, idle: false, aligned: true },
        { watermark: 1, idle: true, aligned: false },
      ]),
    ).toEqual({ watermark: 5, allIdle: false });
    expect(
      mergeWatermarks([
        { watermark: 5, idle: false, aligned: true },
        { watermark: 1, idle: false, aligned: false },
      ]),
    ).toEqual({ watermark: 5, allIdle: false });
    expect(mergeWatermarks([{ watermark: 5, idle: true, aligned: false }])).toEqual({
      watermark: -Infinity,
      allIdle: true,
    });
  });
});

/** Unions two inputs with idleness `timeoutMs` on `scheduler`; records [virtual time, watermark] pairs. */
function unionWatermarks(scheduler: TestScheduler, a: Observable<R>, b: Observable<R>, timeoutMs: number) {
  const strategy = WatermarkStrategy.forMonotonousTimestamps<R>()
    .withTimestampAssigner(byT())
    .withIdleness(timeoutMs, scheduler);
  const merged = DataStream.from(a)
    .assignTimestampsAndWatermarks(strategy)
    .union(DataStream.from(b).assignTimestampsAndWatermarks(strategy));
  const job = connect({ merged });
  const seen: [number, number][] = [];
  job.timelines.merged.subscribe((x) => {
    if ('watermark' in x) seen.push([scheduler.now(), x.watermark]);
  });
  job.start();
  return seen;
}

describe('idleness in virtual time', () => {
  it('stops an idle input from holding the watermark back, and resumes it on its next record', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, flush }) => {
      // 1 frame = 1 virtual ms. `fast` sends t = 1000·(i+1) at frame 10·i for i = 0…15 and ends at 151;
      // `quiet` sends t = 500 at 0, falls silent, sends t = 4500 at 100 and ends at 135.
      const letters = 'abcdefghijklmnop'.split('');
      const fastValues = Object.fromEntries(letters.map((l, i) => [l, { t: 1000 * (i + 1) }]));
      const fast = cold<R>(`${letters.join(' 9ms ')}|`, fastValues);
      const quiet = cold<R>('q 99ms r 34ms |', { q: { t: 500 }, r: { t: 4500 } });
      const seen = unionWatermarks(scheduler, fast, quiet, 25);
      flush();
      expect(seen).toEqual([
        [0, 499], // min(999, 499)
        // quiet has sent nothing for 25 ms: idle, so the watermark follows fast alone
        [25, 2999],
        [30, 3999],
        [40, 4999],
        [50, 5999],
        [60, 6999],
        [70, 7999],
        [80, 8999],
        [90, 9999],
        [100, 10999],
        // quiet's record at 100 makes it active again, but with 4499 it is behind the output:
        // like Flink's watermark valve, it rejoins the minimum only once it catches up
        [110, 11999],
        [120, 12999],
        [130, 13999],
        [140, 14999],
        [150, 15999],
        [151, Infinity],
      ]);
    });
  });

  it('when every input is idle, moves to the highest input watermark', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, flush }) => {
      const a = cold<R>('a 49ms |', { a: { t: 1000 } });
      const b = cold<R>('b 59ms |', { b: { t: 500 } });
      const seen = unionWatermarks(scheduler, a, b, 10);
      flush();
      // both idle at 10: nothing can hold the watermark back any more, so it flushes to 999;
      // a ends at 50 and, b being idle, its +∞ ends the union's time
      expect(seen).toEqual([
        [0, 499],
        [10, 999],
        [50, Infinity],
      ]);
    });
  });

  it('rejects a non-positive timeout', () => {
    expect(() => WatermarkStrategy.forMonotonousTimestamps().withIdleness(0)).toThrow(/withIdleness/);
  });
});

describe('windows downstream of a union', () => {
  it('fire by the minimum watermark', async () => {
    const a = DataStream.fromTimeline([rec(1, 5), wm(100)]);
    const b = DataStream.fromTimeline([rec(2, 6), wm(8)]);
    const tl = await a
      .union(b)
      .windowAll(TumblingEventTimeWindows.of(10))
      .reduce((x, y) => x + y)
      .collectTimeline();
    // a runs to its end first (synchronous sources start in order); its watermarks wait for b's,
    // and by then a is at +∞, so the output goes from b's 8 straight to +∞
    expect(tl).toEqual([{ watermark: 8 }, { value: 3, timestamp: 9 }, { watermark: Infinity }]);
  });
});
