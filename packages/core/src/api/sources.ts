import { isObservable, Observable, type Subscriber } from 'rxjs';
import { IllegalArgumentError } from '../errors';
import type { OperatorMetrics } from '../metrics';
import type { Batch, StreamElement, TimelineItem } from '../types';
import type { SourceNode } from './node';

/**
 * A pluggable source that hands over batches on demand. eventide calls `read()` again only after
 * the previous batch has passed through the whole (synchronous) pipeline, so a source never has
 * more than one batch in flight: this is eventide's backpressure, since RxJS has none.
 *
 * @example
 * const counter: Source<number> = {
 *   open() {
 *     let i = 0;
 *     return { read: () => (i < 10_000 ? Array.from({ length: 1000 }, () => i++) : null) };
 *   },
 * };
 * DataStream.from(counter);
 */
export interface Source<T> {
  open(): SourceReader<T>;
}

/** Reads one run of a `Source`. */
export interface SourceReader<T> {
  /** The next batch (may be empty), or `null` at the end of a bounded input. May return a Promise. */
  read(): readonly T[] | null | PromiseLike<readonly T[] | null>;
  /** Releases resources; called once, at the end or when the job stops. */
  close?(): void;
}

export interface SourceOptions {
  /** Records per batch for iterables and timelines (default 1024). Results never depend on it. */
  readonly batchSize?: number;
}

const END: StreamElement<never> = Object.freeze({ kind: 'watermark', timestamp: Number.POSITIVE_INFINITY });

export function isSource<T>(x: unknown): x is Source<T> {
  return (
    typeof x === 'object' && x !== null && typeof (x as Source<T>).open === 'function' && !isObservable(x)
  );
}

function batchSizeOf(options: SourceOptions | undefined): number {
  const n = options?.batchSize ?? 1024;
  if (!(Number.isInteger(n) && n > 0)) {
    throw new IllegalArgumentError(`DataStream.from: batchSize must be a positive integer, got ${n}`);
  }
  return n;
}

function sourceNode<T>(
  kind: string,
  open: (metrics: OperatorMetrics) => Observable<Batch<T>>,
): SourceNode<T> {
  return { type: 'source', kind, name: undefined, errorPolicy: 'fail', open };
}

function recordsOf<T>(values: readonly T[], metrics: OperatorMetrics): StreamElement<T>[] {
  const out = new Array<StreamElement<T>>(values.length);
  for (let i = 0; i < values.length; i++)
    out[i] = { kind: 'record', value: values[i]!, timestamp: Number.NaN };
  metrics.recordsOut += values.length;
  return out;
}

function finish<T>(subscriber: Subscriber<Batch<T>>, metrics: OperatorMetrics): void {
  metrics.currentWatermark = Number.POSITIVE_INFINITY;
  subscriber.next([END]);
  subscriber.complete();
}

/** Drives a `SourceReader`: synchronously while reads are synchronous, awaiting when they are not. */
function pump<T>(reader: SourceReader<T>, subscriber: Subscriber<Batch<T>>, metrics: OperatorMetrics): void {
  const onBatch = (batch: readonly T[] | null): boolean => {
    if (batch === null) {
      finish(subscriber, metrics);
      return false;
    }
    if (batch.length > 0) subscriber.next(recordsOf(batch, metrics));
    return true;
  };
  const loop = (): void => {
    try {
      while (!subscriber.closed) {
        const r = reader.read();
        if (r !== null && typeof (r as PromiseLike<unknown>).then === 'function') {
          (r as PromiseLike<readonly T[] | null>).then(
            (batch) => {
              if (!subscriber.closed && onBatch(batch)) loop();
            },
            (err) => subscriber.error(err),
          );
          return;
        }
        if (!onBatch(r as readonly T[] | null)) return;
      }
    } catch (err) {
      subscriber.error(err);
    }
  };
  loop();
}

export function fromSource<T>(source: Source<T>): SourceNode<T> {
  return sourceNode('source', (metrics) => {
    return new Observable<Batch<T>>((subscriber) => {
      const reader = source.open();
      pump(reader, subscriber, metrics);
      return () => reader.close?.();
    });
  });
}

export function fromIterable<T>(iterable: Iterable<T>, options?: SourceOptions): SourceNode<T> {
  const size = batchSizeOf(options);
  return fromSource<T>({
    open() {
      const it = iterable[Symbol.iterator]();
      return {
        read() {
          const batch: T[] = [];
          while (batch.length < size) {
            const r = it.next();
            if (r.done) return batch.length > 0 ? batch : null;
            batch.push(r.value);
          }
          return batch;
        },
        close: () => void it.return?.(),
      };
    },
  });
}

export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): SourceNode<T> {
  return fromSource<T>({
    open() {
      const it = iterable[Symbol.asyncIterator]();
      return {
        // One item per pull: the iterator is never asked for more than the pipeline has taken.
        async read() {
          const r = await it.next();
          return r.done ? null : [r.value];
        },
        close: () => void it.return?.(),
      };
    },
  });
}

export function fromObservable<T>(input: Observable<T>): SourceNode<T> {
  return sourceNode('source', (metrics) => {
    return new Observable<Batch<T>>((subscriber) => {
      return input.subscribe({
        next: (value) => {
          metrics.recordsOut++;
          subscriber.next([{ kind: 'record', value, timestamp: Number.NaN }]);
        },
        error: (err) => subscriber.error(err),
        complete: () => finish(subscriber, metrics),
      });
    });
  });
}

/**
 * Explicit time: records with their timestamps and watermarks, in arrival order. A watermark that
 * does not advance is dropped (watermarks are monotonic); `+∞` closes the input as usual.
 */
export function fromTimeline<T>(items: Iterable<TimelineItem<T>>, options?: SourceOptions): SourceNode<T> {
  const size = batchSizeOf(options);
  return sourceNode('timeline', (metrics) => {
    return new Observable<Batch<T>>((subscriber) => {
      let wm = Number.NEGATIVE_INFINITY;
      let batch: StreamElement<T>[] = [];
      for (const item of items) {
        if (subscriber.closed) return;
        if ('watermark' in item) {
          if (item.watermark > wm) {
            wm = item.watermark;
            metrics.currentWatermark = wm;
            batch.push({ kind: 'watermark', timestamp: wm });
          }
        } else {
          metrics.recordsOut++;
          batch.push({ kind: 'record', value: item.value, timestamp: item.timestamp ?? Number.NaN });
        }
        if (batch.length >= size) {
          subscriber.next(batch);
          batch = [];
        }
      }
      if (batch.length > 0) subscriber.next(batch);
      if (wm !== Number.POSITIVE_INFINITY) finish(subscriber, metrics);
      else subscriber.complete();
    });
  });
}
