import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

/** The New York time zone every load shape is computed in. */
export const NEW_YORK = 'America/New_York';

const HOUR_MS = 3_600_000;

/**
 * How a public holiday changes the day: `major` days (New Year's, Memorial, Independence, Labor,
 * Thanksgiving and Christmas Days) close offices and most shops and keep households home; `minor`
 * ones (the other federal holidays, the day after Thanksgiving, Christmas Eve) close some offices.
 * New York's own observances (Lincoln's Birthday, Election Day…) change nothing.
 */
export type HolidayKind = 'none' | 'minor' | 'major';

/** What a load needs to know about one UTC hour, in New York local time. */
export interface LocalHour {
  /** Local hour of day, 0–23 (on DST days the local day has 23 or 25 such hours). */
  readonly hour: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
  readonly weekend: boolean;
  /** Month, 0 = January. */
  readonly month: number;
  readonly daysInMonth: number;
  /** The local calendar date, `YYYY-MM-DD`. */
  readonly date: string;
  /** Days since 1970-01-01 of the local date (a day's stable index for draws). */
  readonly dayIndex: number;
  /** The local day's midnight, epoch ms. */
  readonly dayStart: number;
  /** Day of the year, 0-based. */
  readonly dayOfYear: number;
  readonly holiday: HolidayKind;
  /** Sunrise and sunset in local hours (fractional) of this date. */
  readonly sunrise: number;
  readonly sunset: number;
}

const MAJOR = new Set([
  "New Year's Day",
  'Memorial Day',
  'Independence Day',
  'Labor Day',
  'Thanksgiving Day',
  'Christmas Day',
]);
const MINOR = new Set([
  'Martin Luther King Jr. Day',
  "Washington's Birthday",
  'Juneteenth',
  'Columbus Day',
  'Veterans Day',
  'Day after Thanksgiving Day',
  'Christmas Eve',
]);

const calendar = new Holidays('US', 'NY');
const holidayYears = new Map<number, Map<string, HolidayKind>>();

/** The public holidays of a year in New York, by local date (date-holidays' US/NY calendar). */
export function holidaysOf(year: number): ReadonlyMap<string, HolidayKind> {
  let map = holidayYears.get(year);
  if (map === undefined) {
    map = new Map();
    for (const h of calendar.getHolidays(year)) {
      // A holiday falling on a weekend is observed on the nearest weekday ("substitute day").
      const name = h.name.replace(/ \(substitute day\)$/, '');
      const kind: HolidayKind = MAJOR.has(name) ? 'major' : MINOR.has(name) ? 'minor' : 'none';
      if (kind === 'none') continue;
      const date = h.date.slice(0, 10);
      if (map.get(date) !== 'major') map.set(date, kind);
    }
    holidayYears.set(year, map);
  }
  return map;
}

/** Latitude of Central Park, degrees. */
const LATITUDE = 40.78;
/** Local mean solar noon in New York standard time (longitude 73.97° W): 11:56. */
const SOLAR_NOON_EST = 12 - (75 - 73.97) / 15;

/** Sunrise and sunset (local standard-time hours) from the solar declination on a day of the year. */
function daylight(dayOfYear: number): { rise: number; set: number } {
  const declination = -23.44 * Math.cos(((2 * Math.PI) / 365) * (dayOfYear + 10));
  const rad = Math.PI / 180;
  const cosH = -Math.tan(LATITUDE * rad) * Math.tan(declination * rad);
  const halfDay = Math.acos(Math.max(-1, Math.min(1, cosH))) / rad / 15;
  return { rise: SOLAR_NOON_EST - halfDay, set: SOLAR_NOON_EST + halfDay };
}

/**
 * New York local time by UTC hour. New York's offsets are whole hours, so one lookup per UTC hour
 * serves every interval inside it; results are cached (luxon is called once per hour, not per
 * reading).
 */
export class LocalClock {
  private readonly cache = new Map<number, LocalHour>();

  /** The local hour holding the instant `ms` (epoch milliseconds). */
  at(ms: number): LocalHour {
    const h = Math.floor(ms / HOUR_MS);
    let info = this.cache.get(h);
    if (info === undefined) {
      if (this.cache.size > 100_000) this.cache.clear();
      const dt = DateTime.fromMillis(h * HOUR_MS, { zone: NEW_YORK });
      const date = dt.toISODate() ?? '';
      const dayOfYear = dt.ordinal - 1;
      const light = daylight(dayOfYear);
      const dst = dt.isInDST ? 1 : 0;
      info = Object.freeze({
        hour: dt.hour,
        weekday: dt.weekday,
        weekend: dt.weekday >= 6,
        month: dt.month - 1,
        daysInMonth: dt.daysInMonth ?? 30,
        date,
        dayIndex: Math.round(Date.parse(date) / 86_400_000),
        dayStart: dt.startOf('day').toMillis(),
        dayOfYear,
        holiday: holidaysOf(dt.year).get(date) ?? 'none',
        sunrise: light.rise + dst,
        sunset: light.set + dst,
      });
      this.cache.set(h, info);
    }
    return info;
  }
}
