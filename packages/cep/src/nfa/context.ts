import type { SharedBuffer } from '../buffer/shared-buffer';
import type { ConditionContext } from '../pattern/condition';
import type { ComputationState } from './state';

/** The condition context of one branch: its events are extracted only if a condition asks. */
export class LazyContext<T> implements ConditionContext<T> {
  private buffer!: SharedBuffer<T>;
  private cs!: ComputationState<T>;
  private cache: Map<string, readonly T[]> | undefined;
  timestamp = 0;

  reset(buffer: SharedBuffer<T>, cs: ComputationState<T>, ts: number): this {
    this.buffer = buffer;
    this.cs = cs;
    this.cache = undefined;
    this.timestamp = ts;
    return this;
  }

  eventsForPattern(name: string): readonly T[] {
    const hit = this.cache?.get(name);
    if (hit !== undefined) return hit;
    const events = this.buffer.eventsOfStage(this.cs.prev, this.cs.version, name);
    (this.cache ??= new Map()).set(name, events);
    return events;
  }
}
