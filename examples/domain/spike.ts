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
 * minutes make an alert (use far beyond the home's own appliances for a quarter of an hour). Both
 * levels are CEP patterns run per service in event time. (FlinkCEP's example also asks the second
 * warning to be hotter; an appliance fault's draw wanders, so that would miss half of them.)
 */

const MINUTE_MS = 60_000;
/** How long a service is watched before any of its readings can be called high: two days. */
const WARM_UP_MS = 2 * 86_400_000;
/** How fast the service's usual peak forgets: it halves in a week. */
const PEAK_HALF_LIFE_MS = 7 * 86_400_000;

/** An electricity reading with the service's baseline at the time. */
export interface Flagged {
  readonly usage: Usage;
  readonly baseline: number;
  readonly high: boolean;
}

interface Baseline {
  /** Per hour of the day (New York): the ordinary level, an exponential moving average. */
  level: number[];
  /** The highest ordinary reading, fading with PEAK_HALF_LIFE_MS, and when it was last moved. */
  peak: number;
  peakTs: number;
  first: number;
  last: number;
}

/**
 * Flags readings far above anything the service usually draws: twice its ordinary level for that
 * hour of the day, `minJump` kWh above it (about 1 kW: per 5 minutes 0.08 kWh, scaled to the
 * interval), and 1.6 times its usual peak (the highest ordinary reading of its last days,
 * fading). The dryer, the water heater and the oven a home runs set its peak, so only use well
 * beyond the home's own appliances is high. Level and peak learn from ordinary readings only, so a
 * fault does not raise its own bar. Thresholds were tuned on the tuning seeds (`evaluate.ts`).
 */
class FlagHigh implements KeyedProcessFunction<string, Usage, Flagged> {
  private readonly baseline = new ValueStateDescriptor<Baseline>('baseline');

  constructor(private readonly minJump: number) {}

  processElement(u: Usage, ctx: KeyedProcessContext<string>, out: Collector<Flagged>): void {
    const state = ctx.getState(this.baseline);
    let b = state.value();
    const h = u.hour;
    if (b === undefined) {
      b = {
        level: new Array<number>(24).fill(u.quantity),
        peak: 0,
        peakTs: u.ts,
        first: u.ts,
        last: Number.NaN,
      };
      state.update(b);
    }
    const peak = b.peak * 0.5 ** (Math.max(0, u.ts - b.peakTs) / PEAK_HALF_LIFE_MS);
    const level = b.level[h]!;
    // A zero says nothing (a bypassed or idle meter), and neither does a repeat of the last value
    // (a stuck register): neither is judged or learnt from.
    if (u.quantity === 0 || u.quantity === b.last) {
      out.collect({ usage: u, baseline: level, high: false });
      return;
    }
    const high =
      u.ts - b.first >= WARM_UP_MS &&
      u.quantity >= 2 * level &&
      u.quantity - level >= this.minJump &&
      u.quantity > 1.6 * peak;
    out.collect({ usage: u, baseline: level, high });
    // The state object is this key's own: move it in place rather than allocate one per reading.
    if (!high) {
      b.level[h] = level + 0.05 * (u.quantity - level);
      if (u.ts >= b.peakTs) {
        b.peak = Math.max(peak, u.quantity);
        b.peakTs = u.ts;
      }
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
    .process(new FlagHigh((0.08 * intervalMs) / (5 * MINUTE_MS)))
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
  return repeatedWarnings(spikeWarnings(flagHigh(usage, intervalMs)));
}

/** The spike detector's second level: two consecutive warnings within 20 minutes. */
export function repeatedWarnings(warnings: DataStream<Warning>): DataStream<Alert> {
  const repeated = Pattern.begin<Warning>('first', AfterMatchSkipStrategy.skipPastLastEvent())
    .next('second')
    .within(20 * MINUTE_MS);
  return CEP.pattern(
    warnings.keyBy((w) => w.usage.service_uid),
    repeated,
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
