import type { Label } from '@eventide/generator';
import type { Alert, AlertType } from './alert';
import { SILENCE_MS } from './outage';
import { newYork } from './usage';

/**
 * Scores alerts against the generator's labels.
 *
 * - An alert is a true positive when a label of a type it answers to (`TRUTH`) covers it: same
 *   service, raised from the label's start to one interval after its end.
 * - Recall counts every label of those types that overlaps the run: a label counts as caught when
 *   at least one alert hits it, whether or not the detector was built to see it.
 * - Detectable recall, beside it, counts only the labels the run holds enough of for the detector
 *   to decide (`detectable`): not cut off by the start or end of the data, long enough for the
 *   detector's rule. It says how well a detector does what it was built to do; recall says how
 *   much of what went wrong it finds.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Which labels each alert type answers to. */
export const TRUTH: Readonly<Record<AlertType, readonly string[]>> = {
  spike: ['spike'],
  // A meter that stops reporting, or whose readings arrive too late to be seen: outages,
  // missing intervals back-filled later, and batches delivered hours late all look the same.
  'stopped-reporting': ['outage', 'missing-backfill', 'late-batch'],
  leak: ['leak'],
  stuck: ['stuck'],
  theft: ['theft-constant', 'theft-random', 'theft-bypass', 'theft-flatten', 'theft-peak-cap'],
};

/** Days of a service's own history the theft detector needs before it judges (see `theft.ts`). */
export const THEFT_HISTORY_DAYS = 2;

export interface Score {
  readonly type: AlertType;
  readonly alerts: number;
  readonly truePositives: number;
  readonly precision: number;
  /** Labels of the types this alert answers to that overlap the run. */
  readonly labels: number;
  /** Of those, the ones at least one alert hit. */
  readonly detected: number;
  readonly recall: number;
  /** Labels the run holds enough of for the detector to decide (`detectable`). */
  readonly detectableLabels: number;
  readonly detectedDetectable: number;
  readonly detectableRecall: number;
}

/** A leak label is detectable when it covers a whole night, 01:00–05:00 New York time, in range. */
function coversNight(l: Label, start: number, end: number): boolean {
  for (let t = Math.max(l.start_ms, start); t < Math.min(l.end_ms, end); t += HOUR_MS) {
    const local = newYork(t);
    if (local.hour === 1 && local.minute === 0) {
      const nightEnd = local.plus({ hours: 4 }).toMillis();
      if (t >= l.start_ms && nightEnd <= Math.min(l.end_ms, end)) return true;
    }
  }
  return false;
}

/** Whether the run holds enough of a label for its detector to decide. */
export function detectable(type: AlertType, l: Label, dataStart: number, dataEnd: number): boolean {
  switch (type) {
    case 'spike':
      // After the detector's two days of watching the service, and 20 minutes of it in the data.
      return l.start_ms >= dataStart + 2 * DAY_MS && l.start_ms + 20 * 60_000 <= Math.min(l.end_ms, dataEnd);
    case 'stopped-reporting':
      // The reading before the gap must be in range, and the silence must end in range.
      return (
        l.start_ms > dataStart && l.start_ms + SILENCE_MS < dataEnd && l.end_ms - l.start_ms >= SILENCE_MS
      );
    case 'leak':
      return coversNight(l, dataStart, dataEnd);
    case 'stuck':
      return l.start_ms > dataStart && l.start_ms + 2 * HOUR_MS <= Math.min(l.end_ms, dataEnd);
    case 'theft':
      // Days of the service's own history before it, and a whole day of it inside the data.
      return l.start_ms >= dataStart + THEFT_HISTORY_DAYS * DAY_MS && l.start_ms + 2 * DAY_MS <= dataEnd;
    default: {
      const never: never = type;
      throw new Error(`unknown alert type ${String(never)}`);
    }
  }
}

export function score(
  type: AlertType,
  alerts: readonly Alert[],
  labels: readonly Label[],
  dataStart: number,
  dataEnd: number,
  intervalMs: number,
): Score {
  const truth = labels.filter(
    (l) => TRUTH[type].includes(l.type) && l.end_ms > dataStart && l.start_ms < dataEnd,
  );
  const byService = new Map<string, Label[]>();
  for (const l of truth) {
    const list = byService.get(l.service_uid);
    if (list === undefined) byService.set(l.service_uid, [l]);
    else list.push(l);
  }
  const ofType = alerts.filter((a) => a.type === type);
  const caught = new Set<Label>();
  let truePositives = 0;
  for (const a of ofType) {
    const hits = (byService.get(a.service_uid) ?? []).filter(
      (l) => l.start_ms <= a.at_ms && a.at_ms <= l.end_ms + intervalMs,
    );
    if (hits.length > 0) truePositives++;
    for (const l of hits) caught.add(l);
  }
  const scorable = truth.filter((l) => detectable(type, l, dataStart, dataEnd));
  return scoreOf(type, {
    alerts: ofType.length,
    truePositives,
    labels: truth.length,
    detected: truth.filter((l) => caught.has(l)).length,
    detectableLabels: scorable.length,
    detectedDetectable: scorable.filter((l) => caught.has(l)).length,
  });
}

type Counts = Pick<
  Score,
  'alerts' | 'truePositives' | 'labels' | 'detected' | 'detectableLabels' | 'detectedDetectable'
>;

/** A score from its counts (ratios of nothing are 1: no alerts are all correct, no labels all found). */
function scoreOf(type: AlertType, c: Counts): Score {
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    type,
    ...c,
    precision: ratio(c.truePositives, c.alerts),
    recall: ratio(c.detected, c.labels),
    detectableRecall: ratio(c.detectedDetectable, c.detectableLabels),
  };
}

/** Scores of disjoint parts of one run (workers' shares of the services) added up. */
export function mergeScores(parts: readonly (readonly Score[])[]): Score[] {
  if (parts.length === 0) return [];
  return parts[0]!.map((first) => {
    const all = parts.map((p) => p.find((s) => s.type === first.type)!);
    const add = (f: keyof Counts) => all.reduce((a, s) => a + s[f], 0);
    return scoreOf(first.type, {
      alerts: add('alerts'),
      truePositives: add('truePositives'),
      labels: add('labels'),
      detected: add('detected'),
      detectableLabels: add('detectableLabels'),
      detectedDetectable: add('detectedDetectable'),
    });
  });
}
