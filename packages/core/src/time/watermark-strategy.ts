import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { IllegalArgumentError } from '../errors';

/** Receives the watermarks a generator produces. Non-advancing watermarks are ignored. */
export interface WatermarkOutput {
  emitWatermark(timestamp: number): void;
}

/**
 * Produces watermarks from the records it sees (Flink's `WatermarkGenerator`). eventide calls
 * `onEvent` for each record and then `onPeriodicEmit` right after it, so the watermark that
 * follows a record depends only on the records before it, never on batching or wall-clock timing.
 * Generators with state implement `snapshot`/`restore` so a restored job emits the same watermarks.
 */
export interface WatermarkGenerator<T> {
  onEvent(event: T, timestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit?(output: WatermarkOutput): void;
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

/** Extracts an event timestamp (epoch ms) from a value; `recordTimestamp` is the incoming one or NaN. */
export type TimestampAssigner<T> = (event: T, recordTimestamp: number) => number;

/** Idleness settings: the timeout and the processing-time clock that measures it. */
export interface IdlenessConfig {
  readonly timeoutMs: number;
  readonly scheduler: SchedulerLike;
}

/**
 * How a stream gets event timestamps and watermarks (Flink's `WatermarkStrategy`). Immutable: each
 * `with…` call returns a new strategy.
 *
 * @example
 * const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Reading>(10 * 60_000)
 *   .withTimestampAssigner((r) => r.intervalStart)
 *   .withIdleness(60_000);
 */
export class WatermarkStrategy<T> {
  private constructor(
    readonly createGenerator: () => WatermarkGenerator<T>,
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    readonly idleness: IdlenessConfig | undefined,
    readonly maxTimestampJump: number | undefined = undefined,
  ) {}

  /**
   * Watermark = highest timestamp seen − `maxOutOfOrdernessMs` − 1: a record may arrive up to
   * `maxOutOfOrdernessMs` behind the newest one without being late.
   * @param maxOutOfOrdernessMs non-negative bound on disorder, in ms
   */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    if (!(Number.isFinite(maxOutOfOrdernessMs) && maxOutOfOrdernessMs >= 0)) {
      throw new IllegalArgumentError(
        `WatermarkStrategy.forBoundedOutOfOrderness: maxOutOfOrdernessMs must be a finite number ≥ 0, got ${maxOutOfOrdernessMs}`,
      );
    }
    return new WatermarkStrategy(
      () => new BoundedOutOfOrderness<T>(maxOutOfOrdernessMs),
      undefined,
      undefined,
    );
  }

  /** Timestamps never decrease: watermark = highest timestamp seen − 1. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy(() => new BoundedOutOfOrderness<T>(0), undefined, undefined);
  }

  /** A custom generator, created once per job run. */
  static forGenerator<T>(factory: () => WatermarkGenerator<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy(factory, undefined, undefined);
  }

  /** Assigns timestamps but never emits a watermark (only the final one at end of input). */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy(() => ({ onEvent() {} }), undefined, undefined);
  }

  /** Uses `assigner` to read each record's event timestamp. A non-finite result makes the record invalid. */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy(this.createGenerator, assigner, this.idleness, this.maxTimestampJump);
  }

  /**
   * Timestamp sanity (opt-in): a record stamped more than `ms` after the highest timestamp seen so
   * far goes to the `INVALID` side output with the reason and does not move the watermark (one
   * meter stamped 9999-01-01 would otherwise make every later record late). The first record
   * sets the reference.
   */
  withMaxTimestampJump(ms: number): WatermarkStrategy<T> {
    if (!(typeof ms === 'number' && ms > 0 && !Number.isNaN(ms))) {
      throw new IllegalArgumentError(
        `WatermarkStrategy.withMaxTimestampJump: ms must be a number > 0, got ${ms}`,
      );
    }
    return new WatermarkStrategy(this.createGenerator, this.timestampAssigner, this.idleness, ms);
  }

  /**
   * Marks the stream idle when no record arrives for `timeoutMs` of processing time, measured on
   * `scheduler` (an RxJS scheduler: pass a `TestScheduler` or `VirtualTimeScheduler` in tests).
   * An idle stream does not hold back the watermark of a multi-input operator; its next record
   * makes it active again.
   */
  withIdleness(timeoutMs: number, scheduler: SchedulerLike = asyncScheduler): WatermarkStrategy<T> {
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new IllegalArgumentError(
        `WatermarkStrategy.withIdleness: timeoutMs must be a finite number > 0, got ${timeoutMs}`,
      );
    }
    return new WatermarkStrategy(
      this.createGenerator,
      this.timestampAssigner,
      { timeoutMs, scheduler },
      this.maxTimestampJump,
    );
  }
}

class BoundedOutOfOrderness<T> implements WatermarkGenerator<T> {
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  constructor(private readonly bound: number) {}

  onEvent(_event: T, timestamp: number, output: WatermarkOutput): void {
    if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp;
      output.emitWatermark(timestamp - this.bound - 1);
    }
  }

  snapshot(): unknown {
    return this.maxTimestamp;
  }

  restore(state: unknown): void {
    this.maxTimestamp = state as number;
  }
}
