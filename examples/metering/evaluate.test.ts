import { describe, expect, it } from 'vitest';
import type { Score } from '../domain/scoring';
import { formatSummary, HELD_OUT_SEEDS, seedsOf, summarise, TUNING_SEEDS } from './evaluate';

// The evaluation's arithmetic on hand-made scores: sums of labels and alerts, the mean and the
// worst seed of each ratio. (Running it is `pnpm --filter @eventide/examples evaluate`.)

const score = (
  type: Score['type'],
  precision: number,
  recall: number,
  labels: number,
  alerts: number,
): Score => ({
  type,
  alerts,
  truePositives: Math.round(precision * alerts),
  precision,
  labels,
  detected: Math.round(recall * labels),
  recall,
  detectableLabels: labels,
  detectedDetectable: Math.round(recall * labels),
  detectableRecall: recall,
});

const types: Score['type'][] = ['spike', 'stopped-reporting', 'leak', 'stuck', 'theft'];

describe('evaluate', () => {
  it('reads seed lists and ranges; tuning and held-out seeds do not overlap', () => {
    expect(seedsOf('101-103')).toEqual([101, 102, 103]);
    expect(seedsOf('7,9,1-2')).toEqual([7, 9, 1, 2]);
    expect(() => seedsOf('a-b')).toThrow(/--seeds: cannot read 'a-b'/);
    expect(HELD_OUT_SEEDS.length).toBeGreaterThanOrEqual(10);
    expect(HELD_OUT_SEEDS.filter((s) => TUNING_SEEDS.includes(s))).toEqual([]);
  });

  it('sums labels and alerts; gives the mean and the worst seed of each ratio', () => {
    const results = [
      { seed: 1, records: 10, seconds: 1, scores: types.map((t) => score(t, 1, 0.5, 10, 4)) },
      { seed: 2, records: 10, seconds: 1, scores: types.map((t) => score(t, 0.5, 1, 30, 2)) },
    ];
    const rows = summarise(results);
    expect(rows.map((r) => r.type)).toEqual(types);
    for (const r of rows) {
      expect(r.labels).toBe(40);
      expect(r.alerts).toBe(6);
      expect(r.precision).toEqual({ mean: 0.75, worst: 0.5 });
      expect(r.recall).toEqual({ mean: 0.75, worst: 0.5 });
      expect(r.detectableRecall).toEqual({ mean: 0.75, worst: 0.5 });
    }
    expect(formatSummary(rows)).toContain('0.75 / 0.50');
  });
});
