import { describe, expect, it } from 'vitest';
import {
  DataStream,
  OutputTag,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  type WindowContext,
} from '../../src/index';
import { rec, runWithSides, wm } from '../helpers/run';

type E = { key: string; v: number };
const e = (key: string, v: number, t: number) => rec<E>({ key, v }, t);

/** Describes each firing as "key@[start,end) = values" with the watermark that fired it. */
function describeFirings(stream: DataStream<E>, size: number, lateness = 0, lateTag?: OutputTag<E>) {
  let w = stream.keyBy((x) => x.key).window(TumblingEventTimeWindows.of(size));
  if (lateness) w = w.allowedLateness(lateness);
  if (lateTag) w = w.sideOutputLateData(lateTag);
  return w.process((key, ctx: WindowContext<string>, els) => [
    `${key}@[${ctx.window.start},${ctx.window.end}) wm=${ctx.currentWatermark} = ${els.map((x) => x.v).join(',')}`,
  ]);
}

describe('tumbling event-time windows', () => {
  it('fires when the watermark reaches end - 1, not before', async () => {
    const items = [e('a', 1, 0), e('a', 2, 999), wm(998), e('a', 3, 500), wm(999), e('a', 4, 1000), wm(1998)];
    const tl = await describeFirings(DataStream.fromTimeline(items), 1000).collectTimeline();
    expect(tl).toEqual([
      { watermark: 998 },
      { value: 'a@[0,1000) wm=999 = 1,2,3', timestamp: 999 },
      { watermark: 999 },
      { watermark: 1998 },
      // end of input: +∞ fires the rest
      { value: 'a@[1000,2000) wm=Infinity = 4', timestamp: 1999 },
      { watermark: Number.POSITIVE_INFINITY },
    ]);
  });

  it('drops and counts records behind the watermark without allowed lateness', async () => {
    const items = [e('a', 1, 10), wm(999), e('a', 2, 20), e('b', 3, 1500)];
    const { main, metrics } = await runWithSides(describeFirings(DataStream.fromTimeline(items), 1000));
    expect(main).toEqual(['a@[0,1000) wm=999 = 1', 'b@[1000,2000) wm=Infinity = 3']);
    const window = Object.values(metrics).find((m) => m.kind === 'window')!;
    expect(window.lateDropped).toBe(1);
    expect(window.recordsIn).toBe(3);
  });

  it('sends late records to the side output with their timestamps', async () => {
    const late = new OutputTag<E>('late');
    const items = [e('a', 1, 10), wm(999), e('a', 2, 20), e('a', 5, 999)];
    const stream = describeFirings(DataStream.fromTimeline(items), 1000, 0, late);
    const { main, late: lateOut, metrics } = await runWithSides(stream, late);
    expect(main).toEqual(['a@[0,1000) wm=999 = 1']);
    expect(lateOut).toEqual([
      { key: 'a', v: 2 },
      { key: 'a', v: 5 },
    ]);
    const window = Object.values(metrics).find((m) => m.kind === 'window')!;
    expect(window.lateSideOutput).toBe(2);
    expect(window.lateDropped).toBe(0);
  });

  it('fires again for each record within the allowed lateness, then cleans up', async () => {
    const items = [
      e('a', 1, 10),
      wm(999), // fires [0,1000)
      e('a', 2, 20), // within lateness: late firing with 1,2
      wm(1498), // cleanup at 999 + 500 = 1499 not reached
      e('a', 3, 30), // still within: fires with 1,2,3
      wm(1499), // cleanup
      e('a', 4, 40), // late now
    ];
    const late = new OutputTag<E>('late');
    const {
      main,
      late: lateOut,
      metrics,
    } = await runWithSides(describeFirings(DataStream.fromTimeline(items), 1000, 500, late), late);
    expect(main).toEqual(['a@[0,1000) wm=999 = 1', 'a@[0,1000) wm=999 = 1,2', 'a@[0,1000) wm=1498 = 1,2,3']);
    expect(lateOut).toEqual([{ key: 'a', v: 4 }]);
    const window = Object.values(metrics).find((m) => m.kind === 'window')!;
    expect(window.openWindows).toBe(0);
    expect(window.keysHeld).toBe(0);
  });

  it('fires a window created within lateness at once (first record arrives after end - 1)', async () => {
    const items = [wm(1200), e('a', 7, 900)];
    const { main } = await runWithSides(describeFirings(DataStream.fromTimeline(items), 1000, 500));
    expect(main).toEqual(['a@[0,1000) wm=1200 = 7']);
  });

  it('keeps keys apart and fires windows in timestamp order', async () => {
    const items = [e('b', 1, 1500), e('a', 2, 10), e('a', 3, 1100), e('b', 4, 20)];
    const { main } = await runWithSides(describeFirings(DataStream.fromTimeline(items), 1000));
    expect(main).toEqual([
      'a@[0,1000) wm=Infinity = 2',
      'b@[0,1000) wm=Infinity = 4',
      'b@[1000,2000) wm=Infinity = 1',
      'a@[1000,2000) wm=Infinity = 3',
    ]);
  });

  it('handles negative timestamps and offsets', async () => {
    const items = [e('a', 1, -1), e('a', 2, -1000), e('a', 3, -1001), e('a', 4, 0)];
    const out = await DataStream.fromTimeline(items)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(1000, 1))
      .process((_k, ctx, els) => [[ctx.window.start, ctx.window.end, els.map((x) => x.v)]])
      .collect();
    expect(out).toEqual([
      [-1999, -999, [2, 3]],
      [-999, 1, [1, 4]],
    ]);
  });

  it('reduce emits the reduced value with timestamp end - 1', async () => {
    const items = [e('a', 1, 0), e('a', 2, 5), e('b', 10, 3)];
    const tl = await DataStream.fromTimeline(items)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(10))
      .reduce((x, y) => ({ key: x.key, v: x.v + y.v }))
      .collectTimeline();
    expect(tl).toEqual([
      { value: { key: 'a', v: 3 }, timestamp: 9 },
      { value: { key: 'b', v: 10 }, timestamp: 9 },
      { watermark: Number.POSITIVE_INFINITY },
    ]);
  });

  it('aggregate uses createAccumulator/add/getResult and passes the result to the window function', async () => {
    const avg = {
      createAccumulator: () => ({ sum: 0, n: 0 }),
      add: (x: E, acc: { sum: number; n: number }) => ({ sum: acc.sum + x.v, n: acc.n + 1 }),
      getResult: (acc: { sum: number; n: number }) => acc.sum / acc.n,
      merge: (a: { sum: number; n: number }, b: { sum: number; n: number }) => ({
        sum: a.sum + b.sum,
        n: a.n + b.n,
      }),
    };
    const items = [e('a', 1, 0), e('a', 2, 5), e('a', 6, 12)];
    const keyed = DataStream.fromTimeline(items).keyBy((x) => x.key);
    const plain = await keyed.window(TumblingEventTimeWindows.of(10)).aggregate(avg).collect();
    expect(plain).toEqual([1.5, 6]);
    const withWindow = await keyed
      .window(TumblingEventTimeWindows.of(10))
      .aggregate(avg, (key, ctx, [mean], out) => out.collect(`${key} ${ctx.window.start} ${mean}`))
      .collect();
    expect(withWindow).toEqual(['a 0 1.5', 'a 10 6']);
  });

  it('windowAll groups the whole stream', async () => {
    const items = [e('a', 1, 0), e('b', 2, 5), e('c', 3, 15)];
    const out = await DataStream.fromTimeline(items)
      .windowAll(TumblingEventTimeWindows.of(10))
      .process((ctx, els) => [`${ctx.window.start}:${els.map((x) => x.key).join('')}`])
      .collect();
    expect(out).toEqual(['0:ab', '10:c']);
  });
});

describe('dropping late elements (cases from Flink’s window operator tests)', () => {
  const sum = (x: E, y: E) => ({ key: x.key, v: x.v + y.v });
  const show = (tl: { value?: E; timestamp?: number; watermark?: number }[]) =>
    tl.map((x) => ('watermark' in x ? `W${x.watermark}` : `${x.value!.key}:${x.value!.v}@${x.timestamp}`));

  it('tumbling, zero lateness', async () => {
    const items = [
      e('key2', 1, 1000),
      wm(1985),
      e('key2', 1, 1980),
      wm(1999),
      e('key2', 1, 1998),
      e('key2', 1, 2001),
      wm(2999),
      wm(3999),
    ];
    const tl = await DataStream.fromTimeline(items)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(2000))
      .reduce(sum)
      .collectTimeline();
    expect(show(tl)).toEqual(['W1985', 'key2:2@1999', 'W1999', 'W2999', 'key2:1@3999', 'W3999', 'WInfinity']);
  });

  it('sliding, zero lateness: an element still counts in its windows that are not late', async () => {
    const items = [
      e('key2', 1, 1000),
      wm(1999),
      e('key2', 1, 2000),
      wm(3000),
      e('key1', 1, 3001),
      e('key2', 1, 2400),
      e('key2', 1, 2400),
      e('key1', 1, 3001),
      e('key2', 1, 3900),
      wm(6000),
      e('key1', 1, 3001),
      wm(25000),
    ];
    const tl = await DataStream.fromTimeline(items)
      .keyBy((x) => x.key)
      .window(SlidingEventTimeWindows.of(3000, 1000))
      .reduce(sum)
      .collectTimeline();
    const records = show(tl.filter((x) => 'value' in x)).sort();
    expect(records).toEqual(
      [
        'key2:1@1999',
        'key2:2@2999',
        'key2:5@3999',
        'key1:2@3999',
        'key2:4@4999',
        'key1:2@4999',
        'key2:1@5999',
        'key1:2@5999',
      ].sort(),
    );
  });
});

describe('tumbling windows of varying length (windowEnd)', () => {
  // Boundaries at 0, 10, 30, 35, 60: windows of 10, 20, 5 and 25 ms, like calendar days across DST.
  const bounds = [0, 10, 30, 35, 60];
  const varying = {
    kind: 'tumbling' as const,
    size: 25,
    isMerging: false,
    assign(t: number, starts: number[]) {
      starts[0] = bounds.filter((b) => b <= t).at(-1)!;
      return 1;
    },
    windowEnd: (start: number) => bounds[bounds.indexOf(start) + 1]!,
  };

  it('fires each window at its own end − 1 and reports its own bounds', async () => {
    const items = [
      e('a', 1, 3),
      e('a', 2, 12),
      e('a', 3, 29),
      wm(29),
      e('a', 4, 31),
      wm(34),
      e('a', 5, 59),
      e('a', 6, 40),
    ];
    const tl = await DataStream.fromTimeline(items)
      .keyBy((x) => x.key)
      .window(varying)
      .process((key, ctx: WindowContext<string>, els) => [
        `${key}@[${ctx.window.start},${ctx.window.end}) = ${els.map((x) => x.v).join(',')}`,
      ])
      .collectTimeline();
    expect(tl).toEqual([
      { value: 'a@[0,10) = 1', timestamp: 9 },
      { value: 'a@[10,30) = 2,3', timestamp: 29 },
      { watermark: 29 },
      { value: 'a@[30,35) = 4', timestamp: 34 },
      { watermark: 34 },
      { value: 'a@[35,60) = 5,6', timestamp: 59 },
      { watermark: Number.POSITIVE_INFINITY },
    ]);
  });
});
