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

/**
 * What a service remembers: its last DEDUPE_HORIZON_MS in a ring of slots, one per interval (the
 * row's value and `updated`, to tell a revision from a copy), and every interval it has ever
 * counted as sorted half-open ranges of interval numbers (`[a0, b0, a1, b1, …]`): a meter that
 * reports every interval is one range however long the job runs, each gap adds one.
 */
interface Recent {
  readonly start: number[];
  readonly quantity: number[];
  /** `updated` as written (ISO 8601 UTC instants of one form compare as strings). */
  readonly updated: string[];
  /** Intervals counted (absent in checkpoints written before it existed). */
  seen?: number[];
}

/** Ranges kept per service at most: past it the oldest are forgotten (their copies then count again). */
const MAX_SEEN_RANGES = 4096;

/** Whether interval `i` is in the sorted half-open ranges `r`. */
export function inRanges(r: readonly number[], i: number): boolean {
  let lo = 0;
  let hi = r.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (r[2 * mid + 1]! <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo < r.length / 2 && r[2 * lo]! <= i;
}

/** Adds interval `i` (not in `r`) to the sorted half-open ranges `r`, merging neighbours. */
export function addToRanges(r: number[], i: number): void {
  const n = r.length / 2;
  // the common case: the next interval of a meter that reports in order
  if (n > 0 && r[2 * n - 1] === i) {
    r[2 * n - 1] = i + 1;
    return;
  }
  let k = 0; // first range that starts after i
  while (k < n && r[2 * k]! <= i) k++;
  const joinsLeft = k > 0 && r[2 * k - 1] === i;
  const joinsRight = k < n && r[2 * k] === i + 1;
  if (joinsLeft && joinsRight) r.splice(2 * k - 1, 2);
  else if (joinsLeft) r[2 * k - 1] = i + 1;
  else if (joinsRight) r[2 * k] = i;
  else r.splice(2 * k, 0, i, i + 1);
  if (r.length > 2 * MAX_SEEN_RANGES) r.splice(0, 2);
}

/**
 * Per service: the first row of an interval passes as usage; the same row again is a duplicate
 * (side output), however late it comes; a row with a newer `updated` within DEDUPE_HORIZON_MS of
 * the service's newest interval is a revision and passes as a correction (the difference). A
 * service remembers its last DEDUPE_HORIZON_MS of intervals in a ring of plain number arrays
 * (slot = interval index mod ring size), and which older intervals it counted as ranges. A copy
 * of an interval older than the ring is a duplicate whatever its `updated`: the value counted
 * then is no longer known, so a revision that late cannot be applied. Constant work per row for
 * in-order readings, no timers, and a small amount of state per service (one range per gap).
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
    const index = Math.floor(r.interval_start_ms / this.intervalMs);
    const slot = index % this.slots;
    const seen = (ring.seen ??= []);
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
    } else if (inRanges(seen, index)) {
      // counted before, and older than the ring: a copy (a redelivered file, day or row)
      ctx.output(DUPLICATES, r);
      return;
    } else {
      addToRanges(seen, index);
    }
    // the ring keeps the newest interval of each slot: an older first reading does not evict it
    if (ring.start[slot]! <= r.interval_start_ms) {
      ring.start[slot] = r.interval_start_ms;
      ring.quantity[slot] = r.quantity;
      ring.updated[slot] = r.updated;
    }
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

/**
 * The reason a reading stamped outside the run's span cannot be used, or undefined when it can: a
 * reading from before the span only makes itself late, so a day of slack is allowed there; one from
 * after its end would move the watermark past every other reading, so only the out-of-orderness is.
 */
export function outsideSpan(
  ts: number,
  span: { readonly start: number; readonly end: number },
): string | undefined {
  if (ts >= span.start - 24 * HOUR_MS && ts < span.end + OUT_OF_ORDERNESS_MS) return undefined;
  return `interval_start ${Number.isFinite(ts) ? new Date(ts).toISOString() : String(ts)} is outside the data's span (${new Date(span.start).toISOString()} to ${new Date(span.end).toISOString()}): a timestamp that far off would move the watermark and make every other reading late`;
}

/**
 * Validated, time-stamped, settled usage from raw rows (`registry`: registrations by ServiceId).
 * With `span` (the run's declared or scanned time range), readings stamped far outside it go to
 * the invalid output with the reason, and do not move the watermark.
 */
export function usageOf(
  rows: DataStream<MeterReading>,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
  span?: { readonly start: number; readonly end: number },
): {
  usage: DataStream<Usage>;
  stamped: DataStream<MeterReading>;
  validated: DataStream<MeterReading>;
} {
  const validated = (
    span === undefined
      ? rows.validate(ReadingSchema)
      : rows.validate((r: MeterReading) => {
          const parsed = ReadingSchema.safeParse(r);
          if (!parsed.success) return parsed.error.message;
          const length = Date.parse(r.interval_end) - r.interval_start_ms;
          if (length !== intervalMs)
            return `interval_end is ${length} ms after interval_start; the run's interval is ${intervalMs} ms`;
          return outsideSpan(r.interval_start_ms, span);
        })
  ).name('validate');
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
