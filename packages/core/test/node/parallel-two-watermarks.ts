// A pipeline module for connectParallel's watermark test: one stream of ticks (t = 0, 10, …, 990,
// then t = 500 once more after a pause) given out as two outputs whose watermarks differ: `fast`
// allows no out-of-orderness (its watermark reaches 989), `slow` allows 1000 ms (it stays at −11).
// The last tick is on time for `slow`, late for `fast`.
import { DataStream, type Source, WatermarkStrategy } from '../../src/index';

export interface Tick {
  readonly t: number;
}

/** The ticks in arrival order. */
export const TICKS: readonly number[] = [...Array.from({ length: 100 }, (_, i) => i * 10), 500];

/** One tick a read, a millisecond apart; the last after a pause, once the others are through. */
function ticks(): Source<Tick> {
  return {
    open(position) {
      let i = typeof position === 'number' ? position : 0;
      return {
        read: () =>
          i >= TICKS.length
            ? null
            : new Promise<Tick[]>((resolve) =>
                setTimeout(() => resolve([{ t: TICKS[i++]! }]), i === TICKS.length - 1 ? 200 : 1),
              ),
        position: () => i,
      };
    },
  };
}

const withBound = (ms: number) =>
  WatermarkStrategy.forBoundedOutOfOrderness<Tick>(ms).withTimestampAssigner((x) => x.t);

export default function pipeline() {
  const all = DataStream.from(ticks()).name('ticks');
  return {
    fast: all.assignTimestampsAndWatermarks(withBound(0)).name('fast-ts'),
    slow: all.assignTimestampsAndWatermarks(withBound(1000)).name('slow-ts'),
  };
}
