import { Operator, type OperatorInit } from '../internal/operator';
import type { Batch, StreamElement } from '../types';

function forward(op: Operator<unknown, unknown>, el: StreamElement<unknown>): void {
  if (el.kind === 'watermark') op.out.emitWatermark(el.timestamp);
  else if (el.kind === 'status') op.out.emitStatus(el);
}

/** `map`: one output per record, same timestamp. */
export class MapOperator<I, O> extends Operator<I, O> {
  constructor(
    init: OperatorInit,
    private readonly fn: (value: I) => O,
  ) {
    super(init);
  }

  processBatch(batch: Batch<I>): void {
    const fn = this.fn;
    const out = this.out;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind !== 'record') {
        forward(this as Operator<unknown, unknown>, el);
        continue;
      }
      this.metrics.recordsIn++;
      let v: O;
      try {
        v = fn(el.value);
      } catch (e) {
        this.userError(e, el);
        continue;
      }
      out.emit(v, el.timestamp);
    }
  }
}

/** `filter`: keeps the records the predicate accepts, unchanged. */
export class FilterOperator<T> extends Operator<T, T> {
  constructor(
    init: OperatorInit,
    private readonly predicate: (value: T) => boolean,
  ) {
    super(init);
  }

  processBatch(batch: Batch<T>): void {
    const predicate = this.predicate;
    const out = this.out;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind !== 'record') {
        forward(this as Operator<unknown, unknown>, el);
        continue;
      }
      this.metrics.recordsIn++;
      let keep: boolean;
      try {
        keep = predicate(el.value);
      } catch (e) {
        this.userError(e, el);
        continue;
      }
      if (keep) out.emitRecord(el);
    }
  }
}

/** `flatMap`: zero or more outputs per record, each with the record's timestamp. */
export class FlatMapOperator<I, O> extends Operator<I, O> {
  constructor(
    init: OperatorInit,
    private readonly fn: (value: I) => Iterable<O>,
  ) {
    super(init);
  }

  processBatch(batch: Batch<I>): void {
    const fn = this.fn;
    const out = this.out;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind !== 'record') {
        forward(this as Operator<unknown, unknown>, el);
        continue;
      }
      this.metrics.recordsIn++;
      try {
        for (const v of fn(el.value)) out.emit(v, el.timestamp);
      } catch (e) {
        this.userError(e, el);
      }
    }
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
export class ValidateOperator<T> extends Operator<T, T> {
  constructor(
    init: OperatorInit,
    private readonly validator: Validator<T>,
  ) {
    super(init);
  }

  private reason(value: T): string | undefined {
    const v = this.validator;
    if (typeof v === 'function') {
      const r = v(value);
      if (r === false) return 'rejected by validate';
      if (typeof r === 'string') return r;
      return undefined;
    }
    const r = v.safeParse(value);
    if (r.success) return undefined;
    const err = r.error as { message?: unknown } | undefined;
    return typeof err?.message === 'string' ? err.message : 'rejected by schema';
  }

  processBatch(batch: Batch<T>): void {
    const out = this.out;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind !== 'record') {
        forward(this as Operator<unknown, unknown>, el);
        continue;
      }
      this.metrics.recordsIn++;
      let reason: string | undefined;
      try {
        reason = this.reason(el.value);
      } catch (e) {
        this.userError(e, el);
        continue;
      }
      if (reason === undefined) out.emitRecord(el);
      else out.invalid(reason, el.value, el.timestamp);
    }
  }
}

export { forward };
