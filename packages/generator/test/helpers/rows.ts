import { DateTime } from 'luxon';
import type { Label, MeterReading, ReadingConfig, Service } from '../../src/index';
import { createFleet, type Fleet, ReadingGenerator } from '../../src/index';

/** Every row of a run, in delivery order, and its labels. */
export function generate(fleet: Fleet, config: ReadingConfig): { rows: MeterReading[]; labels: Label[] } {
  const g = new ReadingGenerator(fleet, config);
  const rows: MeterReading[] = [];
  for (let b = g.next(); b !== null; b = g.next()) for (const r of b) rows.push(r);
  return { rows, labels: g.labels };
}

const HOUR_MS = 3_600_000;
const localHours = new Map<number, DateTime>();

/** New York local time of an instant, via luxon (cached per UTC hour: NY offsets are whole hours). */
export function local(ms: number): DateTime {
  const h = Math.floor(ms / HOUR_MS);
  let t = localHours.get(h);
  if (t === undefined)
    localHours.set(h, (t = DateTime.fromMillis(h * HOUR_MS, { zone: 'America/New_York' })));
  return t;
}

/** Sums `quantity` per service per key (`key` from the row's New York local time). */
export function sumBy(
  rows: readonly MeterReading[],
  key: (local: DateTime) => string,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const keys = new Map<number, string>();
  for (const r of rows) {
    const h = Math.floor(r.interval_start_ms / HOUR_MS);
    let k = keys.get(h);
    if (k === undefined) keys.set(h, (k = key(local(r.interval_start_ms))));
    let m = out.get(r.service_uid);
    if (m === undefined) out.set(r.service_uid, (m = new Map()));
    m.set(k, (m.get(k) ?? 0) + r.quantity);
  }
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `n` household services of one commodity (and gas use), from a seeded fleet. */
export function households(
  seed: number,
  n: number,
  type: Service['type'],
  gas?: 'heating' | 'cooking',
): { fleet: Fleet; services: Service[] } {
  const fleet = createFleet({ seed, premises: n * 4 });
  const services = fleet.services
    .filter(
      (s) =>
        s.type === type && s.premise.kind === 'household' && (gas === undefined || s.premise.gas === gas),
    )
    .slice(0, n);
  if (services.length < n) throw new Error(`only ${services.length} services`);
  return { fleet, services };
}
