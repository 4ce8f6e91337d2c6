import { existsSync } from 'node:fs';
// The pipeline module of the parallel tests: meter readings (from the options' seed and skew),
// each key group reading its own meters, sums per meter and 100 ms window, partial sums per zone,
// and the late readings.
import {
  DataStream,
  keyGroupOf,
  OutputTag,
  type Source,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index';
import type { KeyGroupContext } from '../../src/node/index';

export interface Reading {
  readonly meter: string;
  readonly zone: string;
  readonly t: number;
  readonly v: number;
}

export interface Options {
  readonly seed: number;
  readonly readings: number;
  readonly meters: number;
  /** One meter gets this many times the readings of the others. */
  readonly skew: number;
  /** Key group 0 throws once this file exists (a crash when the test says). */
  readonly failWhen?: string;
  /** Each read waits a millisecond (so that checkpoints fall mid-run). */
  readonly slow?: boolean;
}

/** A small deterministic generator (mulberry32). */
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

/** Every reading, in arrival order (timestamps up to 300 ms out of order, a few later). */
export function allReadings(o: Options): Reading[] {
  const r = random(o.seed);
  const out: Reading[] = [];
  for (let i = 0; i < o.readings; i++) {
    const hot = r() < o.skew / (o.skew + o.meters - 1);
    const m = hot ? 0 : 1 + Math.floor(r() * (o.meters - 1));
    const late = r() < 0.02 ? 600 : 0;
    out.push({
      meter: `m${m}`,
      zone: `z${m % 3}`,
      t: Math.max(0, i * 2 - Math.floor(r() * 300) - late),
      v: 1 + Math.floor(r() * 9),
    });
  }
  return out;
}

export const LATE = new OutputTag<Reading>('late');

/** The readings of one key group, read in batches with a position. */
function share(o: Options, group: number, groups: number): Source<Reading> {
  const mine = allReadings(o).filter((x) => keyGroupOf(x.meter, groups) === group);
  return {
    open(position) {
      let i = typeof position === 'number' ? position : 0;
      return {
        read() {
          if (o.slow === true && i < mine.length) {
            return new Promise<Reading[] | null>((resolve, reject) =>
              setTimeout(() => {
                try {
                  resolve(next());
                } catch (err) {
                  reject(err);
                }
              }, 1),
            );
          }
          return next();
        },
        position: () => i,
      };
      function next(): Reading[] | null {
        {
          if (group === 0 && o.failWhen !== undefined && existsSync(o.failWhen))
            throw new Error('simulated crash');
          if (i >= mine.length) return null;
          const batch = mine.slice(i, i + 50);
          i += batch.length;
          return batch;
        }
      }
    },
  };
}

export default function pipeline({ keyGroup, keyGroups, options }: KeyGroupContext<Options>) {
  const readings = DataStream.from(share(options, keyGroup, keyGroups))
    .name('readings')
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(300).withTimestampAssigner((x) => x.t),
    )
    .name('timestamps');
  const perMeter = readings
    .keyBy((x) => x.meter)
    .window(TumblingEventTimeWindows.of(100))
    .sideOutputLateData(LATE)
    .reduce((a, b) => ({ ...a, v: a.v + b.v, t: Math.min(a.t, b.t) }))
    .name('per-meter');
  const perZone = readings
    .keyBy((x) => x.zone)
    .window(TumblingEventTimeWindows.of(100))
    .aggregate(
      {
        createAccumulator: () => 0,
        add: (x: Reading, acc: number) => acc + x.v,
        getResult: (acc: number) => acc,
        merge: (a: number, b: number) => a + b,
      },
      (zone: string, ctx, [sum]: readonly number[]) => [{ zone, start: ctx.window.start, sum: sum! }],
    )
    .name('per-zone');
  return { perMeter, perZone, late: perMeter.getSideOutput(LATE) };
}
