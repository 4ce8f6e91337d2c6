import {
  DataStream,
  execute,
  INVALID,
  OutputTag,
  type Source,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '@eventide/core';

/** A meter reading as a head-end system delivers it. */
export interface Reading {
  readonly meter: string;
  /** Interval start, epoch ms. */
  readonly ts: number;
  readonly kWh: number;
}

export interface DemoOptions {
  readonly meters: number;
  readonly hours: number;
  readonly seed: number;
  /** Fraction of readings delivered late, far behind the watermark. */
  readonly lateRate: number;
}

/** A small, seeded PRNG (mulberry32): the demo must print the same figures every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIVE_MIN = 5 * 60_000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 6, 1);

/**
 * Readings every 5 minutes per meter, delivered up to 10 minutes out of order, a few delivered
 * hours late, and one in a thousand with a broken timestamp.
 */
export function readingSource(o: DemoOptions): Source<Reading> {
  return {
    open() {
      const rnd = random(o.seed);
      const slots = (o.hours * HOUR) / FIVE_MIN;
      const held: Reading[] = [];
      let slot = 0;
      return {
        read() {
          if (slot >= slots + 2) return held.length > 0 ? held.splice(0) : null;
          const batch: Reading[] = [];
          for (let m = 0; m < o.meters; m++) {
            const i = slot - (m % 3); // meters report 0, 5 or 10 minutes behind
            if (i < 0 || i >= slots) continue;
            const hour = new Date(START + i * FIVE_MIN).getUTCHours();
            const base = hour >= 22 || hour < 10 ? 0.02 : 0.05; // evening peak in New York (UTC−4)
            const r: Reading = {
              meter: `m${m}`,
              ts: START + i * FIVE_MIN,
              kWh: +(base + rnd() * 0.03).toFixed(4),
            };
            const roll = rnd();
            if (roll < 0.001) batch.push({ ...r, ts: Number.NaN });
            else if (roll < 0.001 + o.lateRate) held.push(r);
            else batch.push(r);
          }
          // late readings turn up two hours after they were due
          if (slot % 24 === 0 && held.length > 0) batch.push(...held.splice(0));
          slot++;
          return batch;
        },
      };
    },
  };
}

export interface DemoResult {
  readonly hourly: { hour: string; kWh: number; meters: number }[];
  readonly late: number;
  readonly lateKWh: number;
  readonly invalid: number;
  readonly records: number;
}

/** Hourly consumption over all meters, with late and invalid readings counted on their own outputs. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const late = new OutputTag<Reading>('late-readings');
  const stamped = DataStream.from(readingSource(o))
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(10 * 60_000).withTimestampAssigner((r) => r.ts),
    )
    .name('timestamps');
  const perMeter = stamped
    .keyBy((r) => r.meter)
    .window(TumblingEventTimeWindows.of(HOUR))
    .sideOutputLateData(late)
    .aggregate({
      createAccumulator: () => 0,
      add: (r: Reading, sum: number) => sum + r.kWh,
      getResult: (sum: number) => sum,
      merge: (a: number, b: number) => a + b,
    })
    .name('meter-hours');
  const { outputs, metrics } = await execute({
    perMeter: perMeter.windowAll(TumblingEventTimeWindows.of(HOUR)).process((ctx, sums) => [
      {
        hour: new Date(ctx.window.start).toISOString().slice(0, 13),
        kWh: +sums.reduce((a, b) => a + b, 0).toFixed(3),
        meters: sums.length,
      },
    ]),
    late: perMeter.getSideOutput(late),
    invalid: stamped.getSideOutput(INVALID),
  });
  return {
    hourly: outputs.perMeter,
    late: outputs.late.length,
    lateKWh: outputs.late.reduce((a, r) => a + r.kWh, 0),
    invalid: outputs.invalid.length,
    records: metrics.timestamps!.recordsIn,
  };
}
