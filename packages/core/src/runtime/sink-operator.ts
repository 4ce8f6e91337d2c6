import { type AnySink, isTwoPhaseCommitSink, type Json, type TwoPhaseCommitSink } from '../connectors';
import { Operator, type OperatorInit } from '../internal/operator';
import type { Batch } from '../types';

/** Where a sink operator reports writes that have not settled yet (the pump waits on them). */
export interface WriteTracker {
  track(write: PromiseLike<void>): void;
}

/**
 * The terminal operator behind `stream.sinkTo`: hands each batch's record values to the sink in
 * one `write`, and for a `TwoPhaseCommitSink` keeps the open transaction, which the checkpoint
 * coordinator rolls over at each checkpoint.
 */
export class SinkOperator<T> extends Operator<T, never> {
  readonly transactional: boolean;
  private txn: unknown;
  private hasTxn = false;

  constructor(
    init: OperatorInit,
    readonly sink: AnySink<T>,
    private readonly tracker: WriteTracker,
  ) {
    super(init);
    this.transactional = isTwoPhaseCommitSink(sink);
  }

  processBatch(batch: Batch<T>): void {
    let values: T[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') (values ??= []).push(el.value);
      else if (el.kind === 'watermark') this.metrics.currentWatermark = el.timestamp;
    }
    if (values === undefined) return;
    this.metrics.recordsIn += values.length;
    const r = this.transactional
      ? this.twoPhase().write(this.txn, values)
      : (this.sink as { write(v: readonly T[]): void | PromiseLike<void> }).write(values);
    if (r !== undefined && typeof (r as PromiseLike<void>).then === 'function') this.tracker.track(r);
  }

  /** Before any input: recover what the restored checkpoint holds, open the first transaction. */
  async recover(pending: readonly Json[] | undefined, firstCheckpointId: number): Promise<void> {
    if (!this.transactional) return;
    await this.twoPhase().recover(pending);
    this.txn = this.twoPhase().begin(firstCheckpointId);
    this.hasTxn = true;
  }

  /**
   * At the checkpoint's cut (synchronously): closes the open transaction and opens the next one,
   * so records after the cut go to the next checkpoint. Returns the closed transaction.
   */
  roll(nextCheckpointId: number | undefined): unknown {
    const closing = this.txn;
    if (nextCheckpointId === undefined) {
      this.hasTxn = false;
      this.txn = undefined;
    } else {
      this.txn = this.twoPhase().begin(nextCheckpointId);
    }
    return closing;
  }

  preCommit(txn: unknown): Json | Promise<Json> {
    return this.twoPhase().preCommit(txn);
  }

  commit(pending: Json): void | Promise<void> {
    return this.twoPhase().commit(pending);
  }

  /** The job ends without a final checkpoint: the open transaction is discarded. */
  async abortOpen(): Promise<void> {
    if (!this.transactional || !this.hasTxn) return;
    this.hasTxn = false;
    await this.twoPhase().abort(this.txn);
  }

  async closeSink(): Promise<void> {
    await this.sink.close?.();
  }

  private twoPhase(): TwoPhaseCommitSink<T, unknown, Json> {
    return this.sink as TwoPhaseCommitSink<T, unknown, Json>;
  }
}
