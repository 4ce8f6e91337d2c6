import { AfterMatchSkipStrategy, CEP, Pattern } from '@eventide/cep';
import {
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  ValueStateDescriptor,
} from '@eventide/core';
import type { Commodity } from '@eventide/generator';
import type { Usage } from './usage';

/**
 * Alerts, each a CEP pattern run per service in event time:
 * - spike: FlinkCEP's monitoring example adapted to meters: two consecutive high readings within
 *   10 minutes make a warning; two consecutive warnings within 20 minutes with a rising average
 *   make an alert. "High" is relative to the service's own baseline (see `flagHighReadings`).
 * - stopped-reporting: a reading followed by no reading for an hour (`notFollowedBy` + `within`),
 *   decided by the watermark, not by the next reading.
 * - leak: water flowing in every interval of a night (01:00–05:00 New York time; up to two
 *   readings may be missing), not all one value.
 * - stuck: one non-zero value repeated for two hours.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export type AlertType = 'spike' | 'stopped-reporting' | 'leak' | 'stuck';
export const ALERT_TYPES: readonly AlertType[] = ['spike', 'stopped-reporting', 'leak', 'stuck'];

export interface Alert {
  readonly type: AlertType;
  readonly service_uid: string;
  readonly commodity: Commodity;
  /** When the alert is raised (event time). */
  readonly at: string;
  readonly at_ms: number;
  /** The first interval the alert is about. */
  readonly since: string;
  readonly since_ms: number;
  readonly detail: string;
}

function alert(type: AlertType, u: Usage, atMs: number, detail: string): Alert {
  return {
    type,
    service_uid: u.service_uid,
    commodity: u.commodity,
    at: new Date(atMs).toISOString(),
    at_ms: atMs,
    since: new Date(u.ts).toISOString(),
    since_ms: u.ts,
    detail,
  };
}

/** An electricity reading with the service's baseline at the time. */
export interface Flagged {
  readonly usage: Usage;
  readonly baseline: number;
  readonly high: boolean;
}

/**
 * Flags readings far above the service's own level: at least three times its baseline and at least
 * `minJump` kWh above it (per 5 minutes, scaled to the interval). The baseline is an exponential
 * moving average of the readings that were not high, so a spike does not raise its own bar.
 */
class FlagHigh implements KeyedProcessFunction<string, Usage, Flagged> {
  private readonly baseline = new ValueStateDescriptor<number>('baseline');

  constructor(private readonly minJump: number) {}

  processElement(u: Usage, ctx: KeyedProcessContext<string>, out: Collector<Flagged>): void {
    const state = ctx.getState(this.baseline);
    const b = state.value();
    if (b === undefined) {
      state.update(u.quantity);
      out.collect({ usage: u, baseline: u.quantity, high: false });
      return;
    }
    const high = u.quantity >= 3 * b && u.quantity - b >= this.minJump;
    if (!high) state.update(b + 0.1 * (u.quantity - b));
    out.collect({ usage: u, baseline: b, high });
  }
}

export interface Warning {
  readonly usage: Usage;
  readonly average: number;
}

export function spikeAlerts(usage: DataStream<Usage>, intervalMs: number): DataStream<Alert> {
  const flagged = usage
    .filter((u) => u.commodity === 'electricity')
    .keyBy((u) => u.service_uid)
    .process(new FlagHigh((0.25 * intervalMs) / (5 * MINUTE_MS)))
    .name('flag-high');
  const twoHigh = Pattern.begin<Flagged>('first', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((f) => f.high)
    .next('second')
    .where((f) => f.high)
    .within(10 * MINUTE_MS);
  const warnings = CEP.pattern(
    flagged.keyBy((f) => f.usage.service_uid),
    twoHigh,
  )
    .select((m): Warning => {
      const [a] = m.first!;
      const [b] = m.second!;
      return { usage: b!.usage, average: (a!.usage.quantity + b!.usage.quantity) / 2 };
    })
    .name('spike-warnings');
  const rising = Pattern.begin<Warning>('first', AfterMatchSkipStrategy.skipPastLastEvent())
    .next('second')
    .where((w, ctx) => w.average > ctx.eventsForPattern('first')[0]!.average)
    .within(20 * MINUTE_MS);
  return CEP.pattern(
    warnings.keyBy((w) => w.usage.service_uid),
    rising,
  )
    .select((m) => {
      const [first] = m.first!;
      const [second] = m.second!;
      return alert(
        'spike',
        first!.usage,
        second!.usage.ts,
        `warnings averaging ${first!.average.toFixed(3)} then ${second!.average.toFixed(3)} ${first!.usage.unit}`,
      );
    })
    .name('spike-alerts');
}

/**
 * A service that stopped reporting: a reading, then none for an hour. `dataEnd` is where the input
 * stops: an absence running past it cannot be judged (the end-of-input watermark would otherwise
 * release every service's last reading).
 */
export function stoppedReporting(usage: DataStream<Usage>, dataEnd: number): DataStream<Alert> {
  const silence = Pattern.begin<Usage>('last').notFollowedBy('next').within(HOUR_MS);
  return CEP.pattern(
    usage.keyBy((u) => u.service_uid),
    silence,
  )
    .select((m) => {
      const [last] = m.last!;
      return alert(
        'stopped-reporting',
        last!,
        last!.ts + HOUR_MS,
        `no reading for an hour after ${new Date(last!.ts).toISOString()}`,
      );
    })
    .filter((a) => a.at_ms < dataEnd)
    .name('stopped-reporting');
}

/** Water flowing in every interval from 01:00 to 05:00 New York time. */
export function leakAlerts(usage: DataStream<Usage>, intervalMs: number): DataStream<Alert> {
  const night = Math.round((4 * HOUR_MS) / intervalMs);
  // Every reading of the night shows flow; up to two readings may be missing (faults drop some).
  const flowingAllNight = Pattern.begin<Usage>('night', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((u) => u.quantity > 0 && u.hour >= 1 && u.hour < 5)
    .times(night - 2, night)
    .consecutive();
  return CEP.pattern(
    usage.filter((u) => u.commodity === 'water').keyBy((u) => u.service_uid),
    flowingAllNight,
  )
    .select((m) => {
      const readings = m.night!;
      const first = readings[0]!;
      const last = readings[readings.length - 1]!;
      const values = readings.map((u) => u.quantity);
      const least = Math.min(...values);
      // One value all night is a stuck register, not a leak: that is the stuck alert's to raise.
      const varies = Math.max(...values) !== least;
      return {
        alert: alert(
          'leak',
          first,
          last.ts,
          `flow in all ${readings.length} night intervals, at least ${least} gal each`,
        ),
        varies,
      };
    })
    .filter((x) => x.varies)
    .map((x) => x.alert)
    .name('leak-alerts');
}

/** One non-zero value repeated for two hours. */
export function stuckAlerts(usage: DataStream<Usage>, intervalMs: number): DataStream<Alert> {
  const repeats = Math.round((2 * HOUR_MS) / intervalMs) - 1;
  const stuck = Pattern.begin<Usage>('first', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((u) => u.quantity > 0)
    .next('same')
    .where((u, ctx) => u.quantity === ctx.eventsForPattern('first')[0]!.quantity)
    .times(repeats)
    .consecutive();
  return CEP.pattern(
    usage.keyBy((u) => u.service_uid),
    stuck,
  )
    .select((m) => {
      const [first] = m.first!;
      const same = m.same!;
      return alert(
        'stuck',
        first!,
        same[same.length - 1]!.ts,
        `${first!.quantity} ${first!.unit} in ${same.length + 1} intervals`,
      );
    })
    .name('stuck-alerts');
}
