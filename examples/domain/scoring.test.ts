import type { Label } from '@eventide/generator';
import { describe, expect, it } from 'vitest';
import type { Alert } from './alert';
import { detectable, mergeScores, score } from './scoring';

// The scorer on hand-made labels and alerts: hits, misses, doubles, other services, other types,
// and the boundaries of a label's span. Expected figures are counted by hand from the definition
// in scoring.ts (a hit: same service, raised from the label's start to one interval after its end).

const H = 3_600_000;
const I = 300_000; // one 5-minute interval
const T0 = Date.UTC(2026, 0, 5, 5); // the run's start (midnight in New York)
const END = T0 + 48 * H;

const label = (type: string, service: string, start: number, end: number): Label => ({
  kind: 'anomaly' as Label['kind'],
  type,
  service_uid: service,
  commodity: 'electricity',
  start: new Date(start).toISOString(),
  end: new Date(end).toISOString(),
  start_ms: start,
  end_ms: end,
  parameters: {},
});
const alert = (type: Alert['type'], service: string, at: number): Alert => ({
  type,
  service_uid: service,
  commodity: 'electricity',
  at: new Date(at).toISOString(),
  at_ms: at,
  since: new Date(at).toISOString(),
  since_ms: at,
  detail: '',
});

describe('score', () => {
  const spike = (start: number) => label('spike', 's1', start, start + 30 * 60_000);
  const a = spike(T0 + 5 * H);
  const b = spike(T0 + 20 * H);

  it('counts hits, misses and doubles', () => {
    const alerts = [
      alert('spike', 's1', a.start_ms + 10 * 60_000), // hits a
      alert('spike', 's1', a.start_ms + 20 * 60_000), // hits a again: a true positive, a counted once
      alert('spike', 's1', T0 + 10 * H), // nothing there: a false positive
    ];
    const s = score('spike', alerts, [a, b], T0, END, I);
    expect(s).toEqual({
      type: 'spike',
      alerts: 3,
      truePositives: 2,
      labels: 2,
      detected: 1,
      // both in the detector's first two days: not detectable (see below)
      detectableLabels: 0,
      detectedDetectable: 0,
      precision: 2 / 3,
      recall: 1 / 2,
      detectableRecall: 1,
    });
  });

  it('a hit needs the same service and an alert type that answers to the label', () => {
    const alerts = [
      alert('spike', 's2', a.start_ms + 60_000), // another service
      alert('stuck', 's1', a.start_ms + 60_000), // another type: not scored as a spike at all
    ];
    const s = score('spike', alerts, [a], T0, END, I);
    expect(s).toMatchObject({ alerts: 1, truePositives: 0, detected: 0, precision: 0, recall: 0 });
    // stopped-reporting answers to outages, back-filled gaps and late batches, not to spikes
    const outage = label('outage', 's1', T0 + 3 * H, T0 + 6 * H);
    const stopped = score(
      'stopped-reporting',
      [alert('stopped-reporting', 's1', T0 + 4 * H)],
      [a, outage],
      T0,
      END,
      I,
    );
    expect(stopped).toMatchObject({ truePositives: 1, labels: 1, detected: 1 });
  });

  it("the span: from the label's start to one interval after its end, both ends included", () => {
    const at = (t: number) => score('spike', [alert('spike', 's1', t)], [a], T0, END, I).truePositives;
    expect(at(a.start_ms)).toBe(1);
    expect(at(a.start_ms - 1)).toBe(0);
    expect(at(a.end_ms + I)).toBe(1);
    expect(at(a.end_ms + I + 1)).toBe(0);
  });

  it('recall counts every label in the run; detectable recall only those the run could show', () => {
    const early = spike(T0 + 10 * 60_000); // in the detector's first two days: it cannot judge yet
    const late = label('spike', 's1', END - 10 * 60_000, END + H); // only 10 minutes in the data
    const before = label('spike', 's1', T0 - 2 * H, T0 - H); // over before the data: not in the run
    expect(detectable('spike', early, T0, END)).toBe(false);
    expect(detectable('spike', late, T0, END)).toBe(false);
    expect(detectable('spike', a, T0, END)).toBe(false); // 5 h in: still warming up
    const third = spike(T0 + 2 * 24 * H + 3 * H);
    const END3 = T0 + 72 * H;
    expect(detectable('spike', third, T0, END3)).toBe(true);
    // nothing caught: recall over all three labels in the run is 0, and so is detectable recall
    expect(score('spike', [], [early, late, before, third], T0, END3, I)).toMatchObject({
      labels: 3,
      detected: 0,
      recall: 0,
      detectableLabels: 1,
      detectedDetectable: 0,
      detectableRecall: 0,
      precision: 1,
    });
    // the detectable one caught: detectable recall 1, recall 1 of 3
    const caught = score(
      'spike',
      [alert('spike', 's1', third.start_ms + 20 * 60_000)],
      [early, late, third],
      T0,
      END3,
      I,
    );
    expect(caught).toMatchObject({
      labels: 3,
      detected: 1,
      recall: 1 / 3,
      detectableLabels: 1,
      detectableRecall: 1,
    });
    // no labels and no alerts: every ratio is 1
    expect(score('spike', [], [], T0, END, I)).toMatchObject({
      precision: 1,
      recall: 1,
      detectableRecall: 1,
    });
  });

  it('theft answers to the five theft labels, judged after two days of history', () => {
    const types = ['theft-constant', 'theft-random', 'theft-bypass', 'theft-flatten', 'theft-peak-cap'];
    const END9 = T0 + 9 * 24 * H;
    const thefts = types.map((t, i) => label(t, `t${i}`, T0 + (3 + i) * 24 * H, T0 + (5 + i) * 24 * H));
    const alerts = thefts.map((l) => alert('theft', l.service_uid, l.start_ms + 20 * H));
    const s = score(
      'theft',
      [...alerts, alert('theft', 'nobody', T0 + 4 * 24 * H)],
      [...thefts, a],
      T0,
      END9,
      I,
    );
    expect(s).toMatchObject({
      alerts: 6,
      truePositives: 5,
      labels: 5,
      detected: 5,
      precision: 5 / 6,
      recall: 1,
    });
    expect(s.detectableLabels).toBe(5);
    // one starting 8 days into 9 has less than two days in the data after it
    expect(
      detectable('theft', label('theft-constant', 'x', T0 + 8 * 24 * H, T0 + 10 * 24 * H), T0, END9),
    ).toBe(false);
    expect(detectable('theft', label('theft-constant', 'x', T0 + 24 * H, T0 + 4 * 24 * H), T0, END9)).toBe(
      false,
    );
  });

  it('merging workers’ scores adds their counts', () => {
    const x = score('spike', [alert('spike', 's1', a.start_ms)], [a, b], T0, END, I);
    const y = score('spike', [alert('spike', 's9', T0 + H)], [], T0, END, I);
    expect(mergeScores([[x], [y]])).toEqual([{ ...x, alerts: 2, truePositives: 1, precision: 1 / 2 }]);
  });

  it('an alert that hits two labels at once catches both, and is one true positive', () => {
    const overlapping = [spike(T0 + 5 * H), spike(T0 + 5 * H + 10 * 60_000)];
    const s = score('spike', [alert('spike', 's1', T0 + 5 * H + 15 * 60_000)], overlapping, T0, END, I);
    expect(s).toMatchObject({ alerts: 1, truePositives: 1, labels: 2, detected: 2 });
  });
});
