import { describe, expect, it } from 'vitest';
import { DataStream, EventTimeSessionWindows, IllegalArgumentError, OutputTag } from '../../src/index';
import { rec, runWithSides, wm } from '../helpers/run';

type E = { key: string; v: number };
const e = (key: string, v: number, t: number) => rec<E>({ key, v }, t);

function sessions(items: Parameters<typeof DataStream.fromTimeline<E>>[0], gap: number, lateness = 0) {
  return DataStream.fromTimeline(items)
    .keyBy((x) => x.key)
    .window(EventTimeSessionWindows.withGap(gap))
    .allowedLateness(lateness)
    .process((key, ctx, els) => [
      `${key}@[${ctx.window.start},${ctx.window.end}) = ${els.map((x) => x.v).join(',')}`,
    ]);
}

describe('event-time session windows', () => {
  it('groups elements closer than the gap and splits on longer silences', async () => {
    const items = [e('a', 1, 0), e('a', 2, 2000), e('a', 3, 6000), e('b', 4, 1000)];
    // all fire at the end of input, in order of window end
    expect(await sessions(items, 3000).collect()).toEqual([
      'b@[1000,4000) = 4',
      'a@[0,5000) = 1,2',
      'a@[6000,9000) = 3',
    ]);
  });

  it('merges windows that only touch (Flink intersects on equal bounds)', async () => {
    const items = [e('a', 1, 0), e('a', 2, 3000)];
    expect(await sessions(items, 3000).collect()).toEqual(['a@[0,6000) = 1,2']);
  });

  it('bridges two sessions with an element that falls between them', async () => {
    const items = [e('a', 1, 0), e('a', 2, 10_000), e('a', 3, 5000), wm(20_000)];
    const tl = await sessions(items, 5000).collectTimeline();
    // merged sessions keep their elements in session order; the bridging element comes last
    expect(tl[0]).toEqual({ value: 'a@[0,15000) = 1,2,3', timestamp: 14_999 });
  });

  it('fires at the merged window end and not at the end of a swallowed window', async () => {
    const items = [e('a', 1, 0), e('a', 2, 2000), wm(2999), wm(3999), wm(4999)];
    const tl = await sessions(items, 3000).collectTimeline();
    expect(tl).toEqual([
      { watermark: 2999 },
      { watermark: 3999 },
      { value: 'a@[0,5000) = 1,2', timestamp: 4999 },
      { watermark: 4999 },
      { watermark: Number.POSITIVE_INFINITY },
    ]);
  });

  it('extends a fired session within the allowed lateness and fires it again', async () => {
    const items = [e('a', 1, 0), wm(2999), e('a', 2, 1000), wm(3500), e('a', 3, 100)];
    const late = new OutputTag<E>('late');
    const stream = DataStream.fromTimeline(items)
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(3000))
      .allowedLateness(1000)
      .sideOutputLateData(late)
      .process((key, ctx, els) => [
        `${key}@[${ctx.window.start},${ctx.window.end}) = ${els.map((x) => x.v).join(',')}`,
      ]);
    const { main, late: lateOut } = await runWithSides(stream, late);
    // [0,3000) fires at 2999; the element at 1000 merges into [0,4000), whose end − 1 = 3999 is
    // still ahead of the watermark, so it fires at 3999 (here: at end of input); the element at
    // 100 joins [0,4000) before that.
    expect(main).toEqual(['a@[0,3000) = 1', 'a@[0,4000) = 1,2,3']);
    expect(lateOut).toEqual([]);
  });

  it('drops an element whose merged session would already be past its lateness', async () => {
    const items = [e('a', 1, 0), wm(10_000), e('a', 2, 1000)];
    const late = new OutputTag<E>('late');
    const stream = DataStream.fromTimeline(items)
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(3000))
      .sideOutputLateData(late)
      .reduce((x, y) => ({ key: x.key, v: x.v + y.v }));
    const { main, late: lateOut } = await runWithSides(stream, late);
    expect(main).toEqual([{ key: 'a', v: 1 }]);
    expect(lateOut).toEqual([{ key: 'a', v: 2 }]);
  });

  it('merges reduce and aggregate accumulators', async () => {
    const items = [e('a', 1, 0), e('a', 2, 10_000), e('a', 4, 5000)];
    const keyed = DataStream.fromTimeline(items).keyBy((x) => x.key);
    const reduced = await keyed
      .window(EventTimeSessionWindows.withGap(5000))
      .reduce((x, y) => ({ key: x.key, v: x.v + y.v }))
      .collect();
    expect(reduced).toEqual([{ key: 'a', v: 7 }]);
    const counted = await keyed
      .window(EventTimeSessionWindows.withGap(5000))
      .aggregate({
        createAccumulator: () => 0,
        add: (_x: E, n: number) => n + 1,
        getResult: (n: number) => n,
        merge: (a: number, b: number) => a + b,
      })
      .collect();
    expect(counted).toEqual([3]);
  });

  it('requires merge() on an AggregateFunction used with sessions', () => {
    const keyed = DataStream.fromTimeline<E>([]).keyBy((x) => x.key);
    expect(() =>
      keyed.window(EventTimeSessionWindows.withGap(5)).aggregate({
        createAccumulator: () => 0,
        add: (_x: E, n: number) => n + 1,
        getResult: (n: number) => n,
      }),
    ).toThrow(IllegalArgumentError);
  });
});

describe('session lateness (cases from Flink’s window operator tests)', () => {
  // gap 3 s, values summed; output "key-sum" with the window, at end − 1
  const items = (late: number) => [
    e('key2', 1, 1000),
    wm(1999),
    e('key2', 1, 2000),
    wm(4998),
    e('key2', 1, 4500), // joins [1000, 5000): the merged session ends after the watermark
    e('key2', 1, 8500), // a new session
    wm(7400),
    e('key2', 1, 7000), // bridges both sessions
    wm(11501),
    e('key2', 1, 11600),
    wm(14600),
    e('key2', 1, late),
    e('key2', 1, 14500),
    wm(20000),
    wm(100000),
  ];
  const run = (lateness: number, late: number) =>
    DataStream.fromTimeline(items(late))
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(3000))
      .allowedLateness(lateness)
      .reduce(
        (x, y) => ({ key: x.key, v: x.v + y.v }),
        (key, ctx, [sum], out: { collect(s: string): void }) =>
          out.collect(`${key}-${sum!.v} [${ctx.window.start},${ctx.window.end})`),
      )
      .collectTimeline();

  it('zero lateness: an element that would merge into a closed session is dropped', async () => {
    expect((await run(0, 10000)).filter((x) => 'value' in x)).toEqual([
      { value: 'key2-5 [1000,11500)', timestamp: 11499 },
      { value: 'key2-1 [11600,14600)', timestamp: 14599 },
      { value: 'key2-1 [14500,17500)', timestamp: 17499 },
    ]);
  });

  it('with lateness: the element merges into the fired session, fires it again, and the session grows', async () => {
    expect((await run(10, 10000)).filter((x) => 'value' in x)).toEqual([
      { value: 'key2-5 [1000,11500)', timestamp: 11499 },
      { value: 'key2-1 [11600,14600)', timestamp: 14599 },
      { value: 'key2-2 [10000,14600)', timestamp: 14599 },
      { value: 'key2-3 [10000,17500)', timestamp: 17499 },
    ]);
  });
});
