import type { SchedulerAction } from 'rxjs';
import { decodeTime, encodeTime, expectShape } from '../internal/codec';

import { Operator, type OperatorInit } from '../internal/operator';
import type {
  TimestampAssigner,
  WatermarkGenerator,
  WatermarkOutput,
  WatermarkStrategy,
} from '../time/watermark-strategy';
import { ACTIVE, type Batch, IDLE } from '../types';

/**
 * Assigns event timestamps and generates watermarks, one record at a time: the watermark emitted
 * after a record covers the records after it. Upstream watermarks are replaced by this operator's
 * own, except the final `+∞` of a bounded input, which passes. A record whose timestamp is not a
 * finite number goes to the invalid output and does not move the watermark.
 */
export class TimestampsOperator<T> extends Operator<T, T> implements WatermarkOutput {
  private readonly generator: WatermarkGenerator<T>;
  private readonly assigner: TimestampAssigner<T> | undefined;
  private lastWatermark = Number.NEGATIVE_INFINITY;
  /** Highest accepted timestamp (for `withMaxTimestampJump`). */
  private highest = Number.NEGATIVE_INFINITY;
  private idle = false;
  private lastActivity = 0;
  private idleCheck: { unsubscribe(): void } | undefined;

  constructor(
    init: OperatorInit,
    private readonly strategy: WatermarkStrategy<T>,
  ) {
    super(init);
    this.generator = strategy.createGenerator();
    this.assigner = strategy.timestampAssigner;
  }

  override open(): void {
    if (this.strategy.idleness) {
      this.lastActivity = this.strategy.idleness.scheduler.now();
      this.scheduleIdleCheck(this.strategy.idleness.timeoutMs);
    }
  }

  emitWatermark(timestamp: number): void {
    if (timestamp > this.lastWatermark) {
      this.lastWatermark = timestamp;
      this.out.emitWatermark(timestamp);
    }
  }

  processBatch(batch: Batch<T>): void {
    const out = this.out;
    const assigner = this.assigner;
    const generator = this.generator;
    const jump = this.strategy.maxTimestampJump;
    let sawRecord = false;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') {
        this.metrics.recordsIn++;
        sawRecord = true;
        let ts = el.timestamp;
        if (assigner !== undefined) {
          try {
            ts = assigner(el.value, el.timestamp);
          } catch (e) {
            this.userError(e, el);
            continue;
          }
        }
        if (typeof ts !== 'number' || !Number.isFinite(ts)) {
          out.invalid(`timestamp is not a finite number: ${String(ts)}`, el.value, el.timestamp);
          continue;
        }
        if (jump !== undefined) {
          if (ts - this.highest > jump) {
            if (this.highest !== Number.NEGATIVE_INFINITY) {
              out.invalid(
                `timestamp ${new Date(ts).toISOString()} is ${ts - this.highest} ms after the highest so far (${new Date(this.highest).toISOString()}), more than the allowed jump of ${jump} ms`,
                el.value,
                ts,
              );
              continue;
            }
          }
          if (ts > this.highest) this.highest = ts;
        }
        if (ts === el.timestamp) out.emitRecord(el);
        else if (this.exclusiveSourceInput) {
          (el as { timestamp: number }).timestamp = ts;
          out.emitRecord(el);
        } else out.emit(el.value, ts);
        generator.onEvent(el.value, ts, this);
        generator.onPeriodicEmit?.(this);
      } else if (el.kind === 'watermark') {
        if (el.timestamp === Number.POSITIVE_INFINITY) this.emitWatermark(el.timestamp);
      }
    }
    if (sawRecord && this.strategy.idleness) {
      this.lastActivity = this.strategy.idleness.scheduler.now();
      if (this.idle) {
        this.idle = false;
        out.emitStatus(ACTIVE);
      }
      if (this.idleCheck === undefined) this.scheduleIdleCheck(this.strategy.idleness.timeoutMs);
    }
  }

  private scheduleIdleCheck(delay: number): void {
    const idleness = this.strategy.idleness!;
    const self = this;
    this.idleCheck = idleness.scheduler.schedule(function (this: SchedulerAction<unknown>) {
      const quiet = idleness.scheduler.now() - self.lastActivity;
      if (quiet >= idleness.timeoutMs) {
        self.idleCheck = undefined;
        if (!self.idle && self.lastWatermark !== Number.POSITIVE_INFINITY) {
          self.idle = true;
          self.out.emitStatus(IDLE);
          self.out.flush();
        }
      } else {
        this.schedule(undefined, idleness.timeoutMs - quiet);
      }
    }, delay);
  }

  override snapshot(): unknown {
    return {
      watermark: encodeTime(this.lastWatermark),
      highest: encodeTime(this.highest),
      generator: this.generator.snapshot?.(),
    };
  }

  override restore(state: unknown): void {
    expectShape(state, { watermark: 'time' });
    const s = state as { watermark: unknown; highest?: unknown; generator: unknown };
    this.lastWatermark = decodeTime(s.watermark);
    if (s.highest !== undefined) this.highest = decodeTime(s.highest);
    if (s.generator !== undefined) this.generator.restore?.(s.generator);
  }

  override close(): void {
    this.idleCheck?.unsubscribe();
    this.idleCheck = undefined;
  }
}
