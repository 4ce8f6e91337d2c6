import { AfterMatchSkipStrategy, CEP, Pattern } from '@eventide/cep';
import {
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  ValueStateDescriptor,
} from '@eventide/core';
import { type Alert, alert } from './alert';
import type { Usage } from './usage';

/**
 * Consumption spikes, FlinkCEP's temperature-monitoring example adapted to meters: two consecutive
 * high readings of a service within 10 minutes make a warning; two consecutive warnings within 20
 * minutes with a rising average make an alert. Both levels are CEP patterns run per service in
 * event time.
 */

const MINUTE_MS = 60_000;
/** Readings a service's baseline needs before a reading can be called high. */
const WARM_UP_READINGS = 12;

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
  private readonly baseline = new ValueStateDescriptor<{ level: number; seen: number; last: number }>(
    'baseline',
  );

  constructor(private readonly minJump: number) {}

  processElement(u: Usage, ctx: KeyedProcessContext<string>, out: Collector<Flagged>): void {
    const state = ctx.getState(this.baseline);
    const b = state.value();
    // A zero says nothing about the level (a bypassed or idle meter), and neither does a repeat
    // of the last value (a stuck register): they do not move the baseline, so the level after
    // them is judged against the level before them.
    if (u.quantity === 0) {
      out.collect({ usage: u, baseline: b?.level ?? 0, high: false });
      return;
    }
    if (b === undefined) {
      state.update({ level: u.quantity, seen: 1, last: u.quantity });
      out.collect({ usage: u, baseline: u.quantity, high: false });
      return;
    }
    // No judgement before an hour of readings: a baseline started at one reading is not a level.
    const high =
      b.seen >= WARM_UP_READINGS && u.quantity >= 3 * b.level && u.quantity - b.level >= this.minJump;
    out.collect({ usage: u, baseline: b.level, high });
    // The state object is this key's own: move it in place rather than allocate one per reading.
    if (!high && u.quantity !== b.last) {
      b.level += 0.1 * (u.quantity - b.level);
      b.seen++;
    }
    b.last = u.quantity;
  }
}

export interface Warning {
  readonly usage: Usage;
  readonly average: number;
}

/** Electricity readings flagged high or not against the service's own baseline. */
export function flagHigh(usage: DataStream<Usage>, intervalMs: number): DataStream<Flagged> {
  return usage
    .filter((u) => u.commodity === 'electricity')
    .keyBy((u) => u.service_uid)
    .process(new FlagHigh((0.25 * intervalMs) / (5 * MINUTE_MS)))
    .name('flag-high');
}

/** The spike detector's first level: two consecutive high readings within 10 minutes. */
export function spikeWarnings(flagged: DataStream<Flagged>): DataStream<Warning> {
  const twoHigh = Pattern.begin<Flagged>('first', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((f) => f.high)
    .next('second')
    .where((f) => f.high)
    .within(10 * MINUTE_MS);
  return CEP.pattern(
    flagged.keyBy((f) => f.usage.service_uid),
    twoHigh,
  )
    .select((m): Warning => {
      const [a] = m.first!;
      const [b] = m.second!;
      return { usage: b!.usage, average: (a!.usage.quantity + b!.usage.quantity) / 2 };
    })
    .name('spike-warnings');
}

export function spikeAlerts(usage: DataStream<Usage>, intervalMs: number): DataStream<Alert> {
  return risingWarnings(spikeWarnings(flagHigh(usage, intervalMs)));
}

/** The spike detector's second level: two consecutive warnings within 20 minutes, rising. */
export function risingWarnings(warnings: DataStream<Warning>): DataStream<Alert> {
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
