import { addStage, type Dewey, deweyStart, increase } from '../buffer/dewey';
import { compareEventIds, type EventId } from '../buffer/event-id';
import { type BufferNode, type MatchIds, SharedBuffer } from '../buffer/shared-buffer';
import type { CompiledNFA, NFAStateNode } from '../compiler/graph';
import type { Condition, ConditionContext } from '../pattern/condition';
import type { LazyContext } from './context';
import type { Match } from './match';
import { Scratch } from './scratch';
import { pruningId, shouldPrune } from './skip';
import { type NFAStateSnapshot, restoreState, snapshotState } from './snapshot';
import {
  type ComputationState,
  KeyState,
  type NFAState,
  NONE_COMPLETED,
  nextList,
  swapPartial,
} from './state';

/** What advancing a key's NFA gave: completed matches and timed-out partial matches. */
export interface AdvanceResult<T> {
  readonly matches: Match<T>[];
  /** Timed-out partial matches with their timeout timestamps (when asked for). */
  readonly timeouts: [Match<T>, number][];
  /** How many partial matches timed out. */
  readonly timedOut: number;
}

/** One partial match as `NFA.describe` tells it: what it took, where it waits, until when. */
export interface PartialMatchView<T> {
  /** The events taken so far, by stage, oldest first. */
  readonly taken: Match<T>;
  /** The stage whose state the partial match is in: the one that takes (or skips) the next event. */
  readonly waitingAt: string;
  /** Event time of its first event. */
  readonly startedAt: number;
  /** Event time of its last event. */
  readonly lastAt: number;
  /** When `within` closes it (event time), or Infinity. */
  readonly deadline: number;
  /** Completed, but held back until no earlier partial match can still complete (skip ordering). */
  readonly completed: boolean;
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
 * all mutation in the `NFAState` it is handed (and in its `Scratch`, working memory of one call).
 * `process` feeds one event; `advanceTime` applies `within` (timeouts, and matches of a trailing
 * `notFollowedBy`). Neither reads a clock.
 */
export class NFA<T> {
  private readonly scratch = new Scratch<T>();
  private readonly initial: ComputationState<T>;

  /** The start state has PROCEED edges: stepping it without a take could still bump its version. */
  private readonly startProceeds: boolean;

  constructor(
    readonly compiled: CompiledNFA<T>,
    /** Most partial matches a key may hold; beyond it the oldest are dropped (and counted). */
    private readonly maxPartialMatches = Number.POSITIVE_INFINITY,
  ) {
    this.initial = Object.freeze(startState(compiled, deweyStart));
    this.startProceeds = compiled.start.transitions.some((t) => t.action === 'proceed');
  }

  /** Start states by version, for versions `[k]`: the same for every key, so made once. */
  private readonly startStates: ComputationState<T>[] = [];

  private startStateOf(version: Dewey): ComputationState<T> {
    if (version.length !== 1 || version[0]! >= 4096) return startState(this.compiled, version);
    const k = version[0]!;
    return (this.startStates[k] ??= Object.freeze(startState(this.compiled, version)));
  }

  createState(): NFAState<T> {
    return new KeyState<T>([this.initial]);
  }

  /** Partial matches held, the start state not counted. */
  partialCount(s: NFAState<T>): number {
    return s.partial.length - 1;
  }

  /** Whether `advanceTime` could change anything. */
  needsTime(s: NFAState<T>): boolean {
    return s.partial.length > 1 || s.completed.length > 0;
  }

  /** True when the key holds nothing beyond the start state. */
  isEmpty(s: NFAState<T>): boolean {
    return s.completed.length === 0 && s.partial.length === 1 && s.partial[0]!.startId === null;
  }

  /** The earliest event time at which `advanceTime` would change something, or `Infinity`. */
  nextDeadline(s: NFAState<T>): number {
    let t = Number.POSITIVE_INFINITY;
    for (const cs of s.partial) if (cs.startId !== null) t = Math.min(t, this.deadlineOf(cs));
    return t;
  }

  private deadlineOf(cs: ComputationState<T>): number {
    const { windowTime, gapWindows } = this.compiled;
    let t = Number.POSITIVE_INFINITY;
    if (windowTime > 0) t = cs.startTs + windowTime;
    const gap = gapWindows.get(cs.state.stage);
    if (gap !== undefined) t = Math.min(t, cs.prevTs + gap);
    return t;
  }

  /** The partial (and held completed) matches of a key, oldest first: for "why didn't it fire". */
  describe(s: NFAState<T>): PartialMatchView<T>[] {
    const view = (cs: ComputationState<T>, completed: boolean): PartialMatchView<T> => ({
      taken: s.buffer.materialize(s.buffer.extract(cs.prev, cs.version)),
      waitingAt: cs.state.stage,
      startedAt: cs.startTs,
      lastAt: cs.prevTs,
      deadline: completed ? Number.POSITIVE_INFINITY : this.deadlineOf(cs),
      completed,
    });
    return [
      ...s.partial.filter((cs) => cs.startId !== null).map((cs) => view(cs, false)),
      ...s.completed.map((cs) => view(cs, true)),
    ];
  }

  /**
   * Feeds one event. Returns the matches it completes and how many partial matches were
   * dropped by the cap.
   */
  process(
    s: NFAState<T>,
    value: T,
    ts: number,
    startTakes = false,
  ): { matches: Match<T>[]; dropped: number } {
    const sc = this.scratch;
    // Fast path: only the start state, and the event opens no branch (unless the caller knows it does).
    if (!startTakes && s.partial.length === 1 && s.completed.length === 0) {
      const only = s.partial[0]!;
      if (only.startId === null && !this.anyEdge(only, value, ts, s.buffer)) return NOTHING;
    }
    sc.begin(value, ts);
    const newPartial = nextList(s);
    let potential: ComputationState<T>[] | undefined;
    const next = sc.next;
    const buffer = s.buffer;
    for (const cs of s.partial) {
      // the start state stays as it is unless it can take the event (a start state without
      // PROCEED edges is simply stepped: taking nothing leaves it as it is)
      if (cs.startId === null && this.startProceeds && !this.anyEdge(cs, value, ts, buffer)) {
        newPartial.push(cs);
        continue;
      }
      const produced = this.computeNextStates(buffer, cs, value, ts);
      const mark = newPartial.length;
      let discard = sc.stopped;
      for (let k = 0; k < produced; k++) {
        const n = next[k]!;
        if (n.state.kind === 'final') (potential ??= []).push(n);
        else if (n.state.kind === 'stop') {
          discard = true;
          buffer.release(n.prev, n.version);
        } else newPartial.push(n);
      }
      // a branch that reached a STOP state is discarded whole
      if (discard) {
        for (let i = mark; i < newPartial.length; i++)
          buffer.release(newPartial[i]!.prev, newPartial[i]!.version);
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
        matches.push(buffer.materialize(buffer.extract(m.prev, m.version)));
        buffer.release(m.prev, m.version);
      }
    }
    let dropped = 0;
    // The cap drops the oldest partial matches (never the start state).
    while (newPartial.length - 1 > this.maxPartialMatches && newPartial[0]!.startId !== null) {
      const old = newPartial.shift()!;
      buffer.release(old.prev, old.version);
      dropped++;
    }
    swapPartial(s, newPartial);
    if (sc.eventId !== undefined) buffer.releaseEvent(sc.eventId);
    sc.eventId = undefined;
    return matches.length === 0 && dropped === 0 ? NOTHING : { matches, dropped };
  }

  /** The current event's id, registered in the buffer the first time a branch takes it. */
  private idFor(buffer: SharedBuffer<T>): EventId {
    const sc = this.scratch;
    if (sc.eventId === undefined) sc.eventId = buffer.registerEvent(sc.eventValue, sc.eventTs);
    return sc.eventId;
  }

  /** Whether a fresh key (only the start state) would open a partial match with this event. */
  startTakes(value: T, ts: number): boolean {
    return this.anyEdge(this.initial, value, ts, EMPTY_BUFFER as SharedBuffer<T>);
  }

  /** Whether the start state `cs` can take this event (IGNORE edges do nothing for the start state). */
  private anyEdge(cs: ComputationState<T>, value: T, ts: number, buffer: SharedBuffer<T>): boolean {
    const ctx = this.scratch.ctx.reset(buffer, cs, ts);
    const stack = this.scratch.stack;
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

  /**
   * Moves event time to `ts`: partial matches whose window has closed time out (or, waiting in a
   * trailing `notFollowedBy`, become matches).
   */
  advanceTime(s: NFAState<T>, ts: number, withTimeouts = true): AdvanceResult<T> {
    const { windowTime, gapWindows } = this.compiled;
    if (windowTime === 0 && gapWindows.size === 0 && s.completed.length === 0) return NO_ADVANCE;
    // Most calls find nothing due: say so without building anything.
    if (s.completed.length === 0) {
      let due = false;
      for (const cs of s.partial) {
        if (cs.startId === null) continue;
        const gap = gapWindows.get(cs.state.stage);
        if (
          (gap !== undefined && ts - cs.prevTs >= gap) ||
          (windowTime > 0 && ts - cs.startTs >= windowTime)
        ) {
          due = true;
          break;
        }
      }
      if (!due) return NO_ADVANCE;
    }
    const newPartial = nextList(s);
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
      s.buffer.release(cs.prev, cs.version);
    }
    sortByStart(potential);
    const matches: Match<T>[] = [];
    this.emitBySkipStrategy(s, potential, newPartial, matches);
    swapPartial(s, newPartial);
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
      s.buffer.release(m.prev, m.version);
    }
  }

  private prune(buffer: SharedBuffer<T>, states: ComputationState<T>[], ids: MatchIds): void {
    const skip = this.compiled.skipStrategy;
    const id = pruningId(skip, ids);
    if (id === undefined) return;
    let w = 0;
    for (let r = 0; r < states.length; r++) {
      const cs = states[r]!;
      if (cs.startId !== null && shouldPrune(skip, cs.startId, id)) buffer.release(cs.prev, cs.version);
      else states[w++] = cs;
    }
    states.length = w;
  }

  /** The states branch `cs` moves to on the current event, into `scratch.next`; returns how many. */
  private computeNextStates(buffer: SharedBuffer<T>, cs: ComputationState<T>, value: T, ts: number): number {
    const sc = this.scratch;
    sc.produced = 0;
    sc.stopped = false;
    const ctx = sc.ctx.reset(buffer, cs, ts);
    const sources = sc.edgeSources;
    const transitions = sc.edgeTransitions;
    this.decisionGraph(cs, value, ctx);
    const { edges: edgeCount, takes, ignores } = sc;
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
        this.add(buffer, edge.target, cs.prev, version, cs.startTs, cs.prevTs, cs.startId);
      } else if (edge.action === 'take') {
        if (source.kind === 'stop') {
          // Taking into a STOP state kills the branch: nothing to store, only to remember.
          sc.stopped = true;
          takeBranchesToVisit--;
          continue;
        }
        const currentVersion = increase(cs.version, takeBranchesToVisit);
        const nextVersion = addStage(currentVersion);
        takeBranchesToVisit--;
        const id = this.idFor(buffer);
        const entry = buffer.put(source.stage, source.stageIndex, id, cs.prev, currentVersion);
        const startTs = isStart ? ts : cs.startTs;
        const startId = isStart ? id : cs.startId;
        this.add(buffer, edge.target, entry, nextVersion, startTs, ts, startId);
        const final = this.finalAfterProceed(edge.target, value, ctx);
        if (final !== undefined) this.add(buffer, final, entry, nextVersion, startTs, ts, startId);
      }
    }
    if (isStart) {
      const inc = selfIncrease(ignores, takes);
      sc.next[sc.produced++] = inc === 0 ? cs : this.startStateOf(increase(cs.version, inc));
    }
    if (cs.prev !== null) buffer.release(cs.prev, cs.version);
    return sc.produced;
  }

  private add(
    buffer: SharedBuffer<T>,
    state: NFAStateNode<T>,
    prev: BufferNode<T> | null,
    version: Dewey,
    startTs: number,
    prevTs: number,
    startId: EventId | null,
  ): void {
    const sc = this.scratch;
    sc.next[sc.produced++] = { state, prev, version, startTs, prevTs, startId };
    if (prev !== null) buffer.lock(prev, version);
  }

  /** The TAKE and IGNORE edges open to this event, following PROCEED (ε) edges, into the scratch. */
  private decisionGraph(cs: ComputationState<T>, value: T, ctx: LazyContext<T>): void {
    const sc = this.scratch;
    const sources = sc.edgeSources;
    const transitions = sc.edgeTransitions;
    let edges = 0;
    let takes = 0;
    let ignores = 0;
    const stack = sc.stack;
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
    sc.edges = edges;
    sc.takes = takes;
    sc.ignores = ignores;
  }

  /** A final state reachable from `state` by PROCEED edges open to this event (an optional tail). */
  private finalAfterProceed(
    state: NFAStateNode<T>,
    value: T,
    ctx: LazyContext<T>,
  ): NFAStateNode<T> | undefined {
    const stack = this.scratch.proceedStack;
    let sp = 0;
    stack[sp++] = state;
    while (sp > 0) {
      const s = stack[--sp]!;
      const ts_ = s.transitions;
      for (let i = 0; i < ts_.length; i++) {
        const t = ts_[i]!;
        if (t.action !== 'proceed' || !check(t.condition, value, ctx)) continue;
        if (t.target.kind === 'final') return t.target;
        stack[sp++] = t.target;
      }
    }
    return undefined;
  }

  snapshot(s: NFAState<T>): NFAStateSnapshot<T> {
    return snapshotState(s);
  }

  restore(snap: NFAStateSnapshot<T>): NFAState<T> {
    return restoreState(this.compiled, snap);
  }
}

function startState<T>(compiled: CompiledNFA<T>, version: Dewey): ComputationState<T> {
  return { state: compiled.start, prev: null, version, startTs: -1, prevTs: -1, startId: null };
}

const EMPTY_BUFFER = new SharedBuffer<unknown>();

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

export type { Match } from './match';
export type { NFAStateSnapshot } from './snapshot';
export type { NFAState } from './state';
