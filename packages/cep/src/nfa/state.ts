import type { Dewey } from '../buffer/dewey';
import type { EventId } from '../buffer/event-id';
import type { BufferNode } from '../buffer/shared-buffer';
import { SharedBuffer } from '../buffer/shared-buffer';
import type { NFAStateNode } from '../compiler/graph';

/** One branch of the automaton for one key (FlinkCEP's `ComputationState`). */
export interface ComputationState<T> {
  readonly state: NFAStateNode<T>;
  /** The buffer node of the last event taken; `null` before the first. */
  readonly prev: BufferNode<T> | null;
  readonly version: Dewey;
  readonly startTs: number;
  readonly prevTs: number;
  readonly startId: EventId | null;
}

/** The per-key mutable state of an NFA: partial matches, matches waiting on skip ordering, the buffer. */
export interface NFAState<T> {
  partial: ComputationState<T>[];
  completed: ComputationState<T>[];
  readonly buffer: SharedBuffer<T>;
}

/** Shared by every key until it first holds a completed match; never mutated. */
export const NONE_COMPLETED: ComputationState<any>[] = [];

/** The next list of partial matches to fill: the key's spare one, emptied by the last swap. */
export function nextList<T>(s: NFAState<T>): ComputationState<T>[] {
  const k = s as KeyState<T>;
  const list = k.spare ?? [];
  k.spare = null;
  return list;
}

/** Installs `next` as the partial matches; the old list, emptied, becomes the spare. */
export function swapPartial<T>(s: NFAState<T>, next: ComputationState<T>[]): void {
  const old = s.partial;
  s.partial = next;
  old.length = 0;
  (s as KeyState<T>).spare = old;
}

/**
 * A key's state and its shared buffer in one object: one allocation and one pointer less per
 * key, which matters when thousands of keys hold short partial matches.
 */
export class KeyState<T> extends SharedBuffer<T> implements NFAState<T> {
  completed: ComputationState<T>[] = NONE_COMPLETED;
  /** The list the next step fills: `partial` and it swap each event, so stepping allocates no list. */
  spare: ComputationState<T>[] | null = [];
  constructor(public partial: ComputationState<T>[]) {
    super();
  }
  get buffer(): SharedBuffer<T> {
    return this;
  }
}
