import { describe, expect, it } from 'vitest';
import { DataStream, TumblingEventTimeWindows, WatermarkStrategy } from '../src/index';

describe('smoke', () => {
  it('sums tumbling windows per key', async () => {
    const data = [
      { k: 'a', t: 1, v: 1 },
      { k: 'b', t: 2, v: 10 },
      { k: 'a', t: 12, v: 2 },
      { k: 'a', t: 5, v: 3 },
    ];
    const out = await DataStream.from(data)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<(typeof data)[0]>(10).withTimestampAssigner((r) => r.t))
      .keyBy((r) => r.k)
      .window(TumblingEventTimeWindows.of(10))
      .reduce((a, b) => ({ ...a, v: a.v + b.v }))
      .collect();
    expect(out).toEqual([
      { k: 'a', t: 1, v: 4 },
      { k: 'b', t: 2, v: 10 },
      { k: 'a', t: 12, v: 2 },
    ]);
  });
});
