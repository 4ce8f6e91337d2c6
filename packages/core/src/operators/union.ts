import { decodeTime, encodeTime, expectShape } from '../internal/codec';

import { Operator, type OperatorInit } from '../internal/operator';
import { type InputTime, mergeWatermarks } from '../time/watermark-merge';
import { ACTIVE, type Batch, IDLE } from '../types';

/**
 * `union`: records of every input pass in arrival order; the output watermark is the minimum over
 * the inputs that are active and aligned, and it only moves forward (Flink's watermark valve):
 * - an idle input does not hold the watermark back;
 * - an input that becomes active again behind the output watermark rejoins the minimum only once
 *   its own watermark catches up;
 * - when the last active input goes idle, the output moves to the highest input watermark and
 *   turns idle too.
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
      aligned: true,
    }));
  }

  processBatch(batch: Batch<T>, input: number): void {
    const state = this.inputs[input]!;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') {
        this.metrics.recordsIn++;
        if (state.idle) this.setIdle(state, false);
        this.out.emitRecord(el);
      } else if (el.kind === 'watermark') {
        if (state.idle) this.setIdle(state, false);
        if (el.timestamp > state.watermark) state.watermark = el.timestamp;
        if (!state.aligned && state.watermark >= this.watermark) state.aligned = true;
        this.update();
      } else if (el.idle !== state.idle) {
        this.setIdle(state, el.idle);
      }
    }
  }

  private setIdle(state: InputTime, idle: boolean): void {
    state.idle = idle;
    // going idle leaves the minimum; coming back behind the output waits until it catches up
    state.aligned = !idle && state.watermark >= this.watermark;
    if (idle && this.inputs.every((i) => i.idle)) {
      // nothing can advance any more: flush to the highest watermark, then go idle
      let max = Number.NEGATIVE_INFINITY;
      for (const i of this.inputs) if (i.watermark > max) max = i.watermark;
      this.emit(max);
    }
    this.update();
  }

  private update(): void {
    const merged = mergeWatermarks(this.inputs);
    if (!merged.allIdle && this.idle) {
      this.idle = false;
      this.out.emitStatus(ACTIVE);
    }
    this.emit(merged.watermark);
    if (merged.allIdle && !this.idle) {
      this.idle = true;
      this.out.emitStatus(IDLE);
    }
  }

  private emit(watermark: number): void {
    if (watermark > this.watermark) {
      this.watermark = watermark;
      this.out.emitWatermark(watermark);
    }
  }

  override snapshot(): unknown {
    return {
      watermark: encodeTime(this.watermark),
      idle: this.idle,
      inputs: this.inputs.map((s) => ({
        watermark: encodeTime(s.watermark),
        idle: s.idle,
        aligned: s.aligned,
      })),
    };
  }

  override restore(state: unknown): void {
    expectShape(state, { watermark: 'time', idle: 'boolean', inputs: 'array' });
    const s = state as {
      watermark: unknown;
      idle: boolean;
      inputs: { watermark: unknown; idle: boolean; aligned: boolean }[];
    };
    this.watermark = decodeTime(s.watermark);
    this.idle = s.idle;
    s.inputs.forEach((input, i) => {
      const target = this.inputs[i];
      if (target) {
        target.watermark = decodeTime(input.watermark);
        target.idle = input.idle;
        target.aligned = input.aligned;
      }
    });
  }
}
