import { compareEventIds, type EventId } from '../buffer/event-id';
import {
  type BufferNode,
  type MatchIds,
  SharedBuffer,
  type SharedBufferSnapshot,
} from '../buffer/shared-buffer';
import type { CompiledNFA, NFAStateNode, Transition } from '../compiler/graph';
import type { Condition, ConditionContext } from '../pattern/condition';
import { addStage, type Dewey, deweyStart, increase } from './dewey';

/** A match: each stage name mapped to the events it took, oldest first, stages in pattern order. */
export type Match<T> = Readonly<Record<string, readonly T[]>>;

/** One branch of the automaton for one key (FlinkCEP's `ComputationState`). */
interface ComputationState<T> {
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

/**
 * A key's state and its shared buffer in one object: one allocation and one pointer less per
 * key, which matters when thousands of keys hold short partial matches.
 */
class KeyState<T> extends SharedBuffer<T> implements NFAState<T> {
  completed: ComputationState<T>[] = NONE_COMPLETED;
  constructor(public partial: ComputationState<T>[]) {
    super();
  }
  get buffer(): SharedBuffer<T> {
    return this;
  }
}

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

/** What advancing a key's NFA gave: completed matches and timed-out partial matches. */
export interface AdvanceResult<T> {
  readonly matches: Match<T>[];
  /** Timed-out partial matches with their timeout timestamps (when asked for). */
  readonly timeouts: [Match<T>, number][];
  /** How many partial matches timed out. */
  readonly timedOut: number;
}

/** Partial matches ordered by their first event; the start state (no event yet) last. */
function byStart<T>(a: ComputationState<T>, b: ComputationState<T>): number {
  if (a.startId === null) return b.startId === null ? 0 : 1;
  if (b.startId === null) return -1;
  return compareEventIds(a.startId, b.startId);
}

/** Stable insertion sort by first event: the lists are short, and `Array#sort` costs more to set up. */
function sortByStart<T>(xs: ComputationState<T>[]): void {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i]!;
    let j = i - 1;
    while (j >= 0 && byStart(xs[j]!, x) > 0) {
      xs[j + 1] = xs[j]!;
      j--;
    }
    xs[j + 1] = x;
  }
}

/**
 * The NFA runtime over a compiled graph (FlinkCEP's `NFA`): pure with respect to the graph,
 * all mutation in the `NFAState` it is handed. `process` feeds one event; `advanceTime` applies
 * `within` (timeouts, and matches of a trailing `notFollowedBy`). Neither reads a clock.
 */
export class NFA<T> {
  private readonly ctx = new LazyContext<T>();

  constructor(
    readonly compiled: CompiledNFA<T>,
    /** Most partial matches a key may hold; beyond it the oldest are dropped (and counted). */
    private readonly maxPartialMatches = Number.POSITIVE_INFINITY,
  ) {
    this.initial = Object.freeze(this.startState(deweyStart));
  }

  private readonly initial: ComputationState<T>;

  createState(): NFAState<T> {
    return new KeyState<T>([this.initial]);
  }

  private startState(version: Dewey): ComputationState<T> {
    return { state: this.compiled.start, prev: null, version, startTs: -1, prevTs: -1, startId: null };
  }

  /** True when the key holds nothing beyond the start state. */
  isEmpty(s: NFAState<T>): boolean {
    return s.completed.length === 0 && s.partial.length === 1 && s.partial[0]!.startId === null;
  }

  /** The earliest event time at which `advanceTime` would change something, or `Infinity`. */
  nextDeadline(s: NFAState<T>): number {
    let t = Number.POSITIVE_INFINITY;
    const { windowTime, gapWindows } = this.compiled;
    for (const cs of s.partial) {
      if (cs.startId === null) continue;
      if (windowTime > 0) t = Math.min(t, cs.startTs + windowTime);
      const gap = gapWindows.get(cs.state.stage);
      if (gap !== undefined) t = Math.min(t, cs.prevTs + gap);
    }
    return t;
  }

  /**
   * Feeds one event. Returns the matches it completes and how many partial matches were
   * dropped by the cap.
   */
  process(s: NFAState<T>, value: T, ts: number): { matches: Match<T>[]; dropped: number } {
    // Fast path: only the start state, and the event opens no branch.
    if (s.partial.length === 1 && s.completed.length === 0) {
      const only = s.partial[0]!;
      if (only.startId === null && !this.anyEdge(only, value, ts, s.buffer)) return NOTHING;
    }
    this.eventId = undefined;
    this.eventValue = value;
    this.eventTs = ts;
    const newPartial: ComputationState<T>[] = [];
    let potential: ComputationState<T>[] | undefined;
    const next = this.next;
    for (const cs of s.partial) {
      // the start state stays as it is unless it can take the event
      if (cs.startId === null && !this.anyEdge(cs, value, ts, s.buffer)) {
        newPartial.push(cs);
        continue;
      }
      const produced = this.computeNextStates(s.buffer, cs, value, ts, next);
      const mark = newPartial.length;
      let discard = false;
      for (let k = 0; k < produced; k++) {
        const n = next[k]!;
        if (n.state.kind === 'final') (potential ??= []).push(n);
        else if (n.state.kind === 'stop') {
          discard = true;
          s.buffer.release(n.prev);
        } else newPartial.push(n);
      }
      // a branch that reached a STOP state is discarded whole
      if (discard) {
        for (let i = mark; i < newPartial.length; i++) s.buffer.release(newPartial[i]!.prev);
        newPartial.length = mark;
      }
    }
    sortByStart(newPartial);
    const matches: Match<T>[] = [];
    if (potential !== undefined) sortByStart(potential);
    if (this.compiled.skipStrategy.isSkipStrategy) {
      this.emitBySkipStrategy(s, potential ?? [], newPartial, matches);
    } else if (potential !== undefined) {
      for (const m of potential) {
        matches.push(s.buffer.materialize(s.buffer.extract(m.prev, m.version)));
        s.buffer.release(m.prev);
      }
    }
    let dropped = 0;
    // The cap drops the oldest partial matches (never the start state).
    while (newPartial.length - 1 > this.maxPartialMatches && newPartial[0]!.startId !== null) {
      s.buffer.release(newPartial.shift()!.prev);
      dropped++;
    }
    s.partial = newPartial;
    if (this.eventId !== undefined) s.buffer.releaseEvent(this.eventId);
    return matches.length === 0 && dropped === 0 ? NOTHING : { matches, dropped };
  }

  private eventId: EventId | undefined;
  private eventValue!: T;
  private eventTs = 0;

  /** The current event's id, registered in the buffer the first time a branch takes it. */
  private idFor(buffer: SharedBuffer<T>): EventId {
    if (this.eventId === undefined) this.eventId = buffer.registerEvent(this.eventValue, this.eventTs);
    return this.eventId;
  }

  /** Whether a fresh key (only the start state) would open a partial match with this event. */
  startTakes(value: T, ts: number): boolean {
    return this.anyEdge(this.initial, value, ts, EMPTY_BUFFER as SharedBuffer<T>);
  }

  /** Whether the start state `cs` can take this event (IGNORE edges do nothing for the start state). */
  private anyEdge(cs: ComputationState<T>, value: T, ts: number, buffer: SharedBuffer<T>): boolean {
    const ctx = this.ctx.reset(buffer, cs, ts);
    const stack = this.stack;
    let sp = 0;
    stack[sp++] = cs.state;
    while (sp > 0) {
      const state = stack[--sp]!;
      const ts_ = state.transitions;
      for (let i = 0; i < ts_.length; i++) {
        const t = ts_[i]!;
        if (t.action === 'ignore' || !check(t.condition, value, ctx)) continue;
        if (t.action === 'proceed') stack[sp++] = t.target;
        else return true;
      }
    }
    return false;
  }

  private readonly stack: NFAStateNode<T>[] = [];
  private readonly proceedStack: NFAStateNode<T>[] = [];
  /** Scratch: the states one branch moves to on the current event. */
  private readonly next: ComputationState<T>[] = [];
  /** Scratch: the open edges of the current branch (source state, transition) as parallel arrays. */
  private readonly edgeSources: NFAStateNode<T>[] = [];
  private readonly edgeTransitions: Transition<T>[] = [];

  /**
   * Moves event time to `ts`: partial matches whose window has closed time out (or, waiting in a
   * trailing `notFollowedBy`, become matches).
   */
  advanceTime(s: NFAState<T>, ts: number, withTimeouts = true): AdvanceResult<T> {
    const { windowTime, gapWindows } = this.compiled;
    if (windowTime === 0 && gapWindows.size === 0 && s.completed.length === 0) return NO_ADVANCE;
    const newPartial: ComputationState<T>[] = [];
    const potential: ComputationState<T>[] = [];
    const timeouts: [Match<T>, number][] = [];
    let timedOut = 0;
    for (const cs of s.partial) {
      if (cs.startId === null) {
        newPartial.push(cs);
        continue;
      }
      const gap = gapWindows.get(cs.state.stage);
      const byGap = gap !== undefined && ts - cs.prevTs >= gap;
      const byWindow = windowTime > 0 && ts - cs.startTs >= windowTime;
      if (!byGap && !byWindow) {
        newPartial.push(cs);
        continue;
      }
      if (cs.state.kind === 'pending') {
        potential.push(cs);
        continue;
      }
      timedOut++;
      if (withTimeouts) {
        const partial = s.buffer.materialize(s.buffer.extract(cs.prev, cs.version));
        timeouts.push([partial, byGap ? cs.prevTs + gap! : cs.startTs + windowTime]);
      }
      s.buffer.release(cs.prev);
    }
    sortByStart(potential);
    const matches: Match<T>[] = [];
    this.emitBySkipStrategy(s, potential, newPartial, matches);
    s.partial = newPartial;
    return { matches, timeouts, timedOut };
  }

  /**
   * Emits completed matches in order of their first event, only once no partial match started
   * earlier (a later-emitted match could otherwise be pruned by an earlier one), pruning as the
   * skip strategy says after each.
   */
  private emitBySkipStrategy(
    s: NFAState<T>,
    potential: ComputationState<T>[],
    partial: ComputationState<T>[],
    out: Match<T>[],
  ): void {
    if (potential.length > 0) {
      // most keys never hold a completed match: the shared empty list is replaced on first use
      if (s.completed === NONE_COMPLETED) s.completed = [];
      for (const p of potential) s.completed.push(p);
      sortByStart(s.completed);
    }
    while (s.completed.length > 0 && (partial.length === 0 || byStart(s.completed[0]!, partial[0]!) <= 0)) {
      const m = s.completed.shift()!;
      const ids = s.buffer.extract(m.prev, m.version);
      this.prune(s.buffer, partial, ids);
      this.prune(s.buffer, s.completed, ids);
      out.push(s.buffer.materialize(ids));
      s.buffer.release(m.prev);
    }
  }

  private prune(buffer: SharedBuffer<T>, states: ComputationState<T>[], ids: MatchIds): void {
    const skip = this.compiled.skipStrategy;
    const pruningId = skip.pruningId(ids);
    if (pruningId === undefined) return;
    let w = 0;
    for (let r = 0; r < states.length; r++) {
      const cs = states[r]!;
      if (cs.startId !== null && skip.shouldPrune(cs.startId, pruningId)) buffer.release(cs.prev);
      else states[w++] = cs;
    }
    states.length = w;
  }

  private computeNextStates(
    buffer: SharedBuffer<T>,
    cs: ComputationState<T>,
    value: T,
    ts: number,
    out: ComputationState<T>[],
  ): number {
    this.produced = 0;
    const ctx = this.ctx.reset(buffer, cs, ts);
    const sources = this.edgeSources;
    const transitions = this.edgeTransitions;
    const { edges: edgeCount, takes, ignores } = this.decisionGraph(cs, value, ctx);
    let takeBranchesToVisit = Math.max(0, takes - 1);
    let ignoreBranchesToVisit = ignores;
    const totalTakeToSkip = Math.max(0, takes - 1);
    const isStart = cs.state.kind === 'start';
    for (let e = 0; e < edgeCount; e++) {
      const source = sources[e]!;
      const edge = transitions[e]!;
      if (edge.action === 'ignore') {
        if (isStart) continue;
        let version: Dewey;
        if (edge.target === cs.state) {
          version = increase(cs.version, selfIncrease(ignores, takes));
        } else {
          version = addStage(increase(cs.version, totalTakeToSkip + ignoreBranchesToVisit));
          ignoreBranchesToVisit--;
        }
        this.add(buffer, out, edge.target, cs.prev, version, cs.startTs, cs.prevTs, cs.startId);
      } else if (edge.action === 'take') {
        const currentVersion = increase(cs.version, takeBranchesToVisit);
        const nextVersion = addStage(currentVersion);
        takeBranchesToVisit--;
        const id = this.idFor(buffer);
        const entry = buffer.put(source.stage, source.stageIndex, id, cs.prev, currentVersion);
        const startTs = isStart ? ts : cs.startTs;
        const startId = isStart ? id : cs.startId;
        this.add(buffer, out, edge.target, entry, nextVersion, startTs, ts, startId);
        const final = this.finalAfterProceed(edge.target, value, ctx);
        if (final !== undefined) this.add(buffer, out, final, entry, nextVersion, startTs, ts, startId);
      }
    }
    if (isStart) {
      const inc = selfIncrease(ignores, takes);
      out[this.produced++] = inc === 0 ? cs : this.startState(increase(cs.version, inc));
    }
    if (cs.prev !== null) buffer.release(cs.prev);
    return this.produced;
  }

  private produced = 0;

  private add(
    buffer: SharedBuffer<T>,
    out: ComputationState<T>[],
    state: NFAStateNode<T>,
    prev: BufferNode<T> | null,
    version: Dewey,
    startTs: number,
    prevTs: number,
    startId: EventId | null,
  ): void {
    out[this.produced++] = { state, prev, version, startTs, prevTs, startId };
    if (prev !== null) buffer.lock(prev);
  }

  /** The TAKE and IGNORE edges open to this event, following PROCEED (ε) edges. */
  private decisionGraph(
    cs: ComputationState<T>,
    value: T,
    ctx: LazyContext<T>,
  ): { edges: number; takes: number; ignores: number } {
    const sources = this.edgeSources;
    const transitions = this.edgeTransitions;
    let edges = 0;
    let takes = 0;
    let ignores = 0;
    const stack = this.stack;
    let sp = 0;
    stack[sp++] = cs.state;
    while (sp > 0) {
      const state = stack[--sp]!;
      const ts_ = state.transitions;
      for (let i = 0; i < ts_.length; i++) {
        const t = ts_[i]!;
        if (!check(t.condition, value, ctx)) continue;
        if (t.action === 'proceed') stack[sp++] = t.target;
        else {
          sources[edges] = state;
          transitions[edges++] = t;
          if (t.action === 'take') takes++;
          else if (t.target !== cs.state) ignores++;
        }
      }
    }
    this.counts.edges = edges;
    this.counts.takes = takes;
    this.counts.ignores = ignores;
    return this.counts;
  }

  private readonly counts = { edges: 0, takes: 0, ignores: 0 };

  /** A final state reachable from `state` by PROCEED edges open to this event (an optional tail). */
  private finalAfterProceed(
    state: NFAStateNode<T>,
    value: T,
    ctx: LazyContext<T>,
  ): NFAStateNode<T> | undefined {
    // a greedy stage does not let a match complete by skipping past it
    if (state.greedy) return undefined;
    const stack = this.proceedStack;
    let sp = 0;
    stack[sp++] = state;
    while (sp > 0) {
      const s = stack[--sp]!;
      const ts_ = s.transitions;
      for (let i = 0; i < ts_.length; i++) {
        const t = ts_[i]!;
        if (t.action !== 'proceed' || !check(t.condition, value, ctx)) continue;
        if (t.target.kind === 'final') return t.target;
        if (!t.target.greedy) stack[sp++] = t.target;
      }
    }
    return undefined;
  }

  snapshot(s: NFAState<T>): NFAStateSnapshot<T> {
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

  restore(snap: NFAStateSnapshot<T>): NFAState<T> {
    const states = this.compiled.states;
    const state = new KeyState<T>([]);
    const nodes = SharedBuffer.restoreInto(state, snap.buffer);
    const cs = ([
      state,
      prev,
      version,
      startTs,
      prevTs,
      startId,
    ]: PlainComputationState): ComputationState<T> => ({
      state: states[state]!,
      prev: prev < 0 ? null : nodes[prev]!,
      version,
      startTs,
      prevTs,
      startId: startId === null ? null : { ts: startId[0], seq: startId[1] },
    });
    state.partial = snap.partial.map(cs);
    state.completed = snap.completed.length > 0 ? snap.completed.map(cs) : NONE_COMPLETED;
    return state;
  }
}

const EMPTY_BUFFER = new SharedBuffer<unknown>();

/** Shared by every key until it first holds a completed match; never mutated. */
const NONE_COMPLETED: ComputationState<any>[] = [];

const NO_ADVANCE: AdvanceResult<never> = Object.freeze({ matches: [], timeouts: [], timedOut: 0 });

const NOTHING: { matches: Match<never>[]; dropped: number } = Object.freeze({
  matches: Object.freeze([]) as unknown as Match<never>[],
  dropped: 0,
});

function selfIncrease(ignores: number, takes: number): number {
  return takes === 0 && ignores === 0 ? 0 : ignores + Math.max(1, takes);
}

function check<T>(c: Condition<T> | undefined, value: T, ctx: ConditionContext<T>): boolean {
  return c === undefined || c(value, ctx);
}

/** The condition context of one branch: its events are extracted only if a condition asks. */
class LazyContext<T> implements ConditionContext<T> {
  private buffer!: SharedBuffer<T>;
  private cs!: ComputationState<T>;
  private cache: Record<string, T[]> | undefined;
  timestamp = 0;

  reset(buffer: SharedBuffer<T>, cs: ComputationState<T>, ts: number): this {
    this.buffer = buffer;
    this.cs = cs;
    this.cache = undefined;
    this.timestamp = ts;
    return this;
  }

  eventsForPattern(name: string): readonly T[] {
    if (this.cache === undefined)
      this.cache = this.buffer.materialize(this.buffer.extract(this.cs.prev, this.cs.version));
    return this.cache[name] ?? [];
  }
}
