import { type DataStream, OutputTag, type TimeWindow, TumblingEventTimeWindows } from '@eventide/core';
import type { Commodity } from '@eventide/generator';
import { NewYorkDays, newYork, type Usage } from './usage';

/**
 * Rollups: hourly use per ZIP code and per borough, and daily use per service on New York calendar
 * days with an estimated cost. Windows accept readings up to ALLOWED_LATENESS_MS behind the
 * watermark (each one fires the window again with the corrected total); later ones go to a late
 * side output.
 */

const HOUR_MS = 3_600_000;
export const ALLOWED_LATENESS_MS = 3 * HOUR_MS;

/** A flat tariff: USD per native unit (Con Edison and NYC Water Board orders of magnitude). */
export const FLAT_TARIFF: Readonly<Record<Commodity, number>> = Object.freeze({
  electricity: 0.3, // per kWh, delivery and supply together
  gas: 1.6, // per therm
  water: 0.0157, // per gallon ($11.74 per 100 cubic feet of water and sewer)
});

export interface HourlyTotal {
  readonly area: string;
  readonly commodity: Commodity;
  readonly unit: string;
  readonly hour_start: string;
  readonly quantity: number;
  readonly readings: number;
}

export interface DailyUse {
  readonly service_uid: string;
  /** The New York calendar date, `YYYY-MM-DD`. */
  readonly date: string;
  readonly hours: number;
  readonly commodity: Commodity;
  readonly unit: string;
  readonly quantity: number;
  readonly cost_usd: number;
}

interface Sum {
  quantity: number;
  readings: number;
  first: Usage | undefined;
}

const sum = {
  createAccumulator: (): Sum => ({ quantity: 0, readings: 0, first: undefined }),
  add: (u: Usage, acc: Sum): Sum => {
    acc.quantity += u.quantity;
    if (!u.correction) acc.readings++;
    acc.first ??= u;
    return acc;
  },
  getResult: (acc: Sum): Sum => acc,
  merge: (a: Sum, b: Sum): Sum => ({
    quantity: a.quantity + b.quantity,
    readings: a.readings + b.readings,
    first: a.first ?? b.first,
  }),
};

const round = (x: number, digits: number) => Number(x.toFixed(digits));

function hourly(usage: DataStream<Usage>, area: (u: Usage) => string, name: string, late: OutputTag<Usage>) {
  return usage
    .keyBy((u) => `${area(u)}|${u.commodity}`)
    .window(TumblingEventTimeWindows.of(HOUR_MS))
    .allowedLateness(ALLOWED_LATENESS_MS)
    .sideOutputLateData(late)
    .aggregate(sum, (key: string, ctx: { window: TimeWindow }, [acc]: readonly Sum[]): HourlyTotal[] => {
      const first = acc!.first!;
      return [
        {
          area: key.slice(0, key.lastIndexOf('|')),
          commodity: first.commodity,
          unit: first.unit,
          hour_start: new Date(ctx.window.start).toISOString(),
          quantity: round(acc!.quantity, 4),
          readings: acc!.readings,
        },
      ];
    })
    .name(name);
}

/** Late readings of the hourly rollups (the same readings are late for the ZIP and the borough). */
export const LATE_READINGS = new OutputTag<Usage>('late-readings');
const LATE_BOROUGH = new OutputTag<Usage>('late-borough');
/** Readings too late even for their New York day. */
export const LATE_FOR_DAY = new OutputTag<Usage>('late-for-day');

export function hourlyByZip(usage: DataStream<Usage>): DataStream<HourlyTotal> {
  return hourly(usage, (u) => u.zip, 'hourly-zip', LATE_READINGS);
}

export function hourlyByBorough(usage: DataStream<Usage>): DataStream<HourlyTotal> {
  return hourly(usage, (u) => u.borough, 'hourly-borough', LATE_BOROUGH);
}

/** Daily use per service on New York calendar days (midnight to midnight, 23–25 hours). */
export function dailyUse(usage: DataStream<Usage>): DataStream<DailyUse> {
  return usage
    .keyBy((u) => u.service_uid)
    .window(new NewYorkDays())
    .allowedLateness(ALLOWED_LATENESS_MS)
    .sideOutputLateData(LATE_FOR_DAY)
    .aggregate(sum, (key: string, ctx: { window: TimeWindow }, [acc]: readonly Sum[]): DailyUse[] => {
      const first = acc!.first!;
      const quantity = round(acc!.quantity, 4);
      return [
        {
          service_uid: key,
          date: newYork(ctx.window.start).toISODate() ?? '',
          hours: (ctx.window.end - ctx.window.start) / HOUR_MS,
          commodity: first.commodity,
          unit: first.unit,
          quantity,
          cost_usd: round(quantity * FLAT_TARIFF[first.commodity], 2),
        },
      ];
    })
    .name('daily-use');
}
