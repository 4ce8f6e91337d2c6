import { describe, expect, it } from 'vitest';
import { AfterMatchSkipStrategy, MalformedPatternError, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import { type Ev, ev, flat, kind, matchesOf } from '../helpers/harness';

describe('conditions', () => {
  it('where ANDs, or ORs', () => {
    const p = Pattern.begin<Ev>('x')
      .where((e) => (e.v ?? 0) > 1)
      .where((e) => (e.v ?? 0) < 5)
      .or(kind('z'));
    const h = NFATestHarness.forPattern(p);
    const out = [ev('a', 0), ev('b', 3), ev('c', 9), ev('z', 0)].flatMap((e, i) =>
      h.process(e, i + 1).map(flat),
    );
    expect(out).toEqual(['b', 'z']);
  });

  it('iterative conditions see the events a stage already took', () => {
    // rising run: each taken event must exceed the previous one
    const p = Pattern.begin<Ev>('up')
      .where((e, ctx) => {
        const taken = ctx.eventsForPattern('up');
        return taken.length === 0 || (e.v ?? 0) > (taken[taken.length - 1]!.v ?? 0);
      })
      .times(3)
      .consecutive();
    const h = NFATestHarness.forPattern(p);
    const out = [1, 2, 3, 2, 4, 5].flatMap((v, i) => h.process(ev(`e${v}`, v), i + 1).map(flat));
    expect(out).toEqual(['e1 e2 e3', 'e2 e4 e5']);
  });

  it('type guards narrow the event type of later conditions', () => {
    type Shape = { kind: 'circle'; r: number } | { kind: 'square'; side: number };
    const p = Pattern.begin<Shape>('c')
      .where((s): s is Extract<Shape, { kind: 'circle' }> => s.kind === 'circle')
      .where((c) => c.r > 1); // `c.r` type-checks only because of the guard
    const h = NFATestHarness.forPattern(p);
    expect(h.process({ kind: 'circle', r: 2 }, 1)).toHaveLength(1);
    expect(h.process({ kind: 'square', side: 2 }, 2)).toHaveLength(0);
  });
});

describe('validation', () => {
  const p = () => Pattern.begin<Ev>('a').where(kind('a'));
  it('throws MalformedPatternError with the API name and what to change', () => {
    expect(() => p().times(0)).toThrow(MalformedPatternError);
    expect(() => p().times(0)).toThrow(/^Pattern.times: n must be an integer ≥ 1/);
    expect(() => p().times(3, 2)).toThrow('Pattern.times: from (3) must be ≤ to (2)');
    expect(() => p().times(2).oneOrMore()).toThrow(/already quantified/);
    expect(() => p().notFollowedBy('b').optional()).toThrow(/negation/);
    expect(() => p().notNext('b').times(2)).toThrow(/negation/);
    expect(() => p().optional().notFollowedBy('b')).toThrow(/cannot follow an optional stage/);
    expect(() => p().until(kind('x'))).toThrow(/is not looping/);
    expect(() => p().greedy()).toThrow(/single stage/);
    expect(() => p().consecutive()).toThrow(/single stage/);
    expect(() => p().within(0)).toThrow(/Pattern.within/);
  });

  it('checks the whole pattern when it is compiled', () => {
    expect(() => NFATestHarness.forPattern(p().followedBy('a'))).toThrow(/"a" is used twice/);
    expect(() => NFATestHarness.forPattern(p().notFollowedBy('b'))).toThrow(/needs within/);
    expect(() => NFATestHarness.forPattern(p().notFollowedBy('b').within(10))).not.toThrow();
    const skip = AfterMatchSkipStrategy.skipToFirst('nope');
    expect(() => NFATestHarness.forPattern(Pattern.begin<Ev>('a', skip).next('b'))).toThrow(
      /no stage "nope"/,
    );
  });

  it('patterns are immutable', () => {
    const base = p();
    const longer = base.next('b');
    expect(base.stages).toHaveLength(1);
    expect(longer.stages).toHaveLength(2);
    expect(Object.isFrozen(base)).toBe(true);
    expect(matchesOf(base, ['a1'])).toEqual(['a1']);
  });
});
