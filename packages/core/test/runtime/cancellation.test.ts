import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { connect, DataStream, type Sink, type Source } from '../../src/index';

/** 0, 1, 2, … forever, synchronously; records whether the iterator was closed. */
function naturals() {
  const state = { closed: false, pulled: 0 };
  const iterable: Iterable<number> = {
    [Symbol.iterator]() {
      let i = 0;
      return {
        next: () => {
          state.pulled++;
          return { value: i++, done: false };
        },
        return: () => {
          state.closed = true;
          return { value: undefined, done: true };
        },
      };
    },
  };
  return { iterable, state };
}

describe('cancellation', () => {
  it('take(n) on toObservable stops an infinite synchronous iterable and closes it', async () => {
    const { iterable, state } = naturals();
    const values = await firstValueFrom(
      DataStream.from(iterable, { batchSize: 16 })
        .map((x) => x * 2)
        .toObservable()
        .pipe(take(5), toArray()),
    );
    expect(values).toEqual([0, 2, 4, 6, 8]);
    expect(state.closed).toBe(true);
    // it stopped after the batch that held the fifth value
    expect(state.pulled).toBeLessThanOrEqual(16);
  });

  it('job.stop() from a timer stops an infinite synchronous iterable; done settles, the source closes', async () => {
    const { iterable, state } = naturals();
    const job = connect({ out: DataStream.from(iterable).filter((x) => x % 2 === 0) });
    let seen = 0;
    job.outputs.out.subscribe(() => seen++);
    job.start();
    setTimeout(() => void job.stop(), 30);
    await job.done;
    expect(state.closed).toBe(true);
    expect(seen).toBeGreaterThan(0);
    const at = state.pulled;
    await new Promise((r) => setTimeout(r, 20));
    expect(state.pulled).toBe(at);
  });

  it('stops an infinite async iterable (unsubscribe and stop)', async () => {
    let closed = false;
    async function* forever() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const values = await firstValueFrom(DataStream.from(forever()).toObservable().pipe(take(3), toArray()));
    expect(values).toEqual([0, 1, 2]);
    await new Promise((r) => setTimeout(r, 5));
    expect(closed).toBe(true);

    closed = false;
    const job = connect({ out: DataStream.from(forever()) });
    job.start();
    setTimeout(() => void job.stop(), 10);
    await job.done;
    await new Promise((r) => setTimeout(r, 5));
    expect(closed).toBe(true);
  });

  it("runs a Source reader's close() when the job stops, and settles done", async () => {
    let closes = 0;
    const source: Source<number> = {
      open: () => ({ read: () => [1, 2, 3], close: () => void closes++ }),
    };
    const job = connect({ out: DataStream.from(source) });
    job.start();
    await new Promise((r) => setTimeout(r, 15));
    await job.stop();
    expect(closes).toBe(1);
    await expect(job.done).resolves.toBeUndefined();
  });

  it('hands the event loop turns while a synchronous source runs', async () => {
    const { iterable } = naturals();
    const job = connect({ out: DataStream.from(iterable) }, { sliceMs: 5 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    job.start();
    await new Promise((r) => setTimeout(r, 60));
    clearInterval(timer);
    await job.stop();
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('backpressure', () => {
  it('reads no batch while maxPendingWrites writes are pending: exactly that many, never more', async () => {
    // ConnectOptions.maxPendingWrites: the writes that may be pending before the sources stop
    // reading. With a slow sink the bound is reached, and never passed.
    for (const max of [undefined, 1, 2, 3]) {
      const bound = max ?? 1; // the documented default
      let read = 0;
      let written = 0;
      let pending = 0;
      let maxPending = 0;
      let maxAhead = 0;
      const source: Source<number> = {
        open: () => ({
          read: () => {
            if (read === 200) return null;
            read++;
            // read, not yet written: the pending writes and this batch
            maxAhead = Math.max(maxAhead, read - written);
            return [read];
          },
        }),
      };
      const slow: Sink<number> = {
        write: (values) => {
          maxPending = Math.max(maxPending, ++pending);
          return new Promise((resolve) =>
            setTimeout(() => {
              pending--;
              written += values.length;
              resolve();
            }, 1),
          );
        },
      };
      const job = connect(
        { out: DataStream.from(source).sinkTo(slow) },
        max === undefined ? {} : { maxPendingWrites: max },
      );
      job.start();
      await job.done;
      expect(written).toBe(200);
      expect(maxPending, `maxPendingWrites ${max}`).toBe(bound);
      // a batch is read only while fewer than `bound` writes are pending
      expect(maxAhead, `maxPendingWrites ${max}`).toBe(bound);
    }
  });

  it('a failing write fails the job; close() runs after the last write', async () => {
    const calls: string[] = [];
    const sink: Sink<number> = {
      write: async (v) => {
        calls.push(`write ${v.length}`);
        if (calls.length === 2) throw new Error('disk full');
      },
      close: async () => void calls.push('close'),
    };
    const job = connect({ out: DataStream.from([1, 2, 3, 4], { batchSize: 1 }).sinkTo(sink) });
    job.start();
    await expect(job.done).rejects.toThrow('disk full');
    expect(calls.at(-1)).toBe('close');
  });

  it('rejects a maxPendingWrites that is not a positive integer', () => {
    expect(() => connect({ out: DataStream.from([1]) }, { maxPendingWrites: 0 })).toThrow(/maxPendingWrites/);
  });
});
