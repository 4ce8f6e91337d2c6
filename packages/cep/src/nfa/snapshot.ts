import { SharedBuffer, type SharedBufferSnapshot } from '../buffer/shared-buffer';
import type { CompiledNFA } from '../compiler/graph';
import { type ComputationState, KeyState, type NFAState, NONE_COMPLETED } from './state';

/** Plain-data form of one key's NFA state (checkpoints). */
export interface NFAStateSnapshot<T> {
  readonly partial: readonly PlainComputationState[];
  readonly completed: readonly PlainComputationState[];
  readonly buffer: SharedBufferSnapshot<T>;
}

type PlainComputationState = [
  state: number,
  prev: number,
  version: number[],
  startTs: number,
  prevTs: number,
  startId: [number, number] | null,
];

/** A key's state as plain data: states by id, buffer nodes by index. */
export function snapshotState<T>(s: NFAState<T>): NFAStateSnapshot<T> {
  const { snapshot, index } = s.buffer.snapshot([...s.partial, ...s.completed].map((cs) => cs.prev));
  const plain = (cs: ComputationState<T>): PlainComputationState => [
    cs.state.id,
    cs.prev === null ? -1 : index.get(cs.prev)!,
    [...cs.version],
    cs.startTs,
    cs.prevTs,
    cs.startId === null ? null : [cs.startId.ts, cs.startId.seq],
  ];
  return { partial: s.partial.map(plain), completed: s.completed.map(plain), buffer: snapshot };
}

/** Rebuilds a key's state for `compiled` (the pattern the snapshot was taken with). */
export function restoreState<T>(compiled: CompiledNFA<T>, snap: NFAStateSnapshot<T>): NFAState<T> {
  const states = compiled.states;
  const state = new KeyState<T>([]);
  const nodes = SharedBuffer.restoreInto(state, snap.buffer);
  const cs = ([s, prev, version, startTs, prevTs, startId]: PlainComputationState): ComputationState<T> => {
    const node = prev < 0 ? null : nodes[prev]!;
    if (node !== null) state.lock(node, version);
    return {
      state: states[s]!,
      prev: node,
      version,
      startTs,
      prevTs,
      startId: startId === null ? null : { ts: startId[0], seq: startId[1] },
    };
  };
  state.partial = snap.partial.map(cs);
  state.completed = snap.completed.length > 0 ? snap.completed.map(cs) : NONE_COMPLETED;
  state.settle(nodes);
  return state;
}
