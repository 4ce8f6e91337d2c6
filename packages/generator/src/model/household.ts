import type { Commodity, GasUse, Premise } from './fleet';
import { cycleOn, HOUR_MS, Segments } from './load';
import type { LocalHour } from './local-time';
import { normal, Stream, unit } from './random';

/**
 * A household built bottom-up, in the manner of high-resolution domestic demand models (CREST and
 * its kin): occupants with a daily routine, appliances with realistic power and run times, and
 * thermostats answering the weather. Every draw is a pure function of (seed, premise, day), so the
 * electricity, gas and water meters of one home see the same people, and any day can be built
 * alone.
 *
 * Routines (minutes after local midnight, each day jittered):
 * - commuter (45%): up 5:30–8:00, out 45–90 min later, back 16:30–20:30, asleep 22:00–0:30;
 * - home all day (30%: retired, remote work, carers): up 7:00–9:00, an outing of 1–3 h most days;
 * - night worker (10%): home from 7:30, asleep 8:45–15:30, out from 21:30;
 * - student or irregular (15%): up 9:30–11:00, out in the afternoon, asleep after midnight.
 * Weekends and major holidays are days off for commuters (minor holidays for half of them), and a
 * household is away on holiday for 4–10 days about twice a year. 3% of units are vacant.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export type Routine = 'commuter' | 'home' | 'night' | 'student';

/** What a home has and how its people live, drawn once per premise. */
export interface Household {
  readonly premise: number;
  readonly vacant: boolean;
  readonly gas: GasUse;
  readonly occupants: number;
  readonly routine: Routine;
  /** Usual times, minutes after local midnight. */
  readonly wake: number;
  readonly back: number;
  readonly sleep: number;
  readonly standbyKW: number;
  readonly fridge: Cycle;
  readonly freezer: Cycle | null;
  readonly lightKW: number;
  readonly plugKW: number;
  readonly electricCooking: boolean;
  readonly washer: boolean;
  readonly dryer: boolean;
  readonly dishwasher: boolean;
  readonly electricWaterHeater: boolean;
  /** Air conditioning (0: none), switching on above `acAbove` °C outside. */
  readonly acKW: number;
  readonly acAbove: number;
  readonly acCycle: Cycle;
  /** Electric heat (0: none), on below `heatBelow` °C outside. */
  readonly heatKW: number;
  readonly heatBelow: number;
  readonly heatCycle: Cycle;
  /** Gas heating: therms per hour per °C below the set point, and the boiler. */
  readonly gasUA: number;
  readonly boiler: Cycle;
  /** Standing pilot lights of an old gas stove, therms per hour (0 for electronic ignition). */
  readonly pilotTherms: number;
  /** Gallons per flush (old New York toilets use 3.5, new ones 1.6). */
  readonly flushGallons: number;
  readonly showerGpm: number;
  /**
   * How much this home's standby, lights and plug loads differ from the typical (lognormal, median
   * the calibration's factor for what the model does not itemise: a second TV, a space heater…).
   */
  readonly scale: number;
}

export interface Cycle {
  readonly power: number;
  readonly period: number;
  readonly phase: number;
  readonly duty: number;
}

const ROUTINES: readonly [Routine, number][] = [
  ['commuter', 0.45],
  ['home', 0.75],
  ['night', 0.85],
  ['student', 1],
];

/** Draws a premise's household. */
export function householdOf(seed: number, premise: Premise, unitemised = 1): Household {
  const r = (i: number) => unit(seed, Stream.household, premise.index, i);
  const between = (lo: number, hi: number, i: number) => lo + (hi - lo) * r(i);
  const u0 = r(0);
  const occupants = u0 < 0.32 ? 1 : u0 < 0.62 ? 2 : u0 < 0.78 ? 3 : u0 < 0.9 ? 4 : 5;
  const routine = ROUTINES.find(([, p]) => r(1) < p)![0];
  const times: Record<Routine, [number, number, number]> = {
    commuter: [between(330, 480, 2), between(990, 1230, 3), between(1320, 1470, 4)],
    home: [between(420, 540, 2), 0, between(1320, 1410, 4)],
    night: [between(900, 960, 2), between(420, 480, 3), between(510, 570, 4)],
    student: [between(570, 660, 2), between(990, 1080, 3), between(1470, 1590, 4)],
  };
  const [wake, back, sleep] = times[routine];
  const electricHome = premise.gas === 'none';
  const cycle = (power: number, periodMin: [number, number], duty: number, i: number): Cycle => ({
    power,
    period: between(periodMin[0], periodMin[1], i) * MINUTE_MS,
    phase: r(i + 1) * 7 * DAY_MS,
    duty,
  });
  const acUnits = r(20) < 0.88 ? Math.min(2, 1 + Math.floor(r(21) * Math.min(occupants, 3))) : 0;
  const scale = Math.exp(0.3 * normal(r(30), r(31))) * unitemised;
  const gasUA = between(0.01145, 0.0228, 34) * Math.exp(0.2 * normal(r(35), r(36)));
  return {
    premise: premise.index,
    vacant: r(5) < 0.03,
    gas: premise.gas,
    occupants,
    routine,
    wake,
    back,
    sleep,
    standbyKW: between(0.04, 0.1, 6) * (0.8 + 0.1 * occupants),
    fridge: cycle(between(0.09, 0.2, 7), [35, 70], between(0.35, 0.5, 8), 9),
    freezer: r(11) < 0.15 ? cycle(between(0.08, 0.13, 12), [50, 90], between(0.3, 0.4, 13), 14) : null,
    lightKW: between(0.05, 0.12, 16) + 0.03 * occupants,
    plugKW: between(0.1, 0.25, 17) + 0.05 * occupants,
    electricCooking: electricHome,
    washer: r(18) < 0.3,
    dryer: r(18) < 0.24,
    dishwasher: r(19) < 0.3,
    electricWaterHeater: electricHome && r(22) < 0.4,
    acKW: acUnits * between(0.5, 1.0, 23),
    acAbove: between(21, 25, 24),
    acCycle: cycle(1, [15, 25], 1, 25),
    heatKW: electricHome && r(27) < 0.5 ? between(1.2, 2.5, 28) : 0,
    heatBelow: between(14, 17, 29),
    heatCycle: cycle(1, [20, 30], 1, 32),
    gasUA,
    // Sized for New York's design day with a margin: it fires in cycles even on the coldest days.
    boiler: cycle(gasUA * between(35, 50, 37), [30, 45], 1, 38),
    pilotTherms: r(40) < 0.6 ? between(0.01, 0.022, 41) : 0,
    flushGallons: r(42) < 0.5 ? 3.5 : 1.6,
    showerGpm: between(1.8, 2.5, 43),
    scale,
  };
}

/** One household day: who is home when, and the appliance runs and water draws that started in it. */
export interface DayPlan {
  readonly dayIndex: number;
  readonly start: number;
  /** `[start, end)` pairs: awake and at home. */
  readonly active: number[];
  /** `[start, end)` pairs: out of the home. */
  readonly away: number[];
  readonly electricity: Segments;
  readonly gas: Segments;
  readonly water: Segments;
}

function isDayOff(lh: LocalHour, u: number): boolean {
  if (lh.weekend || lh.holiday === 'major') return true;
  return lh.holiday === 'minor' && u < 0.5;
}

/** Whether `t` lies in one of the `[start, end)` pairs. */
export function within(pairs: readonly number[], t: number): boolean {
  for (let i = 0; i < pairs.length; i += 2) if (t >= pairs[i]! && t < pairs[i + 1]!) return true;
  return false;
}

/** Whether the household is on holiday (4–10 days, about twice a year) on a local day. */
function onVacation(seed: number, premise: number, dayIndex: number): boolean {
  for (let d = dayIndex - 9; d <= dayIndex; d++) {
    if (unit(seed, Stream.vacation, premise, d * 4) >= 2 / 365) continue;
    const length = 4 + Math.floor(unit(seed, Stream.vacation, premise, d * 4 + 1) * 7);
    if (dayIndex - d < length) return true;
  }
  return false;
}

/** Builds a household's day (`lh`: any hour of that local day). */
export function planDay(seed: number, h: Household, lh: LocalHour, only?: Commodity): DayPlan {
  const day = lh.dayIndex;
  const r = (i: number) => unit(seed, Stream.householdDay, h.premise, day * 1024 + i);
  const at = (minutes: number) => lh.dayStart + minutes * MINUTE_MS;
  const jitter = (i: number, spread: number) => (r(i) - 0.5) * 2 * spread;
  const plan: DayPlan = {
    dayIndex: day,
    start: lh.dayStart,
    active: [],
    away: [],
    electricity: new Segments(only === undefined || only === 'electricity'),
    gas: new Segments(only === undefined || only === 'gas'),
    water: new Segments(only === undefined || only === 'water'),
  };
  if (h.vacant || onVacation(seed, h.premise, day)) {
    plan.away.push(lh.dayStart, lh.dayStart + DAY_MS);
    return seal(plan);
  }
  const off = isDayOff(lh, r(0));
  let wake = h.wake + jitter(1, 25);
  let sleep = h.sleep + jitter(2, 35);
  const outings: [number, number][] = [];
  switch (h.routine) {
    case 'commuter':
      if (off) {
        wake += 60 + 60 * r(3);
        sleep += 30;
        if (r(4) < 0.7) outings.push(start(660 + 240 * r(5), 120 + 180 * r(6)));
      } else {
        outings.push([wake + 45 + 45 * r(3), h.back + jitter(4, 40)]);
        if (r(5) < 0.15) outings.push(start(1200 + 60 * r(6), 90 + 90 * r(7)));
      }
      break;
    case 'home':
      if (r(3) < (off ? 0.7 : 0.6)) outings.push(start(600 + 360 * r(4), 60 + 120 * r(5)));
      break;
    case 'night':
      if (off) {
        wake = 600 + 120 * r(3);
        sleep = 1410 + 60 * r(4);
        if (r(5) < 0.6) outings.push(start(780 + 240 * r(6), 120 + 120 * r(7)));
      } else {
        // Home from the night shift, asleep through the day, out again in the evening.
        plan.active.push(at(h.back + jitter(3, 20)), at(h.sleep + jitter(4, 20)));
        wake = 900 + jitter(5, 30) + 30;
        sleep = 1290 + jitter(6, 30);
        plan.away.push(at(sleep), at(1440 + h.back));
      }
      break;
    case 'student':
      if (r(3) < (off ? 0.5 : 0.7)) outings.push(start(720 + 120 * r(4), 180 + 180 * r(5)));
      break;
  }
  // Awake at home: from wake to sleep, less the outings.
  let from = wake;
  for (const [s, e] of outings.sort((a, b) => a[0] - b[0])) {
    if (s <= from || s >= sleep) continue;
    plan.active.push(at(from), at(s));
    plan.away.push(at(s), at(Math.min(e, sleep)));
    from = Math.min(e, sleep);
  }
  if (from < sleep) plan.active.push(at(from), at(sleep));
  appliances(h, lh, plan, r, at, wake, sleep);
  return seal(plan);
}

function start(minute: number, length: number): [number, number] {
  return [minute, minute + length];
}

function seal(plan: DayPlan): DayPlan {
  plan.electricity.seal();
  plan.gas.seal();
  plan.water.seal();
  return plan;
}

/** Total awake-at-home time, and the instant `u` (0–1) of the way through it. */
function activeAt(active: readonly number[], u: number): number {
  let total = 0;
  for (let i = 0; i < active.length; i += 2) total += active[i + 1]! - active[i]!;
  let x = u * total;
  for (let i = 0; i < active.length; i += 2) {
    const len = active[i + 1]! - active[i]!;
    if (x < len) return active[i]! + x;
    x -= len;
  }
  return Number.NaN;
}

/** The first awake-at-home instant at or after `t` (NaN if none that day). */
function firstActive(active: readonly number[], t: number): number {
  for (let i = 0; i < active.length; i += 2) {
    if (t < active[i + 1]!) return Math.max(t, active[i]!);
  }
  return Number.NaN;
}

function appliances(
  h: Household,
  lh: LocalHour,
  plan: DayPlan,
  r: (i: number) => number,
  at: (minutes: number) => number,
  wake: number,
  sleep: number,
): void {
  const { electricity: el, gas, water, active } = plan;
  if (active.length === 0) return;
  const k = h.scale;
  const dawn = at((lh.sunrise + 0.5) * 60);
  const dusk = at((lh.sunset - 0.5) * 60);
  for (let i = 0; i < active.length; i += 2) {
    const s = active[i]!;
    const e = active[i + 1]!;
    // Lights: full in the dark, a quarter by day; plug loads (TV, computers, chargers) whenever up.
    el.add(s, Math.min(e, dawn), h.lightKW * k);
    el.add(Math.max(s, dawn), Math.min(e, dusk), 0.25 * h.lightKW * k);
    el.add(Math.max(s, dusk), e, h.lightKW * k);
  }
  let n = 100;
  const draw = () => r(n++);
  // Plug loads (TV, computers, chargers, a fan or a space heater) come and go: blocks of 5–25
  // minutes at 0.1–1.9 times the home's typical level.
  for (let i = 0; i < active.length; i += 2) {
    for (let t = active[i]!; t < active[i + 1]!; ) {
      const next = Math.min(active[i + 1]!, t + (5 + 20 * draw()) * MINUTE_MS);
      el.add(t, next, h.plugKW * k * (0.1 + 1.8 * draw()));
      t = next;
    }
  }
  const cook = (t: number, minutes: number, kW: number, therms: number) => {
    if (Number.isNaN(t)) return;
    const end = t + minutes * MINUTE_MS;
    if (h.electricCooking) el.add(t, end, kW);
    else gas.add(t, end, therms);
    water.add(t, t + 2 * MINUTE_MS, 60); // washing up: 2 gallons
  };
  // Meals: breakfast, lunch when home, dinner.
  if (draw() < 0.6) cook(firstActive(active, at(wake + 15 + 25 * draw())), 8 + 12 * draw(), 1.5, 0.09);
  if (draw() < 0.45) cook(firstActive(active, at(720 + 60 * draw())), 10 + 15 * draw(), 1.6, 0.1);
  if (draw() < 0.75) {
    const t = firstActive(active, at(1020 + 180 * draw()));
    const minutes = 20 + 40 * draw();
    cook(t, minutes, 1.8, 0.12);
    if (draw() < 0.35) cook(t, 40 + 30 * draw(), 1.4, 0.1); // the oven, averaged over its thermostat
  }
  // Kettle, microwave, toaster, hair dryer, vacuum: short, strong runs.
  const small = 2 + Math.floor(draw() * (1 + 2 * h.occupants));
  for (let i = 0; i < small; i++) {
    const t = activeAt(active, draw());
    if (!Number.isNaN(t)) el.add(t, t + (1.5 + 4 * draw()) * MINUTE_MS, 1.0 + 0.8 * draw());
  }
  // Laundry: about 1.2 loads a week per person, the dryer straight after the washer.
  if (h.washer && draw() < Math.min(0.9, (1.2 * h.occupants) / 7)) {
    const t = activeAt(active, draw() * 0.8);
    if (!Number.isNaN(t)) {
      const wash = (40 + 30 * draw()) * MINUTE_MS;
      el.add(t, t + wash, 0.45);
      water.add(t, t + 10 * MINUTE_MS, 100); // 17 gallons filling
      water.add(t + wash - 12 * MINUTE_MS, t + wash - 4 * MINUTE_MS, 60);
      if (h.dryer) el.add(t + wash, t + wash + (40 + 30 * draw()) * MINUTE_MS, 2.2 + 0.8 * draw());
    }
  }
  // Dishwasher after dinner: heating phases at 1.2 kW, the rest pumping.
  if (h.dishwasher && draw() < 0.65) {
    const t = firstActive(active, at(1230 + 60 * draw()));
    if (!Number.isNaN(t)) {
      el.add(t, t + 25 * MINUTE_MS, 1.2);
      el.add(t + 25 * MINUTE_MS, t + 75 * MINUTE_MS, 0.1);
      el.add(t + 75 * MINUTE_MS, t + 95 * MINUTE_MS, 1.1);
      water.add(t, t + 4 * MINUTE_MS, 60);
    }
  }
  // People: showers (mostly mornings), toilet flushes, taps.
  for (let p = 0; p < h.occupants; p++) {
    if (draw() < 0.85) {
      const t = firstActive(
        active,
        draw() < 0.65 ? at(wake + 5 + 30 * draw()) : at(sleep - 60 - 90 * draw()),
      );
      if (!Number.isNaN(t)) {
        const minutes = 6 + 8 * draw();
        water.add(t, t + minutes * MINUTE_MS, h.showerGpm * 60);
        // Hot water: the heater recovers over the half hour after a shower.
        const recovery = (minutes / 10) * 30 * MINUTE_MS;
        if (h.electricWaterHeater) el.add(t + 2 * MINUTE_MS, t + 2 * MINUTE_MS + recovery, 4);
        else if (h.gas === 'heating') gas.add(t + 2 * MINUTE_MS, t + 2 * MINUTE_MS + recovery, 0.35);
      }
    }
    const flushes = 5 + Math.floor(draw() * 4);
    for (let i = 0; i < flushes; i++) {
      const t = activeAt(active, draw());
      if (!Number.isNaN(t)) water.add(t, t + MINUTE_MS, h.flushGallons * 60);
    }
    const taps = 10 + Math.floor(draw() * 9);
    for (let i = 0; i < taps; i++) {
      const t = activeAt(active, draw());
      if (!Number.isNaN(t)) water.add(t, t + (0.5 + 1.5 * draw()) * MINUTE_MS, 90);
    }
  }
}

/** Where the people are at `t`: awake at home, asleep, or away. */
export function presence(plans: readonly (DayPlan | undefined)[], t: number): 'active' | 'asleep' | 'away' {
  for (const p of plans) if (p !== undefined && within(p.active, t)) return 'active';
  for (const p of plans) if (p !== undefined && within(p.away, t)) return 'away';
  return 'asleep';
}

/**
 * The steady and cycling parts of a household's electricity over `[a, b)` inside one hour, kWh:
 * standby, refrigerator and freezer, air conditioning and electric heat by the outside temperature.
 */
export function householdElectricityHour(
  h: Household,
  a: number,
  b: number,
  temperature: number,
  where: 'active' | 'asleep' | 'away',
): number {
  if (h.vacant) return (h.standbyKW * 0.3 * (b - a)) / HOUR_MS;
  let ms = h.standbyKW * h.scale * (b - a);
  const f = h.fridge;
  ms += f.power * cycleOn(a, b, f.period, f.phase, f.duty + 0.004 * (temperature - 10));
  if (h.freezer) ms += h.freezer.power * cycleOn(a, b, h.freezer.period, h.freezer.phase, h.freezer.duty);
  const home = where !== 'away';
  if (h.acKW > 0 && temperature > h.acAbove) {
    const duty = Math.min(1, 0.1 + (temperature - h.acAbove) / 12) * (home ? 1 : 0.2);
    ms += h.acKW * cycleOn(a, b, h.acCycle.period, h.acCycle.phase, duty);
  }
  if (h.heatKW > 0 && temperature < h.heatBelow) {
    const duty = Math.min(1, (h.heatBelow - temperature) / 18) * (where === 'active' ? 1 : 0.7);
    ms += h.heatKW * cycleOn(a, b, h.heatCycle.period, h.heatCycle.phase, duty);
  }
  return ms / HOUR_MS;
}

/** Heating gas over `[a, b)` inside one hour, therms: the boiler covering the heat lost below the set point. */
export function householdHeatingHour(
  h: Household,
  a: number,
  b: number,
  temperature: number,
  where: 'active' | 'asleep' | 'away',
): number {
  const setPoint = h.vacant ? 12 : where === 'active' ? 18.3 : where === 'asleep' ? 16.5 : 16;
  const demand = h.gasUA * Math.max(0, setPoint - temperature);
  const b0 = h.boiler;
  return (b0.power * cycleOn(a, b, b0.period, b0.phase, demand / b0.power)) / HOUR_MS;
}
