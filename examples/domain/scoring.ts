import type { Label } from '@eventide/generator';
import type { Alert, AlertType } from './alerts';
import { newYork } from './usage';

/**
 * Scores alerts against the generator's labels. An alert is a true positive when a label of a type
 * it is meant to catch covers it: same service, raised between the label's start and one interval
 * after its end. Recall counts the labels an alert could have caught (see `detectable`) that got
 * at least one alert.
 */

const HOUR_MS = 3_600_000;

/** Which labels each alert type answers to. */
export const TRUTH: Readonly<Record<AlertType, readonly string[]>> = {
  spike: ['spike'],
  // A meter that stops reporting, or whose readings arrive too late to be seen: outages,
  // missing intervals back-filled later, and batches delivered hours late all look the same.
  'stopped-reporting': ['outage', 'missing-backfill', 'late-batch'],
  leak: ['leak'],
  stuck: ['stuck'],
};

export interface Score {
  readonly type: AlertType;
  readonly alerts: number;
  readonly truePositives: number;
  readonly labels: number;
  readonly detected: number;
  readonly precision: number;
  readonly recall: number;
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

/** Whether the input range holds enough of a label for its alert to fire. */
export function detectable(type: AlertType, l: Label, dataStart: number, dataEnd: number): boolean {
  switch (type) {
    case 'spike':
      return l.start_ms >= dataStart + HOUR_MS && l.end_ms <= dataEnd;
    case 'stopped-reporting':
      // The reading before the gap must be in range, and the hour of silence must end in range.
      return l.start_ms > dataStart && l.start_ms + HOUR_MS < dataEnd && l.end_ms - l.start_ms > HOUR_MS;
    case 'leak':
      return coversNight(l, dataStart, dataEnd);
    case 'stuck':
      return l.start_ms > dataStart && l.start_ms + 2 * HOUR_MS <= Math.min(l.end_ms, dataEnd);
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
  const truth = labels.filter((l) => TRUTH[type].includes(l.type));
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
  const detected = scorable.filter((l) => caught.has(l)).length;
  return {
    type,
    alerts: ofType.length,
    truePositives,
    labels: scorable.length,
    detected,
    precision: ofType.length === 0 ? 1 : truePositives / ofType.length,
    recall: scorable.length === 0 ? 1 : detected / scorable.length,
  };
}
