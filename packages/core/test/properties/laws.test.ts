import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Collector,
  DataStream,
  EventTimeSessionWindows,
  execute,
  INVALID,
  OutputTag,
  SlidingEventTimeWindows,
  type TimelineItem,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type WindowAssigner,
} from '../../src/index';
import { batchSize, disorderedReadings } from '../arbitraries/readings';
import { boundaryTimeline, timelineArb } from '../arbitraries/timelines';
import {
  type Reading,
  referenceSessionTotals,
  referenceSlidingTotals,
  sortTotals,
  type WindowTotal,
} from '../helpers/reference';

const BOUND = 25;

function totals(arrival: readonly Reading[], assigner: WindowAssigner, options?: { batchSize?: number }) {
  return DataStream.from(arrival, options)
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(BOUND).withTimestampAssigner((r) => r.t),
    )
    .keyBy((r) => r.key)
    .window(assigner)
    .aggregate(
      {
        createAccumulator: () => ({ sum: 0, count: 0 }),
        add: (r: Reading, a: { sum: number; count: number }) => ({ sum: a.sum + r.v, count: a.count + 1 }),
        getResult: (a: { sum: number; count: number }) => a,
        merge: (a: { sum: number; count: number }, b: { sum: number; count: number }) => ({
          sum: a.sum + b.sum,
          count: a.count + b.count,
        }),
      },
      (key, ctx, [a], out: Collector<WindowTotal>) =>
        out.collect({ key, start: ctx.window.start, end: ctx.window.end, ...a! }),
    );
}

describe('law: windows equal a brute-force grouping of the sorted input, under disorder within the bound', () => {
  const input = disorderedReadings({ bound: BOUND });

  it('tumbling (with offset)', async () => {
    await fc.assert(
      fc.asyncProperty(
        input,
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: -59, max: 59 }),
        async ({ sorted, arrival }, size, off) => {
          const offset = off % size;
          const got: WindowTotal[] = await totals(
            arrival,
            TumblingEventTimeWindows.of(size, offset),
          ).collect();
          expect(sortTotals(got)).toEqual(referenceSlidingTotals(sorted, size, size, offset));
        },
      ),
    );
  });

  it('sliding (with offset)', async () => {
    await fc.assert(
      fc.asyncProperty(
        input,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: -19, max: 19 }),
        async ({ sorted, arrival }, slide, mult, off) => {
          const size = slide * mult + (off & 1); // sizes that the slide does not always divide
          const offset = off % slide;
          const got: WindowTotal[] = await totals(
            arrival,
            SlidingEventTimeWindows.of(size, slide, offset),
          ).collect();
          expect(sortTotals(got)).toEqual(referenceSlidingTotals(sorted, size, slide, offset));
        },
      ),
    );
  });

  it('session (disorder up to one less than the bound: see the next test for the bound itself)', async () => {
    await fc.assert(
      fc.asyncProperty(
        disorderedReadings({ bound: BOUND - 1 }),
        fc.integer({ min: 1, max: 40 }),
        async ({ sorted, arrival }, gap) => {
          const got: WindowTotal[] = await totals(arrival, EventTimeSessionWindows.withGap(gap)).collect();
          expect(sortTotals(got)).toEqual(referenceSessionTotals(sorted, gap));
        },
      ),
    );
  });

  it('session: a record exactly at the bound that touches a fired session starts a new one (as in Flink)', async () => {
    // Watermark after 119 is 119 - 25 - 1 = 93: session [92, 94) of k2 has fired (its last
    // millisecond is 93). 94 is within the bound, not late, and touches [92, 94): Flink merges
    // touching sessions, but only sessions still held, so it gets a session of its own. Disorder
    // strictly inside the bound cannot do this: the touching session would not have fired yet.
    const arrival = [
      { key: 'k2', t: 92, v: 1 },
      { key: 'k0', t: 119, v: 1 },
      { key: 'k2', t: 94, v: 1 },
    ];
    const got: WindowTotal[] = await totals(arrival, EventTimeSessionWindows.withGap(2)).collect();
    expect(sortTotals(got).filter((w) => w.key === 'k2')).toEqual([
      { key: 'k2', start: 92, end: 94, sum: 1, count: 1 },
      { key: 'k2', start: 94, end: 96, sum: 1, count: 1 },
    ]);
  });
});

describe('law: a bounded input gives the same results however it is batched, and runs are deterministic', () => {
  it('tumbling, sliding and session timelines are identical for any batch size', async () => {
    await fc.assert(
      fc.asyncProperty(
        disorderedReadings({ bound: BOUND }),
        batchSize,
        batchSize,
        async ({ arrival }, a, b) => {
          for (const assigner of [
            TumblingEventTimeWindows.of(30),
            SlidingEventTimeWindows.of(30, 10),
            EventTimeSessionWindows.withGap(15),
          ]) {
            const x = await totals(arrival, assigner, { batchSize: a }).collectTimeline();
            const y = await totals(arrival, assigner, { batchSize: b }).collectTimeline();
            expect(x).toEqual(y);
          }
        },
      ),
    );
  });
});

/** Reference lateness: a record is late when its window's end − 1 + lateness ≤ the watermark at its arrival. */
function referenceAccounting(items: readonly TimelineItem<string>[], size: number, lateness: number) {
  let wm = Number.NEGATIVE_INFINITY;
  let late = 0;
  let invalid = 0;
  let accepted = 0;
  for (const item of items) {
    if ('watermark' in item) wm = Math.max(wm, item.watermark);
    else if (!Number.isFinite(item.timestamp)) invalid++;
    else {
      const t = item.timestamp!;
      const start = t - (((t % size) + size) % size);
      if (start + size - 1 + lateness <= wm) late++;
      else accepted++;
    }
  }
  return { late, invalid, accepted };
}

describe('law: every input is accounted for exactly once', () => {
  it('as windowed, late or invalid, matching a reference of which records are late', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 30 }))
          .chain(([size, lateness]) =>
            boundaryTimeline(size, lateness).map((items) => ({ items, size, lateness })),
          ),
        async ({ items, size, lateness }) => {
          const late = new OutputTag<string>('late');
          const counted = DataStream.fromTimeline(items)
            .keyBy((v) => v)
            .window(TumblingEventTimeWindows.of(size))
            .allowedLateness(lateness)
            .sideOutputLateData(late)
            // the last firing of a window holds all its records: emit [window, count] and keep the last per window
            .process((key, ctx, els) => [[`${key}@${ctx.window.start}`, els.length] as const])
            .name('w');
          const { outputs, metrics } = await execute({
            fired: counted,
            late: counted.getSideOutput(late),
            invalid: counted.getSideOutput(INVALID),
          });
          const lastCount = new Map<string, number>();
          for (const [w, n] of outputs.fired) lastCount.set(w, n);
          const windowed = [...lastCount.values()].reduce((a, b) => a + b, 0);
          const expected = referenceAccounting(items, size, lateness);
          const records = items.filter((i) => !('watermark' in i)).length;
          expect(windowed).toBe(expected.accepted);
          expect(outputs.late.length).toBe(expected.late);
          expect(outputs.invalid.length).toBe(expected.invalid);
          expect(windowed + outputs.late.length + outputs.invalid.length).toBe(records);
          const m = metrics.w!;
          expect(m.recordsIn).toBe(records);
          expect(m.lateSideOutput).toBe(expected.late);
          expect(m.invalid).toBe(expected.invalid);
          expect(m.openWindows).toBe(0);
        },
      ),
    );
  });
});

describe('law: emitted watermarks are monotonic', () => {
  it('for every operator, whatever the input watermarks', async () => {
    await fc.assert(
      fc.asyncProperty(timelineArb, timelineArb, async (a, b) => {
        const left = DataStream.fromTimeline(a).filter((v) => v !== 'bad');
        const right = DataStream.fromTimeline(b)
          .filter((v) => v !== 'bad')
          .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<string>(7));
        const streams = {
          union: left.union(right),
          window: left
            .union(right)
            .keyBy((v) => v)
            .window(SlidingEventTimeWindows.of(20, 5))
            .reduce((x) => x),
          session: right
            .keyBy((v) => v)
            .window(EventTimeSessionWindows.withGap(9))
            .reduce((x) => x),
        };
        for (const stream of Object.values(streams)) {
          const wms = (await stream.collectTimeline()).flatMap((i) =>
            'watermark' in i ? [i.watermark] : [],
          );
          for (let i = 1; i < wms.length; i++) expect(wms[i]!).toBeGreaterThan(wms[i - 1]!);
          expect(wms.at(-1)).toBe(Number.POSITIVE_INFINITY);
        }
      }),
    );
  });
});
