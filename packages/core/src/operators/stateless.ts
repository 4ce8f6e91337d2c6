import { Operator, type OperatorInit } from '../internal/operator';
import type { Batch, StreamRecord } from '../types';

/**
 * The shared loop of record-at-a-time operators: watermarks and status pass through unchanged,
 * each record is counted and handed to `onRecord`, and a throw from user code follows the
 * operator's error policy.
 */
abstract class PerRecordOperator<I, O> extends Operator<I, O> {
  protected abstract onRecord(rec: StreamRecord<I>): void;

  processBatch(batch: Batch<I>): void {
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') {
        this.metrics.recordsIn++;
        try {
          this.onRecord(el);
        } catch (e) {
          this.userError(e, el);
        }
      } else if (el.kind === 'watermark') {
        this.out.emitWatermark(el.timestamp);
      } else {
        this.out.emitStatus(el);
      }
    }
  }
}

/** `map`: one output per record, same timestamp. */
export class MapOperator<I, O> extends PerRecordOperator<I, O> {
  constructor(
    init: OperatorInit,
    private readonly fn: (value: I) => O,
  ) {
    super(init);
  }

  protected onRecord(rec: StreamRecord<I>): void {
    this.out.emit(this.fn(rec.value), rec.timestamp);
  }
}

/** `filter`: keeps the records the predicate accepts, unchanged. */
export class FilterOperator<T> extends PerRecordOperator<T, T> {
  constructor(
    init: OperatorInit,
    private readonly predicate: (value: T) => boolean,
  ) {
    super(init);
  }

  protected onRecord(rec: StreamRecord<T>): void {
    if (this.predicate(rec.value)) this.out.emitRecord(rec);
  }
}

/** `flatMap`: zero or more outputs per record, each with the record's timestamp. */
export class FlatMapOperator<I, O> extends PerRecordOperator<I, O> {
  constructor(
    init: OperatorInit,
    private readonly fn: (value: I) => Iterable<O>,
  ) {
    super(init);
  }

  protected onRecord(rec: StreamRecord<I>): void {
    for (const v of this.fn(rec.value)) this.out.emit(v, rec.timestamp);
  }
}

/**
 * What `validate` accepts: a predicate or type guard (`false` rejects), a function returning a
 * reason string for bad records, or a schema with `safeParse` (zod, valibot adapters).
 */
export type Validator<T> =
  | ((value: T) => boolean | string | null | undefined)
  | { safeParse(value: unknown): { success: boolean; error?: unknown } };

/** `validate`: passes valid records, sends the others to the invalid output with the reason. */
export class ValidateOperator<T> extends PerRecordOperator<T, T> {
  constructor(
    init: OperatorInit,
    private readonly validator: Validator<T>,
  ) {
    super(init);
  }

  protected onRecord(rec: StreamRecord<T>): void {
    const reason = this.reason(rec.value);
    if (reason === undefined) this.out.emitRecord(rec);
    else this.out.invalid(reason, rec.value, rec.timestamp);
  }

  private reason(value: T): string | undefined {
    const v = this.validator;
    if (typeof v === 'function') {
      const r = v(value);
      if (r === false) return 'rejected by validate';
      return typeof r === 'string' ? r : undefined;
    }
    const r = v.safeParse(value);
    if (r.success) return undefined;
    const err = r.error as { message?: unknown } | undefined;
    return typeof err?.message === 'string' ? err.message : 'rejected by schema';
  }
}
