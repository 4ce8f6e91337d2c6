import { normal, Stream, unit } from './random';

/**
 * New York City weather, seeded: a daily mean temperature (Central Park's 1991–2020 monthly
 * normals, interpolated through the year, plus a persistent anomaly and occasional heat waves and
 * cold snaps) and a daily cycle around it. A pure function of (seed, hour): any hour can be computed
 * alone, so generating a partition of time gives the same weather as generating all of it.
 *
 * The anomaly is an AR(1) process in days (persistence 0.75), written as a sum over the last 40 days'
 * shocks so that it needs no history; its spread is 3.5 °C in winter and 2.5 °C in summer.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Central Park monthly mean temperatures, °C, January first (NOAA 1991–2020 normals). */
export const NORMALS_C = Object.freeze([0.9, 2.2, 6.0, 12.1, 17.3, 22.2, 25.3, 24.5, 20.7, 14.4, 8.9, 3.9]);
/** Half the typical daily range, °C, by month (New York's days swing 6–9 °C). */
const HALF_RANGE_C = [3.0, 3.2, 3.6, 4.2, 4.4, 4.3, 4.1, 3.9, 3.9, 3.8, 3.4, 3.0];
/** Degree-day base: 65 °F. */
export const DEGREE_DAY_BASE_C = 18.3;

const PERSISTENCE = 0.75;
const MEMORY_DAYS = 40;
const INNOVATION = Math.sqrt(1 - PERSISTENCE * PERSISTENCE);
const EPISODE_LOOKBACK = 7;

/** Mid-month day of year (0-based) of each month. */
const MID = [15, 45, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349];

function interpolate(table: readonly number[], dayOfYear: number): number {
  let i = 11;
  while (i >= 0 && MID[i]! > dayOfYear) i--;
  const a = i < 0 ? 11 : i;
  const b = (a + 1) % 12;
  const from = i < 0 ? MID[11]! - 365 : MID[a]!;
  const to = b === 0 ? MID[0]! + 365 : MID[b]!;
  const w = (dayOfYear - from) / (to - from);
  return table[a]! * (1 - w) + table[b]! * w;
}

/** Day of the year (0-based) of a UTC day index. */
function dayOfYearOf(day: number): number {
  const d = new Date(day * DAY_MS);
  return Math.floor((day * DAY_MS - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS);
}

/** A seeded New York City temperature series (see the module comment): `at(ms)`, `dailyMean(day)`, `degreeDays(day)`. */
export class Weather {
  private readonly days = new Map<number, number>();
  private readonly hours = new Map<number, number>();

  constructor(private readonly seed: number) {}

  /** The normal daily mean temperature of a day of the year, °C. */
  static normal(dayOfYear: number): number {
    return interpolate(NORMALS_C, dayOfYear);
  }

  /** The mean temperature of a UTC day (days since 1970-01-01), °C. */
  dailyMean(day: number): number {
    let t = this.days.get(day);
    if (t === undefined) {
      if (this.days.size > 20_000) this.days.clear();
      const doy = dayOfYearOf(day);
      const summer = Math.cos(((doy - 196) / 365) * 2 * Math.PI); // 1 in late July, -1 in January
      const spread = 3.0 - 0.5 * summer;
      let anomaly = 0;
      let w = INNOVATION;
      for (let j = 0; j < MEMORY_DAYS; j++) {
        const d = day - j;
        anomaly += w * normal(unit(this.seed, Stream.weather, d, 0), unit(this.seed, Stream.weather, d, 1));
        w *= PERSISTENCE;
      }
      t = Weather.normal(doy) + spread * anomaly + this.episodes(day);
      this.days.set(day, t);
    }
    return t;
  }

  /** Heat waves (June–August) and cold snaps (December–February): 3–6 days of +4–7 °C or −5–9 °C. */
  private episodes(day: number): number {
    let shift = 0;
    for (let d = day - EPISODE_LOOKBACK; d <= day; d++) {
      const r = (i: number) => unit(this.seed, Stream.weatherEpisode, d, i);
      const month = new Date(d * DAY_MS).getUTCMonth();
      const hot = month >= 5 && month <= 7;
      const cold = month === 11 || month <= 1;
      if (!(hot || cold) || r(0) >= 0.025) continue;
      const length = 3 + Math.floor(r(1) * 4);
      if (day - d >= length) continue;
      // The episode builds for a day and eases on its last.
      const edge = day === d || day - d === length - 1 ? 0.6 : 1;
      shift += edge * (hot ? 4 + 3 * r(2) : -(5 + 4 * r(2)));
    }
    return shift;
  }

  /** The temperature during the UTC hour holding `ms`, °C: the day's mean and a daily cycle (low near 05:00, high near 15:00 New York solar time). */
  at(ms: number): number {
    const h = Math.floor(ms / HOUR_MS);
    let t = this.hours.get(h);
    if (t === undefined) {
      if (this.hours.size > 50_000) this.hours.clear();
      // New York solar time is UTC − 4 h 56 min; its day is the UTC day of the solar instant.
      const solar = h * HOUR_MS + 30 * 60_000 - 5 * HOUR_MS;
      const day = Math.floor(solar / DAY_MS);
      const hourOfDay = (solar - day * DAY_MS) / HOUR_MS;
      const month = new Date(solar).getUTCMonth();
      const a = HALF_RANGE_C[month]!;
      // Rising from 05:00 to 15:00, falling over the 14 hours after.
      const cycle =
        hourOfDay >= 5 && hourOfDay < 15
          ? -Math.cos((Math.PI * (hourOfDay - 5)) / 10)
          : Math.cos((Math.PI * (((hourOfDay + 24 - 15) % 24) as number)) / 14);
      t = this.dailyMean(day) + a * cycle;
      this.hours.set(h, t);
    }
    return t;
  }

  /** Cooling and heating degree days of a UTC day (base 18.3 °C = 65 °F), from its hourly temperatures. */
  degreeDays(day: number): { cooling: number; heating: number } {
    let cooling = 0;
    let heating = 0;
    for (let i = 0; i < 24; i++) {
      const t = this.at(day * DAY_MS + 5 * HOUR_MS + i * HOUR_MS);
      cooling += Math.max(0, t - DEGREE_DAY_BASE_C) / 24;
      heating += Math.max(0, DEGREE_DAY_BASE_C - t) / 24;
    }
    return { cooling, heating };
  }
}
