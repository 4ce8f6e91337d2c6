import {
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  ValueStateDescriptor,
} from '@eventide/core';
import { holidaysOf, premiseKey, type Registration } from '@eventide/generator';
import type { Alert } from './alert';
import { NewYorkDays, newYork, type Usage } from './usage';

/**
 * Theft: a service whose electricity drops or flattens against its own history and its peers.
 *
 * 1. Per service, each New York day is summed up: mean use per interval, peak over mean, and the
 *    hourly profile. Against the service's own earlier days of the same kind (working days, or
 *    weekends and major holidays) this gives a level (mean over the usual mean), a flatness (peak
 *    ratio over the usual) and a shape correlation (profile against the usual profile).
 * 2. Per peer group (households, businesses), the day's median level is the peers' index: a cold
 *    snap or a holiday moves everyone, theft moves one service. A service is suspect when its level
 *    against the index is low (a cut, a random factor, a bypass) or its profile lost its peaks
 *    (flattened, capped), unless the day looks like an empty home (very low and shapeless: away),
 *    or the premise's water dropped as well (the people were out: a theft leaves the taps alone).
 *    A theft already under way when the service was first seen is caught the day use comes back.
 * 3. One alert per service per episode: after an alert the service is not judged for five days.
 *    The alert is raised at the last interval of the day that gave it away.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Same-kind days of history a service needs before it is judged. */
export const HISTORY_DAYS = 2;
const KEEP_DAYS = 7;
const QUIET_DAYS = 5;

/** Thresholds, tuned on the tuning seeds (see `metering/evaluate.ts`). */
export interface TheftRules {
  /** Level against the peers' index below this: use dropped. */
  readonly lowLevel: number;
  /** Peak ratio against the usual below this: the peaks are gone. */
  readonly flatPeaks: number;
  /** Away (not theft): level below this with a shape correlation below `awayShape`. */
  readonly awayLevel: number;
  readonly awayShape: number;
  /** The premise's water against its own usual and its peers below this: the people are out. */
  readonly outWater: number;
  /** Use came back: level against the peers above `backLevel` with the usual shape, or peaks above `backPeaks`. */
  readonly backLevel: number;
  readonly backShape: number;
  readonly backPeaks: number;
}

export const THEFT_RULES: TheftRules = Object.freeze({
  lowLevel: 0.7,
  flatPeaks: 0.5,
  awayLevel: 0.35,
  awayShape: 0.5,
  outWater: 0.75,
  backLevel: 2.5,
  backShape: 0.7,
  backPeaks: 4,
});

/** One service's New York day, with how it compares to the service's own history. */
export interface ServiceDay {
  readonly service_uid: string;
  readonly group: string;
  /** The premise (its registered name and address): its meters share one household or business. */
  readonly premise: string;
  readonly commodity: Usage['commodity'];
  readonly dayStart: number;
  readonly dayEnd: number;
  /** Readings seen, and the intervals in the day. */
  readonly count: number;
  readonly expected: number;
  readonly mean: number;
  /** Against the service's usual (undefined without enough history). */
  readonly level?: number;
  readonly flatness?: number;
  readonly shape?: number;
}

interface DayAcc {
  commodity: Usage['commodity'];
  sum: number;
  max: number;
  count: number;
  hours: number[];
}

interface Past {
  readonly mean: number;
  readonly peak: number;
  readonly hours: readonly number[];
}

interface ServiceBook {
  days: Record<string, DayAcc>;
  /** Earlier complete days by kind ('work' | 'off'), newest last. */
  past: Record<string, Past[]>;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function correlation(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]! / n;
    my += y[i]! / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** Whether a New York day is a working day ('work') or a weekend or major holiday ('off'). */
function kindOfDay(dayStart: number): 'work' | 'off' {
  const t = newYork(dayStart + HOUR_MS);
  if (t.weekday >= 6) return 'off';
  return holidaysOf(t.year).get(t.toISODate() ?? '') === 'major' ? 'off' : 'work';
}

/** A premise's key: the registered name and address its meters share. */
function premiseOf(r: Registration | undefined): string {
  return r === undefined ? '' : premiseKey(r);
}

/** Stage 1: each service's days against its own history. */
class ServiceDays implements KeyedProcessFunction<string, Usage, ServiceDay> {
  private readonly book = new ValueStateDescriptor<ServiceBook>('theft-days');
  private readonly days = new NewYorkDays();

  constructor(
    private readonly registry: ReadonlyMap<string, Registration>,
    private readonly intervalMs: number,
  ) {}

  processElement(u: Usage, ctx: KeyedProcessContext<string>, _out: Collector<ServiceDay>): void {
    const state = ctx.getState(this.book);
    let book = state.value();
    if (book === undefined) state.update((book = { days: {}, past: {} }));
    const starts = [0];
    this.days.assign(u.ts, starts);
    const start = starts[0]!;
    const key = String(start);
    let acc = book.days[key];
    if (acc === undefined) {
      book.days[key] = acc = {
        commodity: u.commodity,
        sum: 0,
        max: 0,
        count: 0,
        hours: new Array<number>(24).fill(0),
      };
      ctx.timerService.registerEventTimeTimer(this.days.windowEnd(start));
    }
    acc.sum += u.quantity;
    acc.count++;
    if (u.quantity > acc.max) acc.max = u.quantity;
    acc.hours[u.hour]! += u.quantity;
  }

  onTimer(timestamp: number, ctx: KeyedProcessContext<string>, out: Collector<ServiceDay>): void {
    const state = ctx.getState(this.book);
    const book = state.value();
    if (book === undefined) return;
    for (const [key, acc] of Object.entries(book.days)) {
      const start = Number(key);
      const end = this.days.windowEnd(start);
      if (end > timestamp) continue;
      delete book.days[key];
      const expected = Math.round((end - start) / this.intervalMs);
      const mean = acc.sum / Math.max(1, acc.count);
      const kind = kindOfDay(start);
      const past = (book.past[kind] ??= []);
      const day: ServiceDay = {
        service_uid: ctx.key,
        group: this.registry.get(ctx.key)?.PremiseKind ?? 'household',
        premise: premiseOf(this.registry.get(ctx.key)),
        commodity: acc.commodity,
        dayStart: start,
        dayEnd: end,
        count: acc.count,
        expected,
        mean,
        ...(past.length >= HISTORY_DAYS ? compare(acc, mean, past) : {}),
      };
      out.collect(day);
      // Only whole days teach the service's usual: a day with an outage says little.
      if (acc.count >= 0.9 * expected) {
        past.push({ mean, peak: mean > 0 ? acc.max / mean : 0, hours: acc.hours });
        if (past.length > KEEP_DAYS) past.shift();
      }
    }
  }
}

function compare(
  acc: DayAcc,
  mean: number,
  past: readonly Past[],
): Pick<ServiceDay, 'level' | 'flatness' | 'shape'> {
  const usual = median(past.map((p) => p.mean));
  const usualPeak = median(past.map((p) => p.peak));
  const profile = new Array<number>(24).fill(0);
  for (const p of past) for (let h = 0; h < 24; h++) profile[h]! += p.hours[h]! / past.length;
  return {
    level: usual > 0 ? mean / usual : 1,
    flatness: usualPeak > 0 && mean > 0 ? acc.max / mean / usualPeak : 1,
    shape: correlation(acc.hours, profile),
  };
}

interface GroupBook {
  days: Record<string, ServiceDay[]>;
  /** Per service, the day start before which it is not judged again. */
  quiet: Record<string, number>;
}

/** Stage 2: a peer group's day, each service against the group's index. */
class PeerJudge implements KeyedProcessFunction<string, ServiceDay, Alert> {
  private readonly book = new ValueStateDescriptor<GroupBook>('theft-peers');

  constructor(
    private readonly rules: TheftRules,
    private readonly intervalMs: number,
    private readonly dataEnd: number,
  ) {}

  processElement(d: ServiceDay, ctx: KeyedProcessContext<string>, _out: Collector<Alert>): void {
    const state = ctx.getState(this.book);
    let book = state.value();
    if (book === undefined) state.update((book = { days: {}, quiet: {} }));
    const key = String(d.dayStart);
    const list = book.days[key];
    if (list === undefined) {
      book.days[key] = [d];
      // Every service's summary of the day carries the day's end as its time: judge just after.
      ctx.timerService.registerEventTimeTimer(d.dayEnd + 1);
    } else list.push(d);
  }

  onTimer(timestamp: number, ctx: KeyedProcessContext<string>, out: Collector<Alert>): void {
    const book = ctx.getState(this.book).value();
    if (book === undefined) return;
    for (const [key, list] of Object.entries(book.days)) {
      if (list[0]!.dayEnd + 1 > timestamp) continue;
      delete book.days[key];
      const whole = list.filter((d) => d.level !== undefined && d.count >= 0.9 * d.expected);
      const judged = whole.filter((d) => d.commodity === 'electricity');
      if (judged.length === 0 || list[0]!.dayEnd > this.dataEnd) continue;
      const index = median(judged.map((d) => d.level!)) || 1;
      const water = whole.filter((d) => d.commodity === 'water');
      const waterIndex = median(water.map((d) => d.level!)) || 1;
      const waterOf = new Map(water.map((d) => [d.premise, d.level! / waterIndex]));
      for (const d of judged) {
        if ((book.quiet[d.service_uid] ?? 0) > d.dayStart) continue;
        const level = d.level! / index;
        // Out, or away: the water dropped as well (a theft leaves the taps alone).
        const away =
          (d.level! < this.rules.awayLevel && d.shape! < this.rules.awayShape) ||
          (waterOf.get(d.premise) ?? 1) < this.rules.outWater;
        const low = level < this.rules.lowLevel;
        const flat = d.flatness! < this.rules.flatPeaks;
        // A theft already under way when the service was first seen taught its history: the
        // day it ends, use comes back (the same shape, much higher) or the peaks do.
        const back =
          (level >= this.rules.backLevel && d.shape! >= this.rules.backShape) ||
          (d.flatness! >= this.rules.backPeaks && level >= 0.8 && level < 1.5);
        if (away || !(low || flat || back)) continue;
        book.quiet[d.service_uid] = d.dayStart + QUIET_DAYS * DAY_MS;
        const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
        if (low || flat) {
          // Raised at the day's last interval.
          const parts = [
            ...(low ? [`use at ${pct(level)} of its usual against its peers`] : []),
            ...(flat ? [`peaks at ${pct(d.flatness!)} of its usual`] : []),
          ];
          out.collect(theftAlert(d.service_uid, d.dayStart, d.dayEnd - this.intervalMs, parts.join('; ')));
        } else {
          // Raised at the last interval of the day before: the last one known to be under theft.
          out.collect(
            theftAlert(
              d.service_uid,
              d.dayStart - DAY_MS,
              d.dayStart - this.intervalMs,
              `use came back to ${pct(level)} of the days before, peaks to ${pct(d.flatness!)}: those days were low`,
            ),
          );
        }
      }
    }
  }
}

function theftAlert(service: string, since: number, at: number, detail: string): Alert {
  return {
    type: 'theft',
    service_uid: service,
    commodity: 'electricity',
    at: new Date(at).toISOString(),
    at_ms: at,
    since: new Date(since).toISOString(),
    since_ms: since,
    detail,
  };
}

/**
 * Theft, stage 1: each service's New York days (electricity, and water beside it), keyed by
 * service. On worker threads it runs per key group; stage 2 compares peers across all of them.
 */
export function theftDays(
  usage: DataStream<Usage>,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
): DataStream<ServiceDay> {
  return (
    usage
      // Water is read beside electricity: a home that is out uses less of both, a theft cuts one.
      .filter((u) => u.commodity === 'electricity' || u.commodity === 'water')
      .keyBy((u) => u.service_uid)
      .process(new ServiceDays(registry, intervalMs))
      .name('theft-days')
  );
}

/** Theft, stage 2: each peer group's day, every service against the group's index. */
export function judgeTheft(
  days: DataStream<ServiceDay>,
  intervalMs: number,
  dataEnd: number,
  rules: TheftRules = THEFT_RULES,
): DataStream<Alert> {
  return days
    .keyBy((d) => d.group)
    .process(new PeerJudge(rules, intervalMs, dataEnd))
    .name('theft-alerts');
}

/** Theft alerts from settled electricity usage (first versions): both stages. */
export function theftAlerts(
  usage: DataStream<Usage>,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
  dataEnd: number,
  rules: TheftRules = THEFT_RULES,
): DataStream<Alert> {
  return judgeTheft(theftDays(usage, registry, intervalMs), intervalMs, dataEnd, rules);
}
