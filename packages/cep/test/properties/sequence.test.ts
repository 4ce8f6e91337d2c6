import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AfterMatchSkipStrategy, compile, type Match, NFA, Pattern } from '../../src/index';
import { SequenceMatcher } from '../../src/nfa/sequence';

// A strict sequence runs on its own automaton (no shared buffer, no versions). Law: it gives the
// general NFA's results — matches in the same order, the same timeouts, drops and partial matches.

interface Ev {
  readonly kind: string;
  readonly v: number;
}

const stage = fc.record({
  kinds: fc.subarray(['a', 'b', 'c'], { minLength: 1, maxLength: 3 }),
  // some stages look back at an earlier one (an iterative condition)
  rising: fc.boolean(),
  // times(n).consecutive(): n strict positions of one stage
  times: fc.constantFrom(1, 1, 2, 3),
});

function patternOf(
  stages: readonly { kinds: string[]; rising: boolean; times: number }[],
  within: number | undefined,
  skip: AfterMatchSkipStrategy,
) {
  let p: Pattern<Ev, any> | undefined;
  stages.forEach((s, i) => {
    const name = `s${i}`;
    const prev = `s${i - 1}`;
    const cond = (e: Ev, ctx: { eventsForPattern(n: string): readonly Ev[] }) =>
      s.kinds.includes(e.kind) && (!s.rising || i === 0 || e.v >= (ctx.eventsForPattern(prev)[0]?.v ?? 0));
    p = p === undefined ? Pattern.begin<Ev>(name, skip).where(cond) : p.next(name).where(cond);
    if (s.times > 1) p = p.times(s.times).consecutive();
  });
  return within === undefined ? p! : p!.within(within);
}

const show = (m: Match<Ev>) => JSON.stringify(m);

describe('strict sequences: their own automaton gives the general NFA results', () => {
  it('matches, timeouts, drops and partial matches, event by event', () => {
    fc.assert(
      fc.property(
        fc.array(stage, { minLength: 1, maxLength: 4 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('a', 'b', 'c'),
            v: fc.integer({ min: 0, max: 3 }),
            gap: fc.integer({ min: 1, max: 3 }),
          }),
          {
            maxLength: 30,
          },
        ),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        fc.constantFrom(
          AfterMatchSkipStrategy.noSkip(),
          AfterMatchSkipStrategy.skipToNext(),
          AfterMatchSkipStrategy.skipPastLastEvent(),
          AfterMatchSkipStrategy.skipToFirst('s0'),
          AfterMatchSkipStrategy.skipToLast('s0'),
        ),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        (stages, events, within, skip, cap) => {
          const compiled = compile(patternOf(stages, within, skip));
          expect(compiled.sequence).toBeDefined();
          const nfa = new NFA(compiled, cap);
          const seq = new SequenceMatcher(compiled, cap);
          const a = nfa.createState();
          const b = seq.createState();
          let ts = 0;
          for (const e of events) {
            ts += e.gap;
            const ta = nfa.advanceTime(a, ts);
            const tb = seq.advanceTime(b, ts);
            expect(tb.timeouts.map(([m, t]) => [show(m), t])).toEqual(
              ta.timeouts.map(([m, t]) => [show(m), t]),
            );
            expect(tb.timedOut).toBe(ta.timedOut);
            const ra = nfa.process(a, e, ts);
            const rb = seq.process(b, e, ts);
            expect(rb.matches.map(show)).toEqual(ra.matches.map(show));
            expect(rb.dropped).toBe(ra.dropped);
            expect(seq.partialCount(b)).toBe(nfa.partialCount(a));
            expect(seq.nextDeadline(b)).toBe(nfa.nextDeadline(a));
            expect(seq.describe(b).map((v) => JSON.stringify(v))).toEqual(
              nfa.describe(a).map((v) => JSON.stringify(v)),
            );
          }
          const ea = nfa.advanceTime(a, Number.POSITIVE_INFINITY);
          const eb = seq.advanceTime(b, Number.POSITIVE_INFINITY);
          expect(eb.timeouts.map(([m, t]) => [show(m), t])).toEqual(
            ea.timeouts.map(([m, t]) => [show(m), t]),
          );
          // and its state survives a snapshot
          const restored = seq.restore(JSON.parse(JSON.stringify(seq.snapshot(b))));
          expect(seq.describe(restored)).toEqual(seq.describe(b));
        },
      ),
    );
  });

  it('only strict sequences take this path', () => {
    const p = Pattern.begin<Ev>('a').next('b');
    expect(compile(p).sequence).toBeDefined();
    expect(compile(p.optional()).sequence).toBeUndefined();
    expect(compile(Pattern.begin<Ev>('a').followedBy('b')).sequence).toBeUndefined();
    expect(compile(Pattern.begin<Ev>('a').next('b').times(2)).sequence).toBeUndefined();
    expect(compile(Pattern.begin<Ev>('a').next('b').times(2).consecutive()).sequence?.names).toEqual([
      'a',
      'b',
      'b',
    ]);
    expect(compile(Pattern.begin<Ev>('a').next('b').times(1, 2).consecutive()).sequence).toBeUndefined();
    expect(compile(Pattern.begin<Ev>('a').notNext('b').next('c')).sequence).toBeUndefined();
  });
});

describe('a checkpoint written by the general NFA restores into the sequence automaton', () => {
  it('goes on with the same matches (an upgrade mid-run)', () => {
    fc.assert(
      fc.property(
        fc.array(stage, { minLength: 2, maxLength: 4 }),
        fc.array(fc.record({ kind: fc.constantFrom('a', 'b', 'c'), v: fc.integer({ min: 0, max: 3 }) }), {
          maxLength: 24,
        }),
        fc.nat({ max: 24 }),
        (stages, events, cut) => {
          const compiled = compile(patternOf(stages, undefined, AfterMatchSkipStrategy.noSkip()));
          const nfa = new NFA(compiled);
          const seq = new SequenceMatcher(compiled);
          const a = nfa.createState();
          for (const [i, e] of events.slice(0, cut).entries()) nfa.process(a, e, i + 1);
          const b = seq.restore(JSON.parse(JSON.stringify(nfa.snapshot(a))));
          const rest = events.slice(cut);
          const byNfa = rest.flatMap((e, i) => nfa.process(a, e, cut + i + 1).matches.map(show));
          const bySeq = rest.flatMap((e, i) => seq.process(b, e, cut + i + 1).matches.map(show));
          expect(bySeq).toEqual(byNfa);
        },
      ),
    );
  });
});
