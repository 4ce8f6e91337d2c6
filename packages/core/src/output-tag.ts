import type { InvalidRecord } from './types';

/**
 * Names a side output of type `T`. Tags compare by `id`, so two tags with the same id are the
 * same output.
 *
 * @example
 * const late = new OutputTag<Reading>('late-readings');
 * const totals = readings.keyBy((r) => r.meter).window(hourly).sideOutputLateData(late).reduce(sum);
 * const lateReadings = totals.getSideOutput(late);
 */
export class OutputTag<T> {
  /** Phantom field carrying `T` for type inference; never set. */
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError('OutputTag: id must be a non-empty string');
    }
  }
  toString(): string {
    return `OutputTag(${this.id})`;
  }
}

/**
 * The side output every operator routes rejected records to: non-finite timestamps, records
 * failing `validate`, and user-function errors when the operator's error policy is `'invalid'`.
 */
export const INVALID = new OutputTag<InvalidRecord>('invalid');
