import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimelineItem } from '../../src/index';
import { disorderedReadings, disorderOf, withinBound } from '../arbitraries/readings';
import { boundaryTimeline } from '../arbitraries/timelines';

// The property tests are only as strong as what they generate: these check, on a fixed seed, that
// the inputs have the length they declare (fast-check caps sizes at its baseSize unless told) and
// really hold the disorder and boundary cases the laws are about.

const SAMPLE = { numRuns: 400, seed: 42 };

describe('generated inputs', () => {
  it('disordered readings: long, mostly out of order, often exactly at the bound, never beyond it', () => {
    const bound = 25;
    const inputs = fc.sample(disorderedReadings({ bound }), SAMPLE).map((x) => x.arrival);
    const mean = inputs.reduce((a, x) => a + x.length, 0) / inputs.length;
    expect(mean).toBeGreaterThan(25); // declared up to 60 records (plus stragglers), not 10
    expect(Math.max(...inputs.map((x) => x.length))).toBeGreaterThan(60);
    const nonTrivial = inputs.filter((x) => x.length >= 5);
    const share = (f: (x: (typeof inputs)[number]) => boolean) =>
      nonTrivial.filter(f).length / nonTrivial.length;
    expect(share((x) => disorderOf(x, bound).outOfOrder > 0)).toBeGreaterThan(0.9);
    expect(share((x) => disorderOf(x, bound).atBound > 0)).toBeGreaterThan(0.6);
    expect(inputs.every((x) => withinBound(x, bound))).toBe(true);
    expect(inputs.filter((x) => x.length === 0).length / inputs.length).toBeLessThan(0.05);
  });

  it('lateness timelines: records exactly on the boundary and one before it', () => {
    let late = 0;
    let justOnTime = 0;
    let withBoth = 0;
    const samples = fc.sample(
      fc
        .tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 30 }))
        .chain(([size, lateness]) =>
          boundaryTimeline(size, lateness).map((items) => ({ items, size, lateness })),
        ),
      SAMPLE,
    );
    for (const { items, size, lateness } of samples) {
      let wm = Number.NEGATIVE_INFINITY;
      let a = 0;
      let b = 0;
      for (const item of items as TimelineItem<string>[]) {
        if ('watermark' in item) wm = Math.max(wm, item.watermark);
        else if (Number.isFinite(item.timestamp)) {
          const t = item.timestamp!;
          const lastTime = t - (((t % size) + size) % size) + size - 1 + lateness;
          if (lastTime === wm) a++; // late by exactly nothing
          if (lastTime === wm + 1) b++; // on time by exactly one
        }
      }
      late += a;
      justOnTime += b;
      if (a > 0 && b > 0) withBoth++;
    }
    expect(late).toBeGreaterThan(samples.length);
    expect(justOnTime).toBeGreaterThan(samples.length / 2);
    expect(withBoth / samples.length).toBeGreaterThan(0.3);
  });
});
