import { isObservable, type Observable, type Subscription } from 'rxjs';
import type { Source, SourcePosition, SourceReader } from '../connectors';
import { IllegalArgumentError } from '../errors';
import type { ElementReader, SourceNode } from '../runtime/plan';
import type { Batch, StreamElement, TimelineItem } from '../types';

/** How `DataStream.from` reads an array, iterable or async iterable. */
export interface SourceOptions {
  /** Records per batch for iterables and timelines (default 1024). Results never depend on it. */
  readonly batchSize?: number;
}

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
  open: (position: SourcePosition | undefined) => ElementReader<T>,
): SourceNode<T> {
  return { type: 'source', kind, name: undefined, errorPolicy: 'fail', open };
}

function recordsOf<T>(values: readonly T[]): StreamElement<T>[] {
  const out = new Array<StreamElement<T>>(values.length);
  for (let i = 0; i < values.length; i++)
    out[i] = { kind: 'record', value: values[i]!, timestamp: Number.NaN };
  return out;
}

function isThenable<T>(x: unknown): x is PromiseLike<T> {
  return x !== null && typeof x === 'object' && typeof (x as PromiseLike<T>).then === 'function';
}

/** A count of items already taken, the position of iterables, async iterables and timelines. */
function countAt(position: SourcePosition | undefined, what: string): number {
  if (position === undefined) return 0;
  if (!(typeof position === 'number' && Number.isInteger(position) && position >= 0)) {
    throw new IllegalArgumentError(
      `${what}: a position must be a count of items read, got ${JSON.stringify(position)}`,
    );
  }
  return position;
}

export function fromSource<T>(source: Source<T>): SourceNode<T> {
  return sourceNode('source', (position) => {
    const reader: SourceReader<T> = position === undefined ? source.open() : source.open(position);
    const map = (values: readonly T[] | null): Batch<T> | null =>
      values === null ? null : recordsOf(values);
    return {
      read() {
        const r = reader.read();
        return isThenable<readonly T[] | null>(r) ? Promise.resolve(r).then(map) : map(r);
      },
      position: () => reader.position?.(),
      close: () => reader.close?.(),
    };
  });
}

/**
 * An iterable read in batches. Its position is the number of items taken; opening it at a
 * position iterates afresh and skips that many (an iterable cannot seek).
 */
export function fromIterable<T>(iterable: Iterable<T>, options?: SourceOptions): SourceNode<T> {
  const size = batchSizeOf(options);
  return fromSource<T>({
    open(position) {
      const it = iterable[Symbol.iterator]();
      let taken = 0;
      for (const skip = countAt(position, 'DataStream.from(iterable)'); taken < skip; taken++) {
        if (it.next().done) break;
      }
      return {
        read() {
          const batch: T[] = [];
          while (batch.length < size) {
            const r = it.next();
            if (r.done) break;
            batch.push(r.value);
          }
          taken += batch.length;
          return batch.length > 0 ? batch : null;
        },
        position: () => taken,
        close: () => void it.return?.(),
      };
    },
  });
}

/** An async iterable, one item per read; positioned like an iterable (a count of items taken). */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): SourceNode<T> {
  return fromSource<T>({
    open(position) {
      const it = iterable[Symbol.asyncIterator]();
      const skip = countAt(position, 'DataStream.from(asyncIterable)');
      let taken = 0;
      return {
        // One item per pull: the iterator is never asked for more than the pipeline has taken.
        async read() {
          for (; taken < skip; taken++) if ((await it.next()).done) return null;
          const r = await it.next();
          if (r.done) return null;
          taken++;
          return [r.value];
        },
        position: () => taken,
        close: () => void it.return?.(),
      };
    },
  });
}

/**
 * An Observable pushes: each value goes through the pipeline synchronously as it is emitted, and
 * nothing can hold the Observable back. It has no position, so a job reading one cannot take
 * checkpoints.
 */
export function fromObservable<T>(input: Observable<T>): SourceNode<T> {
  return sourceNode('source', () => {
    let subscription: Subscription | undefined;
    let closed = false;
    return {
      read: () => null,
      position: () => undefined,
      push(deliver, fail) {
        if (closed) return;
        subscription = input.subscribe({
          next: (value) => deliver([{ kind: 'record', value, timestamp: Number.NaN }]),
          error: fail,
          complete: () => deliver(null),
        });
      },
      close: () => {
        closed = true;
        subscription?.unsubscribe();
      },
    };
  });
}

/**
 * Explicit time: records with their timestamps and watermarks, in arrival order. A watermark that
 * does not advance is dropped (watermarks are monotonic); `+∞` closes the input as usual. Its
 * position is the number of items read.
 */
export function fromTimeline<T>(items: Iterable<TimelineItem<T>>, options?: SourceOptions): SourceNode<T> {
  const size = batchSizeOf(options);
  return sourceNode('timeline', (position) => {
    const it = items[Symbol.iterator]();
    const skip = countAt(position, 'DataStream.fromTimeline');
    let taken = 0;
    let wm = Number.NEGATIVE_INFINITY;
    const nextItem = (): TimelineItem<T> | undefined => {
      const r = it.next();
      if (r.done) return undefined;
      taken++;
      return r.value;
    };
    // Skipped items still move the watermark: the restored operators have seen it.
    while (taken < skip) {
      const item = nextItem();
      if (item === undefined) break;
      if ('watermark' in item && item.watermark > wm) wm = item.watermark;
    }
    return {
      read() {
        const batch: StreamElement<T>[] = [];
        while (batch.length < size) {
          const item = nextItem();
          if (item === undefined) return batch.length > 0 ? batch : null;
          if ('watermark' in item) {
            if (item.watermark > wm) {
              wm = item.watermark;
              batch.push({ kind: 'watermark', timestamp: wm });
            }
          } else {
            batch.push({ kind: 'record', value: item.value, timestamp: item.timestamp ?? Number.NaN });
          }
        }
        return batch;
      },
      position: () => taken,
      close: () => void it.return?.(),
    };
  });
}
