import { IllegalArgumentError } from '../errors';
import type { Collector } from '../operators/keyed-process';
import type { TimeWindow } from './time-window';

/** What a window function sees when its window fires. */
export interface WindowContext<K> {
  readonly key: K;
  readonly window: TimeWindow;
  /** The watermark that fired the window (for a late firing, the current one). */
  readonly currentWatermark: number;
}

/**
 * Incremental aggregation (Flink's `AggregateFunction`): one accumulator per window, updated as
 * elements arrive. `merge` is needed for session windows, which combine accumulators when sessions
 * merge. Accumulators should be plain data so snapshots stay plain data.
 */
export interface AggregateFunction<I, ACC, O> {
  createAccumulator(): ACC;
  add(value: I, accumulator: ACC): ACC;
  getResult(accumulator: ACC): O;
  merge?(a: ACC, b: ACC): ACC;
}

/**
 * Called when a window fires with all of its elements (or, after `reduce`/`aggregate`, with the
 * single pre-aggregated result). Emit with `out.collect(x)`, or return an array of outputs.
 */
export type ProcessWindowFunction<K, I, O> = (
  key: K,
  context: WindowContext<K>,
  elements: readonly I[],
  out: Collector<O>,
) => void | readonly O[];

/** The window engine's view of reduce / aggregate / process: one accumulator type per window. */
export interface WindowAggregation<K, I, A, O> {
  create(): A;
  add(value: I, acc: A): A;
  merge(a: A, b: A): A;
  emit(key: K, ctx: WindowContext<K>, acc: A, out: Collector<O>): void;
  /** Plain data for a snapshot (arrays are copied). */
  save(acc: A): unknown;
  load(data: unknown): A;
}

function callWindowFunction<K, I, O>(
  fn: ProcessWindowFunction<K, I, O>,
  key: K,
  ctx: WindowContext<K>,
  elements: readonly I[],
  out: Collector<O>,
): void {
  const returned = fn(key, ctx, elements, out);
  if (Array.isArray(returned)) for (const o of returned) out.collect(o);
}

const EMPTY: unique symbol = Symbol('empty');

export function reduceAggregation<K, T, O>(
  fn: (a: T, b: T) => T,
  windowFn?: ProcessWindowFunction<K, T, O>,
): WindowAggregation<K, T, T | typeof EMPTY, O> {
  return {
    create: () => EMPTY,
    add: (v, acc) => (acc === EMPTY ? v : fn(acc, v)),
    merge: (a, b) => (a === EMPTY ? b : b === EMPTY ? a : fn(a, b)),
    emit(key, ctx, acc, out) {
      if (acc === EMPTY) return;
      if (windowFn) callWindowFunction(windowFn, key, ctx, [acc], out);
      else (out as unknown as Collector<T>).collect(acc);
    },
    save: (acc) => (acc === EMPTY ? { empty: true } : { value: acc }),
    load: (data) => {
      const d = data as { empty?: boolean; value?: T };
      return d.empty ? EMPTY : (d.value as T);
    },
  };
}

export function aggregateAggregation<K, I, ACC, R, O>(
  api: string,
  fn: AggregateFunction<I, ACC, R>,
  merging: boolean,
  windowFn?: ProcessWindowFunction<K, R, O>,
): WindowAggregation<K, I, ACC, O> {
  if (merging && typeof fn.merge !== 'function') {
    throw new IllegalArgumentError(
      `${api}: session windows merge accumulators, so the AggregateFunction needs merge()`,
    );
  }
  return {
    create: () => fn.createAccumulator(),
    add: (v, acc) => fn.add(v, acc),
    merge: (a, b) => fn.merge!(a, b),
    emit(key, ctx, acc, out) {
      const result = fn.getResult(acc);
      if (windowFn) callWindowFunction(windowFn, key, ctx, [result], out);
      else (out as unknown as Collector<R>).collect(result);
    },
    save: (acc) => acc,
    load: (data) => data as ACC,
  };
}

export function processAggregation<K, I, O>(
  fn: ProcessWindowFunction<K, I, O>,
): WindowAggregation<K, I, I[], O> {
  return {
    create: () => [],
    add: (v, acc) => {
      acc.push(v);
      return acc;
    },
    merge: (a, b) => a.concat(b),
    emit: (key, ctx, acc, out) => callWindowFunction(fn, key, ctx, acc, out),
    save: (acc) => [...acc],
    load: (data) => [...(data as I[])],
  };
}
