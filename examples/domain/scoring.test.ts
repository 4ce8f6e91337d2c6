import type { Label } from '@eventide/generator';
import { describe, expect, it } from 'vitest';
import type { Alert } from './alert';
import { detectable, score } from './scoring';

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
      precision: 2 / 3,
      recall: 1 / 2,
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

  it('recall counts only the labels the range could show; no alerts and no labels score 1', () => {
    const early = spike(T0 + 10 * 60_000); // in the first hour: a spike there cannot be judged
    const late = label('spike', 's1', END - 10 * 60_000, END + H); // runs past the end
    expect(detectable('spike', early, T0, END)).toBe(false);
    expect(detectable('spike', late, T0, END)).toBe(false);
    expect(score('spike', [], [early, late], T0, END, I)).toMatchObject({
      labels: 0,
      precision: 1,
      recall: 1,
    });
    expect(score('spike', [], [a], T0, END, I)).toMatchObject({
      labels: 1,
      detected: 0,
      precision: 1,
      recall: 0,
    });
  });

  it('an alert that hits two labels at once catches both, and is one true positive', () => {
    const overlapping = [spike(T0 + 5 * H), spike(T0 + 5 * H + 10 * 60_000)];
    const s = score('spike', [alert('spike', 's1', T0 + 5 * H + 15 * 60_000)], overlapping, T0, END, I);
    expect(s).toMatchObject({ alerts: 1, truePositives: 1, labels: 2, detected: 2 });
  });
});
