import { decodeTime, encodeTime } from '../internal/codec';
import { Operator, type OperatorInit } from '../internal/operator';
import { type InputTime, mergeWatermarks } from '../time/watermark-merge';
import { ACTIVE, type Batch, IDLE } from '../types';

/**
 * `union`: records of every input pass in arrival order; the output watermark is the minimum over
 * the inputs that are not idle, and it only moves forward. When every input is idle the output is
 * idle too.
 */
export class UnionOperator<T> extends Operator<T, T> {
  private readonly inputs: InputTime[];
  private watermark = Number.NEGATIVE_INFINITY;
  private idle = false;

  constructor(init: OperatorInit, inputCount: number) {
    super(init);
    this.inputs = Array.from({ length: inputCount }, () => ({
      watermark: Number.NEGATIVE_INFINITY,
      idle: false,
    }));
  }

  processBatch(batch: Batch<T>, input: number): void {
    const state = this.inputs[input]!;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') {
        this.metrics.recordsIn++;
        if (state.idle) {
          state.idle = false;
          this.update();
        }
        this.out.emitRecord(el);
      } else if (el.kind === 'watermark') {
        if (el.timestamp > state.watermark) state.watermark = el.timestamp;
        state.idle = false;
        this.update();
      } else {
        state.idle = el.idle;
        this.update();
      }
    }
  }

  private update(): void {
    const merged = mergeWatermarks(this.inputs);
    if (merged.allIdle !== this.idle) {
      this.idle = merged.allIdle;
      this.out.emitStatus(merged.allIdle ? IDLE : ACTIVE);
    }
    if (merged.watermark > this.watermark) {
      this.watermark = merged.watermark;
      this.out.emitWatermark(merged.watermark);
    }
  }

  override snapshot(): unknown {
    return {
      watermark: encodeTime(this.watermark),
      idle: this.idle,
      inputs: this.inputs.map((s) => ({ watermark: encodeTime(s.watermark), idle: s.idle })),
    };
  }

  override restore(state: unknown): void {
    const s = state as { watermark: unknown; idle: boolean; inputs: { watermark: unknown; idle: boolean }[] };
    this.watermark = decodeTime(s.watermark);
    this.idle = s.idle;
    s.inputs.forEach((input, i) => {
      const target = this.inputs[i];
      if (target) {
        target.watermark = decodeTime(input.watermark);
        target.idle = input.idle;
      }
    });
  }
}
