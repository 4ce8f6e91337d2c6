import { DateTime } from 'luxon';

/** The New York time zone every load shape is computed in. */
export const NEW_YORK = 'America/New_York';

const HOUR_MS = 3_600_000;

/** What a load shape needs to know about one UTC hour, in New York local time. */
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
      info = Object.freeze({
        hour: dt.hour,
        weekday: dt.weekday,
        weekend: dt.weekday >= 6,
        month: dt.month - 1,
        daysInMonth: dt.daysInMonth ?? 30,
        date: dt.toISODate() ?? '',
      });
      this.cache.set(h, info);
    }
    return info;
  }
}
