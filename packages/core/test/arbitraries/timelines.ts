import fc from 'fast-check';
import type { TimelineItem } from '../../src/index';

/** One item of a timeline: a record, a record without a valid timestamp, or an arbitrary watermark. */
export const timelineItem = fc.oneof(
  fc.record({ value: fc.constantFrom('a', 'b'), timestamp: fc.integer({ min: -100, max: 300 }) }),
  fc.record({ value: fc.constant('bad'), timestamp: fc.constant(Number.NaN) }),
  fc.record({ watermark: fc.integer({ min: -120, max: 320 }) }),
) as fc.Arbitrary<TimelineItem<string>>;

/** A timeline with arbitrary (even non-monotonic) watermarks and some records without a valid timestamp. */
export const timelineArb = fc.array(timelineItem, { maxLength: 80 });

/**
 * A timeline like `timelineArb`, plus pairs placed on the lateness boundary of tumbling windows of
 * `size` with `lateness`: a watermark at exactly the window's end − 1 + lateness (its records are
 * late from then on) or one below it (still on time), then a record of that window.
 */
export function boundaryTimeline(size: number, lateness: number): fc.Arbitrary<TimelineItem<string>[]> {
  const pair = fc
    .record({ t: fc.integer({ min: -100, max: 300 }), delta: fc.constantFrom(0, -1) })
    .map(({ t, delta }): TimelineItem<string>[] => {
      const start = t - (((t % size) + size) % size);
      return [{ watermark: start + size - 1 + lateness + delta }, { value: 'a', timestamp: t }];
    });
  return fc
    .array(
      fc.oneof(
        timelineItem.map((i) => [i]),
        pair,
      ),
      { maxLength: 60 },
    )
    .map((chunks) => chunks.flat());
}
