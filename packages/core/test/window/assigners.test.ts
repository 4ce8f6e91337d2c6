import { describe, expect, it } from 'vitest';
import {
  EventTimeSessionWindows,
  IllegalArgumentError,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  windowStart,
} from '../../src/index';

const windowsOf = (a: { assign(t: number, s: number[]): number; size: number }, t: number) => {
  const starts: number[] = [];
  const n = a.assign(t, starts);
  return starts.slice(0, n).map((s) => [s, s + a.size]);
};

describe('TumblingEventTimeWindows', () => {
  it('puts t in [t - (t mod size), … + size)', () => {
    const w = TumblingEventTimeWindows.of(5000);
    expect(windowsOf(w, 0)).toEqual([[0, 5000]]);
    expect(windowsOf(w, 4999)).toEqual([[0, 5000]]);
    expect(windowsOf(w, 5000)).toEqual([[5000, 10000]]);
  });

  it('uses a true modulo for negative timestamps', () => {
    const w = TumblingEventTimeWindows.of(5000);
    expect(windowsOf(w, -1)).toEqual([[-5000, 0]]);
    expect(windowsOf(w, -5000)).toEqual([[-5000, 0]]);
    expect(windowsOf(w, -5001)).toEqual([[-10000, -5000]]);
  });

  it('shifts windows by the offset', () => {
    const w = TumblingEventTimeWindows.of(5000, 100);
    expect(windowsOf(w, 0)).toEqual([[-4900, 100]]);
    expect(windowsOf(w, 100)).toEqual([[100, 5100]]);
    expect(windowsOf(w, 5099)).toEqual([[100, 5100]]);
    expect(windowsOf(TumblingEventTimeWindows.of(5000, -100), 0)).toEqual([[-100, 4900]]);
    // New York days in winter: UTC midnight minus… an offset of −5 h aligns days on local midnight.
    const day = 86_400_000;
    const nyDay = TumblingEventTimeWindows.of(day, 5 * 3_600_000);
    const t = Date.UTC(2026, 0, 15, 3, 0); // 22:00 on Jan 14 in New York
    expect(windowsOf(nyDay, t)).toEqual([[Date.UTC(2026, 0, 14, 5), Date.UTC(2026, 0, 15, 5)]]);
  });

  it('rejects bad parameters with the API name in the message', () => {
    expect(() => TumblingEventTimeWindows.of(0)).toThrow(IllegalArgumentError);
    expect(() => TumblingEventTimeWindows.of(-1)).toThrow(/TumblingEventTimeWindows.of: size/);
    expect(() => TumblingEventTimeWindows.of(10, 10)).toThrow(/\|offset\| < size/);
    expect(() => TumblingEventTimeWindows.of(10, -10)).toThrow(/\|offset\| < size/);
    expect(() => TumblingEventTimeWindows.of(Number.NaN)).toThrow(IllegalArgumentError);
  });
});

describe('SlidingEventTimeWindows', () => {
  it('assigns size/slide windows, latest start first', () => {
    const w = SlidingEventTimeWindows.of(5000, 1000);
    expect(windowsOf(w, 0)).toEqual([
      [0, 5000],
      [-1000, 4000],
      [-2000, 3000],
      [-3000, 2000],
      [-4000, 1000],
    ]);
    expect(windowsOf(w, 4999).map(([s]) => s)).toEqual([4000, 3000, 2000, 1000, 0]);
  });

  it('handles offsets and slides that do not divide the size', () => {
    expect(windowsOf(SlidingEventTimeWindows.of(5000, 1000, 100), 0).map(([s]) => s)).toEqual([
      -900, -1900, -2900, -3900, -4900,
    ]);
    // size 5, slide 3: t = 4 lies in [3, 8) and [0, 5); t = 2 only in [0, 5), since [-3, 2) excludes 2
    const odd = SlidingEventTimeWindows.of(5, 3);
    expect(windowsOf(odd, 4)).toEqual([
      [3, 8],
      [0, 5],
    ]);
    expect(windowsOf(odd, 2)).toEqual([[0, 5]]);
  });

  it('rejects bad parameters', () => {
    expect(() => SlidingEventTimeWindows.of(10, 0)).toThrow(/SlidingEventTimeWindows.of: slide/);
    expect(() => SlidingEventTimeWindows.of(0, 1)).toThrow(/SlidingEventTimeWindows.of: size/);
    expect(() => SlidingEventTimeWindows.of(10, 5, 5)).toThrow(/\|offset\| < slide/);
  });
});

describe('EventTimeSessionWindows', () => {
  it('opens [t, t + gap) per element', () => {
    expect(windowsOf(EventTimeSessionWindows.withGap(3000), 10)).toEqual([[10, 3010]]);
  });
  it('rejects a gap ≤ 0', () => {
    expect(() => EventTimeSessionWindows.withGap(0)).toThrow(/EventTimeSessionWindows.withGap: gap/);
  });
});

describe('windowStart', () => {
  it('is aligned and contains t', () => {
    for (const [t, o, s] of [
      [7, 0, 3],
      [-7, 0, 3],
      [-7, 2, 3],
      [0, -1, 4],
    ] as const) {
      const start = windowStart(t, o, s);
      expect(start <= t && t < start + s).toBe(true);
      expect((((start - o) % s) + s) % s).toBe(0);
    }
  });
});
