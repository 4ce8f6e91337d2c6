import type { SharedBuffer } from '../buffer/shared-buffer';
import type { ConditionContext } from '../pattern/condition';
import type { ComputationState } from './state';

/** The condition context of one branch: its events are extracted only if a condition asks. */
export class LazyContext<T> implements ConditionContext<T> {
  private buffer!: SharedBuffer<T>;
  private cs!: ComputationState<T>;
  /** The last stage asked for and its events (conditions usually ask for one), then the rest. */
  private name1: string | undefined;
  private events1: readonly T[] = [];
  private cache: Map<string, readonly T[]> | undefined;
  timestamp = 0;

  reset(buffer: SharedBuffer<T>, cs: ComputationState<T>, ts: number): this {
    this.buffer = buffer;
    this.cs = cs;
    this.cache = undefined;
    this.name1 = undefined;
    this.timestamp = ts;
    return this;
  }

  eventsForPattern(name: string): readonly T[] {
    if (name === this.name1) return this.events1;
    const hit = this.cache?.get(name);
    if (hit !== undefined) return hit;
    const events = this.buffer.eventsOfStage(this.cs.prev, this.cs.version, name);
    if (this.name1 === undefined) {
      this.name1 = name;
      this.events1 = events;
    } else (this.cache ??= new Map()).set(name, events);
    return events;
  }
}
