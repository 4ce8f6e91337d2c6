import { NumberHeap } from '../internal/heap';

/**
 * One event-time timer queue per operator. Timers that share a timestamp share a bucket, so a
 * thousand keys closing the same tumbling window cost one heap entry.
 *
 * Laws: `advanceTo(t)` fires every timer with timestamp ≤ t exactly once, in timestamp order and,
 * within a timestamp, in registration order; timers registered while firing with timestamp ≤ t
 * fire in the same call. Cancellation is lazy: the owner ignores entries it no longer wants.
 */
export class TimerQueue<E> {
  private readonly heap = new NumberHeap();
  private readonly buckets = new Map<number, E[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The earliest pending timestamp, if any. */
  nextTime(): number | undefined {
    return this.heap.peek();
  }

  add(timestamp: number, entry: E): void {
    let bucket = this.buckets.get(timestamp);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(timestamp, bucket);
      this.heap.push(timestamp);
    }
    bucket.push(entry);
    this.count++;
  }

  advanceTo(time: number, fire: (timestamp: number, entry: E) => void): void {
    for (;;) {
      const next = this.heap.peek();
      if (next === undefined || next > time) return;
      this.heap.pop();
      const bucket = this.buckets.get(next)!;
      this.buckets.delete(next);
      this.count -= bucket.length;
      for (const entry of bucket) fire(next, entry);
    }
  }

  /** Every pending timer in firing order (for snapshots). */
  entries(): [timestamp: number, entry: E][] {
    const times = [...this.buckets.keys()].sort((a, b) => a - b);
    const out: [number, E][] = [];
    for (const t of times) for (const e of this.buckets.get(t)!) out.push([t, e]);
    return out;
  }

  clear(): void {
    this.heap.clear();
    this.buckets.clear();
    this.count = 0;
  }
}
