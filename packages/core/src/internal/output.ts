import type { OperatorMetrics } from '../metrics';
import type { OutputTag } from '../output-tag';
import { INVALID } from '../output-tag';
import type { InvalidRecord, StreamElement, StreamRecord, WatermarkStatus } from '../types';

/** Where an output batch goes: the execution wires each to an RxJS Subject. */
export interface BatchSink {
  next(batch: StreamElement<unknown>[]): void;
}

/**
 * The collector an operator writes to. Records accumulate in the current batch and leave together
 * on `flush()`, which the operator shell calls after each input batch (and timers after firing).
 * Side outputs nobody consumes are counted by the caller but not buffered.
 */
export class Output<O> {
  private batch: StreamElement<O>[] = [];
  private readonly sides = new Map<string, { sink: BatchSink; batch: StreamElement<unknown>[] }>();
  private mainSink: BatchSink | undefined;

  constructor(
    readonly metrics: OperatorMetrics,
    private readonly operatorName: string,
  ) {}

  connectMain(sink: BatchSink): void {
    this.mainSink = sink;
  }

  connectSide(tagId: string, sink: BatchSink): void {
    this.sides.set(tagId, { sink, batch: [] });
  }

  /** Emits a new record. */
  emit(value: O, timestamp: number): void {
    this.batch.push({ kind: 'record', value, timestamp });
    this.metrics.recordsOut++;
  }

  /** Emits an existing record unchanged (no allocation). */
  emitRecord(rec: StreamRecord<O>): void {
    this.batch.push(rec);
    this.metrics.recordsOut++;
  }

  /** Forwards a watermark to the main output and every consumed side output. */
  emitWatermark(timestamp: number): void {
    this.metrics.currentWatermark = timestamp;
    const wm = { kind: 'watermark', timestamp } as const;
    this.batch.push(wm);
    for (const side of this.sides.values()) side.batch.push(wm);
  }

  emitStatus(status: WatermarkStatus): void {
    this.batch.push(status);
    for (const side of this.sides.values()) side.batch.push(status);
  }

  /** Sends a record to a side output, if anything consumes it. */
  side<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    const side = this.sides.get(tag.id);
    if (side) side.batch.push({ kind: 'record', value, timestamp });
  }

  /** Routes a rejected record to the `INVALID` side output and counts it. */
  invalid(reason: string, value: unknown, timestamp: number): void {
    this.metrics.invalid++;
    const rejected: InvalidRecord = { reason, value, timestamp, operator: this.operatorName };
    this.side(INVALID, rejected, timestamp);
  }

  flush(): void {
    if (this.batch.length > 0) {
      const out = this.batch;
      this.batch = [];
      this.mainSink?.next(out);
    }
    for (const side of this.sides.values()) {
      if (side.batch.length > 0) {
        const out = side.batch;
        side.batch = [];
        side.sink.next(out);
      }
    }
  }
}
