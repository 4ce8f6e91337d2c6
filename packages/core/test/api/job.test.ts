import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  connect,
  DataStream,
  EventTimeSessionWindows,
  execute,
  IllegalArgumentError,
  INVALID,
  OutputTag,
  type PipelineSnapshot,
  SlidingEventTimeWindows,
  type Source,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index';
import type { Reading } from '../helpers/reference';

const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Reading>(20).withTimestampAssigner((r) => r.t);

describe('side outputs observed together', () => {
  it('run the pipeline once, from a synchronous source, missing nothing', async () => {
    let opened = 0;
    const source: Source<Reading> = {
      open() {
        opened++;
        const rows: Reading[] = [
          { key: 'a', t: 100, v: 1 },
          { key: 'a', t: 200, v: 2 },
          { key: 'a', t: 50, v: 3 }, // late: watermark is 179
          { key: 'a', t: Number.NaN, v: 4 }, // invalid timestamp
        ];
        let done = false;
        return {
          read: () => {
            if (done) return null;
            done = true;
            return rows;
          },
        };
      },
    };
    const late = new OutputTag<Reading>('late');
    const stamped = DataStream.from(source).assignTimestampsAndWatermarks(strategy);
    const sums = stamped
      .keyBy((r) => r.key)
      .window(TumblingEventTimeWindows.of(100))
      .sideOutputLateData(late)
      .reduce((a, b) => ({ ...a, v: a.v + b.v }));
    const job = connect({ sums, late: sums.getSideOutput(late), invalid: stamped.getSideOutput(INVALID) });
    const seen: string[] = [];
    job.outputs.sums.subscribe((s) => seen.push(`sum ${s.t}:${s.v}`));
    job.outputs.late.subscribe((r) => seen.push(`late ${r.t}`));
    job.outputs.invalid.subscribe((r) => seen.push(`invalid ${r.reason}`));
    job.start();
    await job.done;
    expect(opened).toBe(1);
    expect(seen).toEqual([
      'late 50',
      'invalid timestamp is not a finite number: NaN',
      'sum 100:1',
      'sum 200:2',
    ]);
  });

  it('execute collects named outputs and metrics in one run', async () => {
    const late = new OutputTag<Reading>('late');
    const rows: Reading[] = [
      { key: 'a', t: 100, v: 1 },
      { key: 'b', t: 300, v: 1 },
      { key: 'a', t: 10, v: 1 },
    ];
    const sums = DataStream.from(rows)
      .assignTimestampsAndWatermarks(strategy)
      .keyBy((r) => r.key)
      .window(TumblingEventTimeWindows.of(100))
      .sideOutputLateData(late)
      .reduce((a, b) => ({ ...a, v: a.v + b.v }))
      .name('hourly');
    const { outputs, metrics } = await execute({ sums, late: sums.getSideOutput(late) });
    expect(outputs.late).toEqual([{ key: 'a', t: 10, v: 1 }]);
    expect(outputs.sums).toHaveLength(2);
    expect(metrics.hourly).toMatchObject({
      recordsIn: 3,
      recordsOut: 2,
      lateSideOutput: 1,
      openWindows: 0,
      keysHeld: 0,
    });
    expect(metrics['source-1']).toMatchObject({ recordsOut: 3, currentWatermark: Infinity });
  });

  it('toObservable is cold: each subscription runs the pipeline', async () => {
    const obs = DataStream.from([1, 2, 3])
      .map((x) => x * 2)
      .toObservable();
    const a: number[] = [];
    const b: number[] = [];
    obs.subscribe((x) => a.push(x));
    obs.subscribe((x) => b.push(x));
    expect(a).toEqual([2, 4, 6]);
    expect(b).toEqual([2, 4, 6]);
  });

  it('reads async iterables one item at a time', async () => {
    let pulled = 0;
    async function* gen() {
      for (let i = 0; i < 5; i++) {
        pulled++;
        yield i;
      }
    }
    expect(await DataStream.from(gen()).collect()).toEqual([0, 1, 2, 3, 4]);
    expect(pulled).toBe(5);
  });

  it('pulls Source batches one at a time (bounded in-flight work)', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const source: Source<number> = {
      open() {
        let n = 0;
        return {
          async read() {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await new Promise((r) => setTimeout(r, 1));
            inFlight--;
            return n < 5 ? [n++, n++] : null;
          },
        };
      },
    };
    expect(await DataStream.from(source).collect()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxInFlight).toBe(1);
  });

  it('rejects inputs it cannot read, and duplicate operator names', () => {
    expect(() => DataStream.from(42 as never)).toThrow(IllegalArgumentError);
    const s = DataStream.from([1])
      .map((x) => x)
      .name('same')
      .map((x) => x)
      .name('same');
    expect(() => connect({ s })).toThrow(/two operators are named "same"/);
  });

  it('reads metrics from a running pipeline', () => {
    const input = new Subject<Reading>();
    const sums = DataStream.from(input)
      .assignTimestampsAndWatermarks(strategy)
      .keyBy((r) => r.key)
      .window(TumblingEventTimeWindows.of(100))
      .reduce((a, b) => ({ ...a, v: a.v + b.v }))
      .name('w');
    const job = connect({ sums }).start();
    input.next({ key: 'a', t: 10, v: 1 });
    input.next({ key: 'b', t: 20, v: 1 });
    input.next({ key: 'b', t: 150, v: 1 });
    // watermark 150 − 20 − 1 = 129 has closed both [0,100) windows; b's [100,200) is open
    expect(job.metrics().w).toMatchObject({
      recordsIn: 3,
      recordsOut: 2,
      openWindows: 1,
      keysHeld: 1,
      currentWatermark: 129,
    });
    input.next({ key: 'a', t: 160, v: 1 });
    expect(job.metrics().w).toMatchObject({
      recordsIn: 4,
      recordsOut: 2,
      openWindows: 2,
      keysHeld: 2,
      currentWatermark: 139,
    });
    input.next({ key: 'b', t: 220, v: 1 }); // watermark 199 closes [100,200)
    expect(job.metrics().w).toMatchObject({
      recordsIn: 5,
      recordsOut: 4,
      openWindows: 1,
      keysHeld: 1,
      currentWatermark: 199,
    });
    job.stop();
  });
});

/** A pipeline with every kind of stateful operator, built fresh for each job. */
function pipeline(input: Subject<Reading>) {
  const late = new OutputTag<Reading>('late');
  const count = new ValueStateDescriptor<number>('count', 0);
  const stamped = DataStream.from(input).assignTimestampsAndWatermarks(strategy);
  const other = DataStream.from(new Subject<Reading>()).assignTimestampsAndWatermarks(strategy);
  const merged = stamped.union(other.filter(() => false));
  const keyed = stamped.keyBy((r) => r.key);
  const tumbling = keyed
    .window(TumblingEventTimeWindows.of(50))
    .allowedLateness(15)
    .sideOutputLateData(late)
    .process((k, ctx, els) => [`T ${k} ${ctx.window.start} ${els.map((e) => e.v).join(',')}`]);
  const sliding = keyed
    .window(SlidingEventTimeWindows.of(60, 20))
    .reduce((a, b) => ({ ...a, v: a.v + b.v }))
    .map((r) => `S ${r.key} ${r.v}`);
  const sessions = keyed
    .window(EventTimeSessionWindows.withGap(25))
    .aggregate({
      createAccumulator: () => [0, 0] as [number, number],
      add: (r: Reading, [n, s]: [number, number]) => [n + 1, s + r.v] as [number, number],
      getResult: ([n, s]: [number, number]) => `${n}/${s}`,
      merge: (a: [number, number], b: [number, number]) => [a[0] + b[0], a[1] + b[1]] as [number, number],
    })
    .map((x) => `G ${x}`);
  const counts = keyed.process<string>({
    processElement(r, ctx, out) {
      const c = ctx.getState(count);
      c.update((c.value() ?? 0) + 1);
      ctx.timerService.registerEventTimeTimer(Math.floor(r.t / 40) * 40 + 39);
      out.collect(`P ${ctx.key} ${c.value()}`);
    },
    onTimer(t, ctx, out) {
      out.collect(`P ${ctx.key} timer ${t} count ${ctx.getState(count).value()}`);
    },
  });
  const all = tumbling.union(
    sliding,
    sessions,
    counts,
    merged
      .keyBy((r) => r.key)
      .window(TumblingEventTimeWindows.of(30))
      .reduce((a) => a)
      .map((r) => `U ${r.key}`),
  );
  return { all, late: tumbling.getSideOutput(late) };
}

function runJob(rows: readonly Reading[], restore?: PipelineSnapshot, complete = true) {
  const input = new Subject<Reading>();
  const job = connect(pipeline(input), { restore });
  const out: string[] = [];
  job.outputs.all.subscribe((x) => out.push(x));
  job.outputs.late.subscribe((r) => out.push(`late ${r.key} ${r.t}`));
  job.start();
  for (const r of rows) input.next(r);
  if (complete) input.complete();
  return { job, out };
}

describe('snapshots', () => {
  it('a job restored mid-stream from a snapshot continues exactly like an uninterrupted run', () => {
    const reading = fc.record({
      key: fc.constantFrom('a', 'b', 'c'),
      t: fc.integer({ min: 0, max: 400 }),
      v: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 60 }), fc.nat(), (rows, cut) => {
        const at = rows.length === 0 ? 0 : cut % (rows.length + 1);
        const whole = runJob(rows).out;
        const first = runJob(rows.slice(0, at), undefined, false);
        // the snapshot survives JSON: plain data
        const snapshot = JSON.parse(JSON.stringify(first.job.snapshot())) as PipelineSnapshot;
        first.job.stop();
        const second = runJob(rows.slice(at), snapshot);
        expect([...first.out, ...second.out]).toEqual(whole);
      }),
    );
  });

  it('refuses a snapshot with state for an operator the pipeline does not have', () => {
    const input = new Subject<Reading>();
    expect(() => connect(pipeline(input), { restore: { version: 1, operators: { 'nope-1': {} } } })).toThrow(
      /operator "nope-1"/,
    );
  });
});

describe('records shared by several readers', () => {
  it('are never changed in place: a raw source output keeps its (absent) timestamps', async () => {
    const source = DataStream.from([{ key: 'a', t: 5, v: 1 }]);
    const stamped = source.assignTimestampsAndWatermarks(strategy);
    const job = connect({ raw: source, stamped });
    const raw: unknown[] = [];
    const out: unknown[] = [];
    job.timelines.raw.subscribe((x) => raw.push(x));
    job.timelines.stamped.subscribe((x) => out.push(x));
    job.start();
    await job.done;
    expect(raw[0]).toEqual({ value: { key: 'a', t: 5, v: 1 }, timestamp: Number.NaN });
    expect(out[0]).toEqual({ value: { key: 'a', t: 5, v: 1 }, timestamp: 5 });
  });
});
