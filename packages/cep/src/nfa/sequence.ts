import type { EventId } from '../buffer/event-id';
import type { CompiledNFA, SequenceShape } from '../compiler/graph';
import type { Condition, ConditionContext } from '../pattern/condition';
import type { Match } from './match';
import { type AdvanceResult, NFA, type PartialMatchView } from './nfa';
import { pruningId, shouldPrune } from './skip';
import type { NFAStateSnapshot } from './snapshot';

/**
 * The runtime of a strict sequence — single stages joined by `next`, no quantifier, option,
 * group, negation or `until` (what `compile` marks as `sequence`): the hand-written automaton of
 * such a pattern. A partial match is the list of events it took; each event either extends it by
 * one stage or ends it, so it never branches and needs neither versions nor a shared buffer.
 * Matches, timeouts, the cap and the skip strategies are FlinkCEP's, as the general NFA gives
 * them (a differential test holds the two to the same results).
 */

interface SeqPartial<T> {
  readonly events: T[];
  readonly ids: EventId[];
  readonly startTs: number;
}

/** One key's partial matches of a sequence, oldest first. */
export interface SequenceState<T> {
  partial: SeqPartial<T>[];
  seq: number;
}

/** Plain-data form of a `SequenceState` (checkpoints). */
export interface SequenceSnapshot<T> {
  readonly sequence: true;
  readonly seq: number;
  readonly partial: [events: T[], ids: [number, number][], startTs: number][];
}

const NOTHING: { matches: Match<never>[]; dropped: number } = Object.freeze({
  matches: Object.freeze([]) as unknown as Match<never>[],
  dropped: 0,
});
const NO_ADVANCE: AdvanceResult<never> = Object.freeze({ matches: [], timeouts: [], timedOut: 0 });

/** The condition context of one partial match: the events each stage took so far. */
class SequenceContext<T> implements ConditionContext<T> {
  events: readonly T[] = [];
  timestamp = 0;
  constructor(private readonly names: readonly string[]) {}
  eventsForPattern(name: string): readonly T[] {
    const out: T[] = [];
    for (let i = 0; i < this.events.length; i++) if (this.names[i] === name) out.push(this.events[i]!);
    return out;
  }
}

export class SequenceMatcher<T> {
  private readonly names: readonly string[];
  private readonly conditions: readonly (Condition<T> | undefined)[];
  private readonly ctx: SequenceContext<T>;
  private readonly window: number;
  private readonly skips: boolean;

  constructor(
    readonly compiled: CompiledNFA<T>,
    private readonly maxPartialMatches = Number.POSITIVE_INFINITY,
  ) {
    const shape = compiled.sequence as SequenceShape<T>;
    this.names = shape.names;
    this.conditions = shape.conditions;
    this.ctx = new SequenceContext<T>(shape.names);
    this.window = compiled.windowTime;
    this.skips = compiled.skipStrategy.isSkipStrategy;
  }

  createState(): SequenceState<T> {
    return { partial: [], seq: 0 };
  }

  isEmpty(s: SequenceState<T>): boolean {
    return s.partial.length === 0;
  }

  /** Partial matches held (for the operator's gauge). */
  partialCount(s: SequenceState<T>): number {
    return s.partial.length;
  }

  /** Whether `advanceTime` can change anything. */
  needsTime(s: SequenceState<T>): boolean {
    return this.window > 0 && s.partial.length > 0;
  }

  nextDeadline(s: SequenceState<T>): number {
    if (this.window === 0 || s.partial.length === 0) return Number.POSITIVE_INFINITY;
    // oldest first: the first partial match's window closes first
    return s.partial[0]!.startTs + this.window;
  }

  startTakes(value: T, ts: number): boolean {
    return this.holds(0, [], value, ts);
  }

  private holds(stage: number, events: readonly T[], value: T, ts: number): boolean {
    const c = this.conditions[stage];
    if (c === undefined) return true;
    this.ctx.events = events;
    this.ctx.timestamp = ts;
    return c(value, this.ctx);
  }

  process(s: SequenceState<T>, value: T, ts: number): { matches: Match<T>[]; dropped: number } {
    const n = this.names.length;
    const old = s.partial;
    let id: EventId | undefined;
    let next: SeqPartial<T>[] | undefined;
    let done: SeqPartial<T>[] | undefined;
    for (let i = 0; i < old.length; i++) {
      const p = old[i]!;
      // strict contiguity: the next stage takes this event, or the partial match ends
      if (!this.holds(p.events.length, p.events, value, ts)) continue;
      id ??= { ts, seq: s.seq++ };
      p.events.push(value);
      p.ids.push(id);
      if (p.events.length === n) (done ??= []).push(p);
      else (next ??= []).push(p);
    }
    if (this.holds(0, [], value, ts)) {
      id ??= { ts, seq: s.seq++ };
      const p: SeqPartial<T> = { events: [value], ids: [id], startTs: ts };
      if (n === 1) (done ??= []).push(p);
      else (next ??= []).push(p);
    }
    const partial = next ?? [];
    let matches: Match<T>[] | undefined;
    if (done !== undefined) {
      matches = [];
      for (let i = 0; i < done.length; i++) {
        const m = done[i]!;
        if (this.skips) {
          const prune = pruningId(this.compiled.skipStrategy, this.ids(m));
          if (prune !== undefined) {
            const skip = this.compiled.skipStrategy;
            const keep = (p: SeqPartial<T>) => !shouldPrune(skip, p.ids[0]!, prune);
            for (let j = partial.length - 1; j >= 0; j--) if (!keep(partial[j]!)) partial.splice(j, 1);
            for (let j = done.length - 1; j > i; j--) if (!keep(done[j]!)) done.splice(j, 1);
          }
        }
        matches.push(this.materialize(m));
      }
    }
    let dropped = 0;
    // the cap drops the oldest partial matches
    while (partial.length > this.maxPartialMatches) {
      partial.shift();
      dropped++;
    }
    s.partial = partial;
    if (matches === undefined && dropped === 0) return NOTHING;
    return { matches: matches ?? [], dropped };
  }

  advanceTime(s: SequenceState<T>, ts: number, withTimeouts = true): AdvanceResult<T> {
    const w = this.window;
    if (w === 0 || s.partial.length === 0 || ts - s.partial[0]!.startTs < w) return NO_ADVANCE;
    const timeouts: [Match<T>, number][] = [];
    let timedOut = 0;
    const keep: SeqPartial<T>[] = [];
    for (const p of s.partial) {
      if (ts - p.startTs >= w) {
        timedOut++;
        if (withTimeouts) timeouts.push([this.materialize(p), p.startTs + w]);
      } else keep.push(p);
    }
    s.partial = keep;
    return { matches: [], timeouts, timedOut };
  }

  describe(s: SequenceState<T>): PartialMatchView<T>[] {
    return s.partial.map((p) => ({
      taken: this.materialize(p),
      waitingAt: this.names[p.events.length]!,
      startedAt: p.startTs,
      lastAt: p.ids[p.ids.length - 1]!.ts,
      deadline: this.window > 0 ? p.startTs + this.window : Number.POSITIVE_INFINITY,
      completed: false,
    }));
  }

  /** A key's state as the general NFA wrote it, turned into this automaton's partial matches. */
  private fromNFA(snap: NFAStateSnapshot<T>): SequenceState<T> {
    const st = new NFA(this.compiled).restore(snap);
    const partial: SeqPartial<T>[] = [];
    for (const cs of st.partial) {
      if (cs.startId === null) continue;
      // the events of the partial match with their ids, in the order they were taken
      const ids = [...st.buffer.extract(cs.prev, cs.version).values()]
        .flat()
        .sort((a, b) => a.ts - b.ts || a.seq - b.seq) as (EventId & { value: T })[];
      partial.push({
        events: ids.map((id) => id.value),
        ids: ids.map(({ ts, seq }) => ({ ts, seq })),
        startTs: cs.startTs,
      });
    }
    return { partial, seq: snap.buffer.nextSeq };
  }

  private ids(p: SeqPartial<T>): Map<string, EventId[]> {
    const out = new Map<string, EventId[]>();
    for (let i = 0; i < p.ids.length; i++) {
      const list = out.get(this.names[i]!);
      if (list === undefined) out.set(this.names[i]!, [p.ids[i]!]);
      else list.push(p.ids[i]!);
    }
    return out;
  }

  private materialize(p: SeqPartial<T>): Match<T> {
    const out = Object.create(null) as Record<string, T[]>;
    for (let i = 0; i < p.events.length; i++) (out[this.names[i]!] ??= []).push(p.events[i]!);
    return out;
  }

  snapshot(s: SequenceState<T>): SequenceSnapshot<T> {
    return {
      sequence: true,
      seq: s.seq,
      partial: s.partial.map((p) => [[...p.events], p.ids.map((id) => [id.ts, id.seq]), p.startTs]),
    };
  }

  restore(snap: SequenceSnapshot<T> | NFAStateSnapshot<T>): SequenceState<T> {
    // a checkpoint written while the pattern ran on the general NFA: read its partial matches
    if ((snap as SequenceSnapshot<T>)?.sequence !== true) return this.fromNFA(snap as NFAStateSnapshot<T>);
    snap = snap as SequenceSnapshot<T>;
    return {
      seq: snap.seq,
      partial: snap.partial.map(([events, ids, startTs]) => ({
        events: [...events],
        ids: ids.map(([ts, seq]) => ({ ts, seq })),
        startTs,
      })),
    };
  }
}
