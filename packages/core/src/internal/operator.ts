import type { Json } from '../connectors';
import { OperatorError } from '../errors';
import type { OperatorMetrics } from '../metrics';
import type { OutputTag } from '../output-tag';
import type { Batch, ErrorPolicy, StreamRecord } from '../types';
import type { Output } from './output';

/** What an operator is given when a job builds it. */
export interface OperatorInit {
  readonly name: string;
  readonly errorPolicy: ErrorPolicy;
  readonly metrics: OperatorMetrics;
}

/**
 * The skeleton every operator shares. An operator is a plain object: it consumes a batch from
 * input `input` and writes to `out`; the runtime (see `runtime/plan.ts`) wires it between RxJS
 * Subjects, flushes `out` after each batch, and routes thrown errors downstream exactly once.
 */
export abstract class Operator<I, O> {
  readonly name: string;
  readonly metrics: OperatorMetrics;
  protected readonly errorPolicy: ErrorPolicy;
  /** Set by the execution before the first batch. */
  out!: Output<O>;
  /**
   * Set by the execution: this operator is the only reader of a source's records, which nobody
   * else has seen, so it may update them in place instead of copying.
   */
  exclusiveSourceInput = false;

  constructor(init: OperatorInit) {
    this.name = init.name;
    this.metrics = init.metrics;
    this.errorPolicy = init.errorPolicy;
  }

  /** Called once when the job starts, before any input. */
  open(): void {}

  abstract processBatch(batch: Batch<I>, input: number): void;

  /** Plain-data state for a snapshot; `undefined` for stateless operators. */
  snapshot(): unknown {
    return undefined;
  }

  /**
   * Restores `snapshot()`'s output. Throws (any Error) when the state does not have the shape
   * this operator writes; the runtime reports it naming the operator.
   */
  restore(_state: unknown): void {}

  /**
   * The configuration the state belongs to, as plain JSON (window size, pattern, …). A checkpoint
   * stores it beside the state and a restore refuses state whose configuration differs.
   */
  describe(): Json | undefined {
    return undefined;
  }

  /** Called once when the job ends (completion, error or stop). */
  close(): void {}

  /**
   * A user function threw while handling `rec`: fail fast with an error naming the operator, key
   * and timestamp, or, under the `'invalid'` policy, route the record to the invalid output.
   */
  /** A record behind the watermark: sent to `tag` if one is set, otherwise dropped; counted either way. */
  protected late<X>(tag: OutputTag<X> | undefined, value: X, timestamp: number): void {
    if (tag) {
      this.metrics.lateSideOutput++;
      this.out.side(tag, value, timestamp);
    } else {
      this.metrics.lateDropped++;
    }
  }

  protected userError(cause: unknown, rec: StreamRecord<unknown>, key?: unknown): void {
    this.userErrorAt(cause, rec.value, rec.timestamp, key);
  }

  protected userErrorAt(cause: unknown, value: unknown, timestamp: number, key?: unknown): void {
    if (cause instanceof OperatorError) throw cause;
    if (this.errorPolicy === 'fail') {
      throw new OperatorError(this.name, key, timestamp, cause);
    }
    const message = cause instanceof Error ? cause.message : String(cause);
    this.out.invalid(`user function threw: ${message}`, value, timestamp);
  }
}
