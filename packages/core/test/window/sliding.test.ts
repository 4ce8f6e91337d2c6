import { describe, expect, it } from 'vitest';
import { DataStream, SlidingEventTimeWindows } from '../../src/index';
import { rec, wm } from '../helpers/run';

describe('sliding event-time windows', () => {
  it('counts each element in every window that contains it and fires each at end - 1', async () => {
    // size 3000, slide 1000: the element at 2500 is in [0,3000), [1000,4000), [2000,5000)
    const items = [rec('x', 2500), rec('y', 3200), wm(2999), wm(3999), wm(4999), wm(5999)];
    const tl = await DataStream.fromTimeline(items)
      .keyBy(() => 'k')
      .window(SlidingEventTimeWindows.of(3000, 1000))
      .process((_k, ctx, els) => [`[${ctx.window.start},${ctx.window.end}) ${els.join('')}`])
      .collectTimeline();
    expect(tl).toEqual([
      { value: '[0,3000) x', timestamp: 2999 },
      { watermark: 2999 },
      { value: '[1000,4000) xy', timestamp: 3999 },
      { watermark: 3999 },
      { value: '[2000,5000) xy', timestamp: 4999 },
      { watermark: 4999 },
      { value: '[3000,6000) y', timestamp: 5999 },
      { watermark: 5999 },
      { watermark: Number.POSITIVE_INFINITY },
    ]);
  });

  it('treats an element as late only when all its windows are late', async () => {
    // watermark 2999: for t = 2500 the window [0,3000) is late but [1000,4000) and [2000,5000) are not
    const items = [wm(2999), rec('late-for-one', 2500), rec('late-for-all', 10), wm(10_000)];
    const stream = DataStream.fromTimeline(items)
      .keyBy(() => 'k')
      .window(SlidingEventTimeWindows.of(3000, 1000))
      .process((_k, ctx, els) => [`${ctx.window.start}:${els.join(',')}`]);
    expect(await stream.collect()).toEqual(['1000:late-for-one', '2000:late-for-one']);
  });
});
