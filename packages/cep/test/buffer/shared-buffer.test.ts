import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCompatibleWith } from '../../src/buffer/dewey';
import { type BufferNode, edgesOf } from '../../src/buffer/shared-buffer';
import { AfterMatchSkipStrategy, compile, NFA, type NFAState, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import { eventsArb, stagesArb, toPattern } from '../arbitraries/patterns';
import type { RefEvent } from '../helpers/reference';

/**
 * What the buffer must hold, computed from scratch: every node some live (partial or held
 * completed) match can reach by walking back along edges its version may follow, and their events.
 */
function reachable<T>(s: NFAState<T>): { nodes: number; events: number } {
  const seen = new Set<BufferNode<T>>();
  const events = new Set<unknown>();
  const visited = new Set<string>();
  const stack: [BufferNode<T>, readonly number[]][] = [];
  for (const cs of [...s.partial, ...s.completed]) if (cs.prev !== null) stack.push([cs.prev, cs.version]);
  const ids = new Map<BufferNode<T>, number>();
  while (stack.length > 0) {
    const [n, v] = stack.pop()!;
    if (!ids.has(n)) ids.set(n, ids.size);
    const k = `${ids.get(n)}@${v.join('.')}`;
    if (visited.has(k)) continue;
    visited.add(k);
    seen.add(n);
    events.add(n.event);
    for (const e of edgesOf(n))
      if (e.target !== null && isCompatibleWith(v, e.version)) stack.push([e.target, e.version]);
  }
  return { nodes: seen.size, events: events.size };
}

describe('shared buffer: holds exactly what live partial matches can reach', () => {
  it('after every event and every advance of time, for random patterns, inputs and caps', () => {
    fc.assert(
      fc.property(
        stagesArb,
        eventsArb,
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        fc.constantFrom(AfterMatchSkipStrategy.noSkip(), AfterMatchSkipStrategy.skipToNext()),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        (stages, events, within, skip, cap) => {
          const nfa = new NFA(compile(toPattern(stages, within, skip)), cap);
          const s = nfa.createState();
          for (const e of events) {
            nfa.advanceTime(s, e.ts);
            expect({ nodes: s.buffer.nodeCount, events: s.buffer.eventCount }).toEqual(reachable(s));
            nfa.process(s, e, e.ts);
            expect({ nodes: s.buffer.nodeCount, events: s.buffer.eventCount }).toEqual(reachable(s));
          }
          nfa.advanceTime(s, Number.POSITIVE_INFINITY);
          expect({ nodes: s.buffer.nodeCount, events: s.buffer.eventCount }).toEqual(reachable(s));
        },
      ),
    );
  });

  it('a snapshot restored holds the same, and goes on matching the same', () => {
    fc.assert(
      fc.property(stagesArb, eventsArb, fc.nat({ max: 9 }), (stages, events, cut) => {
        const pattern = toPattern(stages, undefined, AfterMatchSkipStrategy.noSkip());
        const nfa = new NFA(compile(pattern));
        const a = nfa.createState();
        const matchesOf = (s: NFAState<RefEvent>, es: readonly RefEvent[]) =>
          es.flatMap((e) => nfa.process(s, e, e.ts).matches.map((m) => JSON.stringify(m)));
        matchesOf(a, events.slice(0, cut));
        const b = nfa.restore(JSON.parse(JSON.stringify(nfa.snapshot(a))));
        expect({ nodes: b.buffer.nodeCount, events: b.buffer.eventCount }).toEqual(reachable(a));
        expect(matchesOf(b, events.slice(cut))).toEqual(matchesOf(a, events.slice(cut)));
      }),
    );
  });
});

describe('bounded memory with a cap (followedByAny + oneOrMore, no within, one busy key)', () => {
  const pattern = Pattern.begin<number>('a')
    .where((x) => x % 2 === 0)
    .followedByAny('b')
    .oneOrMore()
    .followedBy('c')
    .where((x) => x < 0);

  it('keeps the buffer within a bound set by the cap, however many events arrive', () => {
    for (const cap of [10, 100]) {
      const h = NFATestHarness.forPattern(pattern, { maxPartialMatches: cap });
      let most = 0;
      for (let i = 1; i <= 3000; i++) {
        h.process(i, i);
        most = Math.max(most, h.bufferSize.events);
        expect(h.partialMatches).toBeLessThanOrEqual(cap);
      }
      // every partial match holds at most the events since it started, and the cap keeps the newest
      expect(most, `cap ${cap}`).toBeLessThanOrEqual(4 * cap);
    }
  });

  it('still finds matches among the partial matches it keeps', () => {
    const h = NFATestHarness.forPattern(pattern, { maxPartialMatches: 10 });
    for (let i = 1; i <= 50; i++) h.process(i, i);
    const ms = h.process(-1, 51);
    expect(ms.length).toBeGreaterThan(0);
    for (const m of ms) {
      expect(m.a![0]! % 2).toBe(0);
      expect(m.c).toEqual([-1]);
    }
  });
});
