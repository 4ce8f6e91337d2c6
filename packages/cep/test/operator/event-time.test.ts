import { connect, DataStream, execute, OutputTag, type TimelineItem } from '@eventide/core';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { CEP, type Match, Pattern } from '../../src/index';

interface R {
  meter: string;
  kWh: number;
}
const r = (meter: string, kWh: number, timestamp: number): TimelineItem<R> => ({
  value: { meter, kWh },
  timestamp,
});
const wm = (watermark: number): TimelineItem<R> => ({ watermark });
const ids = (m: Match<R>) =>
  Object.entries(m)
    .map(([k, es]) => `${k}=${es.map((e) => `${e.meter}:${e.kWh}`).join(',')}`)
    .join(' ');

const twoHigh = Pattern.begin<R>('first')
  .where((x) => x.kWh > 1)
  .next('second')
  .where((x) => x.kWh > 1);

describe('CEP in event time', () => {
  it('holds events until the watermark passes them, then matches them in timestamp order, per key', async () => {
    const items = [
      r('m1', 2, 20),
      r('m2', 5, 5),
      r('m1', 3, 10),
      wm(14),
      r('m1', 0, 15),
      r('m2', 6, 30),
      wm(40),
    ];
    const tl = await CEP.pattern(
      DataStream.fromTimeline(items).keyBy((x) => x.meter),
      twoHigh,
    )
      .select(ids)
      .collectTimeline();
    expect(tl).toEqual([
      // at watermark 14, m2@5 and m1@10 are due; at 40, m1@15 (0 kWh) comes between m1@10 and
      // m1@20 in event time (though it arrived last) and breaks the strict pair
      { watermark: 14 },
      { value: 'first=m2:5 second=m2:6', timestamp: 30 },
      { watermark: 40 },
      { watermark: Infinity },
    ]);
  });

  it('without keyBy, matches over the whole stream', async () => {
    const items = [r('m1', 2, 1), r('m2', 3, 2)];
    const out = await CEP.pattern(DataStream.fromTimeline(items), twoHigh).select(ids).collect();
    expect(out).toEqual(['first=m1:2 second=m2:3']);
  });

  it('treats events at or behind the watermark as late: counted, or side output', async () => {
    const late = new OutputTag<R>('late');
    const items = [r('m1', 2, 10), wm(10), r('m1', 3, 10), r('m1', 4, 9), r('m1', 5, 11)];
    const matches = CEP.pattern(
      DataStream.fromTimeline(items).keyBy((x) => x.meter),
      twoHigh,
    )
      .sideOutputLateData(late)
      .select(ids)
      .name('cep');
    const { outputs, metrics } = await execute({ matches, late: matches.getSideOutput(late) });
    expect(outputs.matches).toEqual(['first=m1:2 second=m1:5']);
    expect(outputs.late.map((x) => x.kWh)).toEqual([3, 4]);
    expect(metrics.cep).toMatchObject({ recordsIn: 4, lateSideOutput: 2 });
    expect(metrics.cep!.custom).toMatchObject({ matches: 1 });
  });

  it('orders events with equal timestamps by arrival, or by the comparator', async () => {
    const items = [r('m', 2, 5), r('m', 9, 5), r('m', 3, 5)];
    const rising = Pattern.begin<R>('a')
      .next('b')
      .where((x, ctx) => x.kWh > ctx.eventsForPattern('a')[0]!.kWh);
    const byArrival = await CEP.pattern(DataStream.fromTimeline(items), rising).select(ids).collect();
    expect(byArrival).toEqual(['a=m:2 b=m:9']);
    const sorted = await CEP.pattern(DataStream.fromTimeline(items), rising)
      .withComparator((x, y) => x.kWh - y.kWh)
      .select(ids)
      .collect();
    expect(sorted).toEqual(['a=m:2 b=m:3', 'a=m:3 b=m:9']);
  });

  it('times out partial matches on the watermark, even if the key never sends again', () => {
    const timeouts = new OutputTag<string>('timeouts');
    const p = Pattern.begin<R>('a')
      .where((x) => x.kWh > 1)
      .followedBy('b')
      .where((x) => x.kWh > 1)
      .within(100);
    // a stream whose watermarks come from the timeline: m1 starts at 10 and then falls silent
    const matches = CEP.pattern(
      DataStream.fromTimeline([r('m1', 5, 10), r('m2', 0, 50), wm(109), wm(110), r('m2', 0, 200)]).keyBy(
        (x) => x.meter,
      ),
      p,
    ).select(timeouts, (m, t) => `timeout ${ids(m)} at ${t}`, ids);
    const job = connect({ matches, timeouts: matches.getSideOutput(timeouts) });
    const seen: string[] = [];
    job.timelines.timeouts.subscribe((x) =>
      seen.push('value' in x ? `${x.value} @${x.timestamp}` : `wm ${x.watermark}`),
    );
    job.start();
    expect(seen).toEqual(['wm 109', 'timeout a=m1:5 at 110 @110', 'wm 110', 'wm Infinity']);
  });

  it("releases a trailing notFollowedBy match when the watermark passes the window (the 'meter stopped' alert)", async () => {
    const silent = Pattern.begin<R>('last').notFollowedBy('next').within(60);
    const items = [r('m1', 1, 0), r('m2', 1, 0), r('m2', 1, 30), r('m1', 1, 50), r('m2', 1, 80), wm(200)];
    const tl = await CEP.pattern(
      DataStream.fromTimeline(items).keyBy((x) => x.meter),
      silent,
    )
      .select((m) => `${m.last![0]!.meter} silent after ${m.last![0]!.kWh}`)
      .collectTimeline();
    // every reading opens a window of 60; only the last reading of each meter sees it close empty
    expect(tl).toEqual([
      { value: 'm1 silent after 1', timestamp: 200 },
      { value: 'm2 silent after 1', timestamp: 200 },
      { watermark: 200 },
      { watermark: Infinity },
    ]);
  });
});

describe('CEP in processing time (records without timestamps)', () => {
  it('matches in arrival order and fires within-timeouts on the clock', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, flush }) => {
      // a at 0 ms, b at 5 ms (matched), a at 20 ms and then nothing: times out at 30 ms
      const input = cold<R>('a 4ms b 14ms c 29ms |', {
        a: { meter: 'm', kWh: 2 },
        b: { meter: 'm', kWh: 3 },
        c: { meter: 'm', kWh: 4 },
      });
      const timedOut = new OutputTag<string>('timed-out');
      const p = Pattern.begin<R>('a')
        .where((x) => x.kWh > 1)
        .next('b')
        .where((x) => x.kWh > 2)
        .within(10);
      const matches = CEP.pattern(
        DataStream.from(input).keyBy((x) => x.meter),
        p,
        { clock: scheduler },
      ).select(timedOut, (m, t) => `timeout ${ids(m)} at ${t}`, ids);
      const job = connect({ matches, timedOut: matches.getSideOutput(timedOut) });
      const seen: string[] = [];
      job.outputs.matches.subscribe((m) => seen.push(`${scheduler.now()}: ${m}`));
      job.outputs.timedOut.subscribe((m) => seen.push(`${scheduler.now()}: ${m}`));
      job.start();
      flush();
      // b at 5 ms completes a match and also starts a new one ("a" takes any reading above 1),
      // which times out on the clock at 15 ms; c at 20 ms starts another, timed out at 30 ms
      expect(seen).toEqual(['5: a=m:2 b=m:3', '15: timeout a=m:3 at 15', '30: timeout a=m:4 at 30']);
    });
  });
});

describe('CEP in processing time with a comparator', () => {
  it("orders records of the same clock millisecond by the comparator before matching (FlinkCEP's CEPOperatorTest)", () => {
    const run = (withComparator: boolean) => {
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      const seen: string[] = [];
      scheduler.run(({ cold, flush }) => {
        // "high" (kWh 3) arrives before "low" (kWh 1) in the same millisecond, then "mid" 5 ms later
        const input = cold<R>('(hl) 4ms m |', {
          h: { meter: 'm', kWh: 3 },
          l: { meter: 'm', kWh: 1 },
          m: { meter: 'm', kWh: 2 },
        });
        const rising = Pattern.begin<R>('low')
          .where((x) => x.kWh === 1)
          .next('high')
          .where((x) => x.kWh === 3);
        const matches = CEP.pattern(
          DataStream.from(input).keyBy((x) => x.meter),
          rising,
          {
            clock: scheduler,
            ...(withComparator ? { comparator: (a: R, b: R) => a.kWh - b.kWh } : {}),
          },
        ).select(ids);
        const job = connect({ matches });
        job.outputs.matches.subscribe((m) => seen.push(`${scheduler.now()}: ${m}`));
        job.start();
        flush();
      });
      return seen;
    };
    // sorted by kWh, low comes first and high follows it: matched once the millisecond is over
    expect(run(true)).toEqual(['1: low=m:1 high=m:3']);
    // in arrival order, high comes first: no match
    expect(run(false)).toEqual([]);
  });
});

describe('CEP in processing time, end of input', () => {
  it('completes while partial matches are still pending', async () => {
    const p = Pattern.begin<R>('a').next('b').within(60_000);
    const out = await CEP.pattern(DataStream.from([{ meter: 'm', kWh: 1 }]), p)
      .select(ids)
      .collect();
    expect(out).toEqual([]);
  });
});
