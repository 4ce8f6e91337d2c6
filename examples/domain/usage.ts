import {
  type Collector,
  DataStream,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  OutputTag,
  ValueStateDescriptor,
  WatermarkStrategy,
  type WindowAssigner,
} from '@eventide/core';
import {
  type Commodity,
  type Fleet,
  type Label,
  type MeterReading,
  type ReadingRun,
  ReadingSchema,
  type Registration,
} from '@eventide/generator';
import { DateTime } from 'luxon';

/**
 * From raw rows to usage: validate against the generator's schema (failures go to the invalid
 * output with zod's reason), stamp event time with a 30-minute out-of-orderness bound, and settle
 * duplicates and revisions per service, so that downstream sums count every interval once.
 */

const HOUR_MS = 3_600_000;
/**
 * Out-of-order delivery the pipeline waits for before its watermark moves past a reading: the
 * generator delays rows up to 30 minutes, and meters with skewed clocks stamp up to 4 minutes
 * ahead, which moves the watermark ahead of everyone else's readings by as much.
 */
export const OUT_OF_ORDERNESS_MS = 35 * 60_000;
/** How long a service remembers what it has seen, for duplicates and revisions (the generator revises within 6 hours). */
const DEDUPE_HORIZON_MS = 6 * HOUR_MS;

/** One interval of use, enriched with where the service is. */
export interface Usage {
  readonly service_uid: string;
  readonly commodity: Commodity;
  readonly unit: MeterReading['unit'];
  /** Native quantity; for a correction, the change to add to what was counted before. */
  readonly quantity: number;
  readonly ts: number;
  readonly zip: string;
  readonly borough: string;
  /** New York local hour of the interval start, 0–23. */
  readonly hour: number;
  /** True for a revision's correction (new value minus the value counted before). */
  readonly correction: boolean;
}

/** Duplicates (same row again) dropped by the settle stage. */
export const DUPLICATES = new OutputTag<MeterReading>('duplicates');

const localHours = new Map<number, DateTime>();
/** New York local time of an instant; luxon, cached per UTC hour (NY offsets are whole hours). */
export function newYork(ms: number): DateTime {
  const h = Math.floor(ms / HOUR_MS);
  let t = localHours.get(h);
  if (t === undefined) {
    if (localHours.size > 50_000) localHours.clear();
    t = DateTime.fromMillis(h * HOUR_MS, { zone: 'America/New_York' });
    localHours.set(h, t);
  }
  return t;
}

/** What a service remembers of its last DEDUPE_HORIZON_MS: a ring of slots, one per interval. */
interface Recent {
  readonly start: number[];
  readonly quantity: number[];
  /** `updated` as written (ISO 8601 UTC instants of one form compare as strings). */
  readonly updated: string[];
}

/**
 * Per service: the first row of an interval passes as usage; the same row again is a duplicate
 * (side output); a row with a newer `updated` is a revision and passes as a correction (the
 * difference). A service remembers its last DEDUPE_HORIZON_MS of intervals in a ring of plain
 * number arrays (slot = interval index mod ring size): constant work per row, no timers, and a
 * fixed, small amount of state per service however long the job runs.
 */
class Settle implements KeyedProcessFunction<string, MeterReading, Usage> {
  private readonly recent = new ValueStateDescriptor<Recent>('recent');
  private readonly slots: number;

  constructor(
    private readonly registry: ReadonlyMap<string, Registration>,
    private readonly intervalMs: number,
  ) {
    this.slots = Math.ceil(DEDUPE_HORIZON_MS / intervalMs);
  }

  processElement(r: MeterReading, ctx: KeyedProcessContext<string>, out: Collector<Usage>): void {
    const state = ctx.getState(this.recent);
    let ring = state.value();
    if (ring === undefined) {
      ring = {
        start: new Array(this.slots).fill(-1),
        quantity: new Array(this.slots).fill(0),
        updated: new Array<string>(this.slots).fill(''),
      };
      state.update(ring);
    }
    const slot = Math.floor(r.interval_start_ms / this.intervalMs) % this.slots;
    let quantity = r.quantity;
    let correction = false;
    if (ring.start[slot] === r.interval_start_ms) {
      if (r.updated <= ring.updated[slot]!) {
        ctx.output(DUPLICATES, r);
        return;
      }
      // The change, without binary float noise (quantities have at most 4 decimals).
      quantity = Number((r.quantity - ring.quantity[slot]!).toFixed(6));
      correction = true;
    }
    ring.start[slot] = r.interval_start_ms;
    ring.quantity[slot] = r.quantity;
    ring.updated[slot] = r.updated;
    const reg = this.registry.get(r.service_uid);
    out.collect({
      service_uid: r.service_uid,
      commodity: r.commodity,
      unit: r.unit,
      quantity,
      ts: r.interval_start_ms,
      zip: reg?.ServiceZipcode ?? 'unknown',
      borough: reg?.Borough ?? 'unknown',
      hour: newYork(r.interval_start_ms).hour,
      correction,
    });
  }
}

/** Validated, time-stamped, settled usage from raw rows (`registry`: registrations by ServiceId). */
export function usageOf(
  rows: DataStream<MeterReading>,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
): {
  usage: DataStream<Usage>;
  stamped: DataStream<MeterReading>;
  validated: DataStream<MeterReading>;
} {
  const validated = rows.validate(ReadingSchema).name('validate');
  const stamped = validated
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<MeterReading>(OUT_OF_ORDERNESS_MS).withTimestampAssigner(
        (r) => r.interval_start_ms,
      ),
    )
    .name('timestamps');
  const usage = stamped
    .keyBy((r) => r.service_uid)
    .process(new Settle(registry, intervalMs))
    .name('settle');
  return { usage, stamped, validated };
}

/**
 * Calendar days in New York: `[local midnight, next local midnight)`, 23, 24 or 25 hours long.
 * A window assigner with windows of varying length (`windowEnd`).
 */
export class NewYorkDays implements WindowAssigner {
  readonly kind = 'tumbling';
  readonly isMerging = false;
  /** The longest New York day. */
  readonly size = 25 * HOUR_MS;
  private readonly ends = new Map<number, number>();
  private readonly starts = new Map<number, number>();

  assign(t: number, starts: number[]): number {
    const h = Math.floor(t / HOUR_MS);
    let start = this.starts.get(h);
    if (start === undefined) {
      start = newYork(t).startOf('day').toMillis();
      this.starts.set(h, start);
    }
    starts[0] = start;
    return 1;
  }

  windowEnd(start: number): number {
    let end = this.ends.get(start);
    if (end === undefined) {
      end = DateTime.fromMillis(start, { zone: 'America/New_York' }).plus({ days: 1 }).toMillis();
      this.ends.set(start, end);
    }
    return end;
  }
}

/** Registrations by ServiceId: where each service is, for enrichment. */
export function registryOf(fleet: Fleet): Map<string, Registration> {
  return new Map(fleet.registrations().map((r) => [r.ServiceId, r]));
}

/** Settled usage of a generated run, straight from its `Source`; its labels go to `onLabel`. */
export function usageOfRun(run: ReadingRun, onLabel?: (label: Label) => void): DataStream<Usage> {
  return usageOf(DataStream.from(run.source({ onLabel })), registryOf(run.fleet), run.resolved.intervalMs)
    .usage;
}
