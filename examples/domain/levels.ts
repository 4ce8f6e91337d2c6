import {
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  ValueStateDescriptor,
} from '@eventide/core';
import type { Usage } from './usage';

/**
 * Each reading with its service's floor: the lowest reading of its last 24 hours (a pilot light,
 * a refrigerator, a closed shop's base load). A meter may hold its floor for hours as a matter of
 * course; a register that holds a value above it is stuck.
 */

const HOUR_MS = 3_600_000;

/** The smallest step of each unit as rows are written (kWh to 3 decimals, therms to 4, gallons to 2). */
export const STEP: Readonly<Record<Usage['unit'], number>> = { kWh: 0.001, therm: 0.0001, gal: 0.01 };

export interface Level {
  readonly usage: Usage;
  /** The lowest reading of the service's last 24 hours, this one included. */
  readonly floor: number;
  /** The unit's last digit. */
  readonly step: number;
}

interface Minima {
  /** Per slot (hour index mod 24): the hour it holds and that hour's lowest reading. */
  readonly hour: number[];
  readonly least: number[];
}

class Floors implements KeyedProcessFunction<string, Usage, Level> {
  private readonly minima = new ValueStateDescriptor<Minima>('floors');

  processElement(u: Usage, ctx: KeyedProcessContext<string>, out: Collector<Level>): void {
    const state = ctx.getState(this.minima);
    let m = state.value();
    if (m === undefined) {
      m = { hour: new Array<number>(24).fill(-1), least: new Array<number>(24).fill(0) };
      state.update(m);
    }
    const hour = Math.floor(u.ts / HOUR_MS);
    const slot = hour % 24;
    if (m.hour[slot] !== hour) {
      m.hour[slot] = hour;
      m.least[slot] = u.quantity;
    } else if (u.quantity < m.least[slot]!) m.least[slot] = u.quantity;
    let floor = u.quantity;
    for (let i = 0; i < 24; i++) {
      if (m.hour[i]! > hour - 24 && m.hour[i]! <= hour && m.least[i]! < floor) floor = m.least[i]!;
    }
    out.collect({ usage: u, floor, step: STEP[u.unit] });
  }
}

/** Every reading with its service's floor. */
export function levelsOf(usage: DataStream<Usage>): DataStream<Level> {
  return usage
    .keyBy((u) => u.service_uid)
    .process(new Floors())
    .name('levels');
}
