import type { Premise } from './fleet';
import { cycleOn, HOUR_MS, Segments } from './load';
import type { LocalHour } from './local-time';
import { normal, Stream, unit } from './random';

/**
 * Businesses by type, each with opening hours: offices (Monday–Friday), shops (Monday–Saturday and
 * shorter Sundays), restaurants and groceries (every day, long hours), and services. Closed days
 * follow the holiday calendar: major holidays close offices, shops and services, minor ones close
 * about half the offices. Load = always-on base (refrigeration, servers, emergency lighting) + the
 * opening-hours load (lights and equipment, ramped over half an hour) + air conditioning cycling
 * with the outside temperature while open + refrigeration compressors for food businesses.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const AVERAGE_MONTH_HOURS = (365.25 / 12) * 24;

export type BusinessType = 'office' | 'shop' | 'restaurant' | 'grocery' | 'services';

const TYPES: readonly [BusinessType, number][] = [
  ['office', 0.3],
  ['shop', 0.6],
  ['restaurant', 0.78],
  ['grocery', 0.88],
  ['services', 1],
];

/** Opening hours by type: [open, close] in local hours for weekdays, Saturdays and Sundays (null: closed). */
const HOURS: Record<BusinessType, readonly ([number, number] | null)[]> = {
  office: [[8, 18], null, null],
  shop: [
    [10, 20],
    [10, 20],
    [11, 18],
  ],
  restaurant: [
    [11, 23],
    [11, 23.5],
    [11, 22],
  ],
  grocery: [
    [6, 23],
    [6, 23],
    [7, 22],
  ],
  services: [[9, 18], [9, 16], null],
};

export interface Business {
  readonly premise: number;
  readonly type: BusinessType;
  /** Mean load, kW (the month's kWh over its hours). */
  readonly meanKW: number;
  readonly baseKW: number;
  readonly openKW: number;
  readonly acKW: number;
  readonly acCycle: { period: number; phase: number };
  readonly compressors: readonly { power: number; period: number; phase: number; duty: number }[];
  /** Equipment that cycles while open (kitchen, copiers, lifts, ventilation), each a share of `openKW`. */
  readonly equipment: readonly { share: number; period: number; phase: number; duty: number }[];
  /** Minutes the hours shift by (some open earlier, some later). */
  readonly shift: number;
  /** Heating gas: therms per hour per °C below the set point; cooking gas while open, therms per hour. */
  readonly gasUA: number;
  readonly cookingTherms: number;
  /** Water draws per open hour. */
  readonly waterPerHour: number;
}

/** Draws a premise's business (`medianKWh`, `sigma`: the monthly kWh distribution). */
export function businessOf(seed: number, premise: Premise, medianKWh: number, sigma: number): Business {
  const r = (i: number) => unit(seed, Stream.business, premise.index, i);
  const between = (lo: number, hi: number, i: number) => lo + (hi - lo) * r(i);
  const type = premise.gas === 'cooking' ? 'restaurant' : TYPES.find(([, p]) => r(0) < p)![0];
  const meanKW = (medianKWh * Math.exp(sigma * normal(r(1), r(2)))) / AVERAGE_MONTH_HOURS;
  const food = type === 'restaurant' || type === 'grocery';
  const baseShare = food ? between(0.35, 0.5, 3) : between(0.2, 0.35, 3);
  const weeklyOpen = openHoursPerWeek(type);
  // The opening-hours load makes up what the base and the air conditioning's yearly share leave.
  const acKW = meanKW * between(0.3, 0.6, 4);
  // Cycling equipment adds about a fifth of it on average (three cycles of 10–20% at half duty).
  const openKW = Math.max(0, (meanKW * (1 - baseShare) - acKW * 0.12) / (weeklyOpen / 168) / 1.225);
  const compressors = food
    ? [0, 1, 2].map((i) => ({
        power: meanKW * baseShare * 0.4,
        period: between(20, 50, 10 + i) * MINUTE_MS,
        phase: r(13 + i) * DAY_MS,
        duty: between(0.4, 0.6, 16 + i),
      }))
    : [];
  const heating = premise.gas === 'heating';
  return {
    premise: premise.index,
    type,
    meanKW,
    baseKW: meanKW * baseShare * (food ? 0.4 : 1),
    openKW,
    acKW,
    acCycle: { period: between(15, 30, 5) * MINUTE_MS, phase: r(6) * DAY_MS },
    compressors,
    equipment: [0, 1, 2].map((i) => ({
      share: between(0.1, 0.2, 30 + i),
      period: between(6, 25, 33 + i) * MINUTE_MS,
      phase: r(36 + i) * DAY_MS,
      duty: between(0.3, 0.7, 39 + i),
    })),
    shift: (r(7) - 0.5) * 60,
    gasUA: heating ? between(0.04, 0.09, 8) * Math.exp(0.35 * normal(r(20), r(21))) : 0,
    cookingTherms:
      premise.gas === 'cooking' ? between(0.6, 1.2, 9) * Math.exp(0.35 * normal(r(22), r(23))) : 0,
    waterPerHour: between(15, 40, 24) * Math.exp(0.3 * normal(r(25), r(26))),
  };
}

function openHoursPerWeek(type: BusinessType): number {
  const [weekday, saturday, sunday] = HOURS[type];
  const len = (x: [number, number] | null | undefined) => (x ? x[1] - x[0] : 0);
  return 5 * len(weekday) + len(saturday) + len(sunday);
}

/** A business day: when it is open (empty when closed) and its water draws and busy periods. */
export interface BusinessDay {
  readonly dayIndex: number;
  readonly start: number;
  readonly open: number[];
  readonly electricity: Segments;
  readonly gas: Segments;
  readonly water: Segments;
}

/** Builds a business's day. */
export function planBusinessDay(seed: number, b: Business, lh: LocalHour): BusinessDay {
  const r = (i: number) => unit(seed, Stream.businessDay, b.premise, lh.dayIndex * 4096 + i);
  const day: BusinessDay = {
    dayIndex: lh.dayIndex,
    start: lh.dayStart,
    open: [],
    electricity: new Segments(),
    gas: new Segments(),
    water: new Segments(),
  };
  const [weekday, saturday, sunday] = HOURS[b.type];
  let hours = lh.weekday === 7 ? sunday : lh.weekday === 6 ? saturday : weekday;
  const food = b.type === 'restaurant' || b.type === 'grocery';
  if (lh.holiday === 'major' && !(food && r(0) < 0.6)) hours = null;
  if (lh.holiday === 'minor' && b.type === 'office' && r(0) < 0.5) hours = null;
  if (hours) {
    const open = lh.dayStart + (hours[0] * 60 + b.shift) * MINUTE_MS;
    const close = lh.dayStart + (hours[1] * 60 + b.shift) * MINUTE_MS;
    day.open.push(open, close);
    // Staff arrive and leave over half an hour: the load ramps in three steps.
    const step = 10 * MINUTE_MS;
    for (let i = 0; i < 3; i++) {
      day.electricity.add(
        open - 30 * MINUTE_MS + i * step,
        open - 30 * MINUTE_MS + (i + 1) * step,
        (b.openKW * (i + 1)) / 4,
      );
      day.electricity.add(close + i * step, close + (i + 1) * step, (b.openKW * (3 - i)) / 4);
    }
    day.electricity.add(open, close, b.openKW);
    // Rushes: restaurants at lunch and dinner, others around midday.
    const rushes: [number, number][] =
      b.type === 'restaurant'
        ? [
            [11.75, 14],
            [18, 21.25],
          ]
        : [[11.5 + r(1), 13.5 + r(1)]];
    for (const [s, e] of rushes) {
      const from = Math.max(open, lh.dayStart + s * HOUR_MS);
      const to = Math.min(close, lh.dayStart + e * HOUR_MS);
      day.electricity.add(from, to, b.openKW * 0.25);
      if (b.cookingTherms > 0) day.gas.add(from, to, b.cookingTherms * 1.5);
    }
  }
  day.electricity.seal();
  day.gas.seal();
  day.water.seal();
  return day;
}

/** The steady and cycling parts of a business's electricity over `[a, b)` inside one hour, kWh. */
export function businessElectricityHour(
  b: Business,
  a: number,
  end: number,
  temperature: number,
  open: boolean,
): number {
  let ms = b.baseKW * (end - a);
  // Ventilation runs around the clock; the rest of the equipment while open.
  for (const e of b.equipment)
    ms += b.openKW * e.share * (open ? 1 : 0.15) * cycleOn(a, end, e.period, e.phase, e.duty);
  for (const c of b.compressors)
    ms += c.power * cycleOn(a, end, c.period, c.phase, c.duty + 0.01 * (temperature - 15));
  if (temperature > 16) {
    const duty = Math.min(1, (temperature - 16) / 12) * (open ? 1 : 0.15);
    ms += b.acKW * cycleOn(a, end, b.acCycle.period, b.acCycle.phase, duty);
  }
  return ms / HOUR_MS;
}

/**
 * A business's water over `[a, b)` inside one hour, gallons: while open, fixtures in use cycle on
 * and off (two overlapping cycles of a few minutes) around the business's hourly draw.
 */
export function businessWaterHour(b: Business, a: number, end: number, open: boolean): number {
  if (!open) return 0;
  const perMs = (b.waterPerHour * 2.5) / HOUR_MS;
  return (
    perMs *
    (cycleOn(a, end, 7 * MINUTE_MS, b.acCycle.phase, 0.5) +
      cycleOn(a, end, 11 * MINUTE_MS, b.acCycle.phase * 0.7, 0.5))
  );
}

/**
 * A business's gas over `[a, b)` inside one hour, therms: a boiler covering the heat lost below
 * the set point (lowered when closed), firing in cycles; or a kitchen's burners while open.
 */
export function businessGasHour(
  b: Business,
  a: number,
  end: number,
  temperature: number,
  open: boolean,
): number {
  if (b.cookingTherms > 0) {
    if (!open) return 0;
    const [x, y] = b.equipment;
    return (
      (b.cookingTherms *
        (cycleOn(a, end, x!.period, x!.phase, 0.5) + cycleOn(a, end, y!.period, y!.phase, 0.5)) *
        0.5) /
      HOUR_MS
    );
  }
  const setPoint = open ? 18.3 : 14;
  const demand = b.gasUA * Math.max(0, setPoint - temperature);
  const capacity = b.gasUA * 30;
  return (capacity * cycleOn(a, end, b.acCycle.period * 1.3, b.acCycle.phase, demand / capacity)) / HOUR_MS;
}
