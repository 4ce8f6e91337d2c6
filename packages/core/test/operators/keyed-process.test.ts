import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  connect,
  DataStream,
  type KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  OutputTag,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index';
import { rec, wm } from '../helpers/run';

type Ev = { meter: string; kWh: number };
const ev = (meter: string, kWh: number, t: number) => rec<Ev>({ meter, kWh }, t);

/** Emits, per meter, a total when the meter has been silent for 100 ms of event time. */
const silenceAlert = (): KeyedProcessFunction<string, Ev, string> => {
  const total = new ValueStateDescriptor<number>('total', 0);
  const deadline = new ValueStateDescriptor<number>('deadline');
  return {
    processElement(e, ctx) {
      ctx.getState(total).update((ctx.getState(total).value() ?? 0) + e.kWh);
      const old = ctx.getState(deadline).value();
      if (old !== undefined) ctx.timerService.deleteEventTimeTimer(old);
      ctx.getState(deadline).update(ctx.timestamp + 100);
      ctx.timerService.registerEventTimeTimer(ctx.timestamp + 100);
    },
    onTimer(t, ctx, out) {
      out.collect(`${ctx.key} silent at ${t}, total ${ctx.getState(total).value()}`);
      ctx.getState(total).clear();
      ctx.getState(deadline).clear();
    },
  };
};

describe('KeyedStream.process', () => {
  it('keeps state per key and fires event-time timers when the watermark passes them', async () => {
    const items = [ev('a', 1, 0), ev('b', 5, 10), ev('a', 2, 50), wm(110), ev('b', 1, 120), wm(150), wm(300)];
    const tl = await DataStream.fromTimeline(items)
      .keyBy((e) => e.meter)
      .process(silenceAlert())
      .collectTimeline();
    expect(tl).toEqual([
      // a's first timer (100) was deleted when its deadline moved to 150; b's at 110 fires
      { value: 'b silent at 110, total 5', timestamp: 110 },
      { watermark: 110 },
      { value: 'a silent at 150, total 3', timestamp: 150 },
      { watermark: 150 },
      { value: 'b silent at 220, total 1', timestamp: 220 },
      { watermark: 300 },
      { watermark: Infinity },
    ]);
  });

  it('gives list and map state, side outputs, and the current watermark', async () => {
    const seen = new ListStateDescriptor<number>('seen');
    const counts = new MapStateDescriptor<string, number>('counts');
    const odd = new OutputTag<number>('odd');
    const stream = DataStream.fromTimeline([rec(1, 1), rec(2, 2), wm(5), rec(3, 6), rec(4, 7)])
      .keyBy((n) => (n % 2 === 0 ? 'even' : 'odd'))
      .process<string>({
        processElement(n, ctx, out) {
          ctx.getListState(seen).add(n);
          const m = ctx.getMapState(counts);
          m.put('n', (m.get('n') ?? 0) + 1);
          if (n % 2 === 1) ctx.output(odd, n);
          out.collect(
            `${ctx.key}:${ctx.getListState(seen).get().join('+')} n=${m.get('n')} wm=${ctx.timerService.currentWatermark()}`,
          );
        },
      });
    const job = connect({ main: stream, odd: stream.getSideOutput(odd) });
    const main: string[] = [];
    const odds: number[] = [];
    job.outputs.main.subscribe((x) => main.push(x));
    job.outputs.odd.subscribe((x) => odds.push(x));
    job.start();
    await job.done;
    expect(main).toEqual([
      'odd:1 n=1 wm=-Infinity',
      'even:2 n=1 wm=-Infinity',
      'odd:1+3 n=2 wm=5',
      'even:2+4 n=2 wm=5',
    ]);
    expect(odds).toEqual([1, 3]);
  });

  it('counts keys held and releases keys whose state and timers are gone', () => {
    const input = new Subject<Ev & { t: number }>();
    const stream = DataStream.from(input)
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<Ev & { t: number }>().withTimestampAssigner((e) => e.t),
      )
      .keyBy((e) => e.meter)
      .process(silenceAlert())
      .name('alerts');
    const job = connect({ stream });
    const alerts: string[] = [];
    job.outputs.stream.subscribe((a) => alerts.push(a));
    job.start();
    input.next({ meter: 'a', kWh: 1, t: 0 });
    input.next({ meter: 'b', kWh: 1, t: 10 });
    expect(job.metrics().alerts!.keysHeld).toBe(2);
    input.next({ meter: 'c', kWh: 1, t: 500 }); // watermark 499 fires a's and b's timers
    expect(alerts).toEqual(['a silent at 100, total 1', 'b silent at 110, total 1']);
    expect(job.metrics().alerts!.keysHeld).toBe(1);
    job.stop();
  });

  it('rejects a NaN timer with a clear error', async () => {
    const err = await DataStream.from(['x'])
      .keyBy((x) => x)
      .process({
        processElement(_x, ctx) {
          ctx.timerService.registerEventTimeTimer(ctx.timestamp + 1);
        },
      })
      .collect()
      .catch((e: Error) => e.message);
    expect(err).toMatch(/registerEventTimeTimer: timestamp must be a number, got NaN/);
  });

  it('registering the same timer twice fires it once', async () => {
    const out = await DataStream.fromTimeline([rec('k', 1), rec('k', 2)])
      .keyBy((x) => x)
      .process<number>({
        processElement(_x, ctx) {
          ctx.timerService.registerEventTimeTimer(10);
        },
        onTimer(t, _ctx, o) {
          o.collect(t);
        },
      })
      .collect();
    expect(out).toEqual([10]);
  });
});
