import { describe, expect, it } from 'vitest';
import { Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import { type Ev, ev, flat, kind, matchesOf } from '../helpers/harness';

describe('notNext', () => {
  it('kills a partial match when the very next event matches the negation', () => {
    const p = Pattern.begin<Ev>('a')
      .where(kind('a'))
      .notNext('b')
      .where(kind('b'))
      .followedBy('c')
      .where(kind('c'));
    expect(matchesOf(p, ['a1', 'b1', 'c1', 'a2', 'x', 'c2'])).toEqual(['a2 c2']);
  });
  it('at the end: the match is emitted when a non-matching event follows', () => {
    const p = Pattern.begin<Ev>('a').where(kind('a')).notNext('b').where(kind('b'));
    expect(matchesOf(p, ['a1', 'b1', 'a2', 'x'])).toEqual(['a2']);
  });
});

describe('notFollowedBy', () => {
  it('in the middle: no matching event may come between the stages around it', () => {
    const p = Pattern.begin<Ev>('a')
      .where(kind('a'))
      .notFollowedBy('b')
      .where(kind('b'))
      .followedBy('c')
      .where(kind('c'));
    expect(matchesOf(p, ['a1', 'x', 'b1', 'c1', 'a2', 'c2'])).toEqual(['a2 c2']);
  });

  it('at the end with within: the match is released when the window closes without a b', () => {
    const p = Pattern.begin<Ev>('a').where(kind('a')).notFollowedBy('b').where(kind('b')).within(10);
    const h = NFATestHarness.forPattern(p);
    expect(h.process(ev('a1'), 1)).toEqual([]);
    expect(h.process(ev('x'), 5)).toEqual([]);
    // the window of a1 closes at 1 + 10
    expect(h.advanceTime(10).matches).toEqual([]);
    expect(h.advanceTime(11).matches.map(flat)).toEqual(['a1']);
    expect(h.process(ev('a2'), 20)).toEqual([]);
    expect(h.process(ev('b2'), 25)).toEqual([]);
    expect(h.advanceTime(40)).toEqual({ matches: [], timeouts: [] });
  });

  it('an optional stage taken after a negation ends the negation ("a c b d" matches, "a b d" does not)', () => {
    const p = Pattern.begin<Ev>('a')
      .where(kind('a'))
      .notFollowedBy('b')
      .where(kind('b'))
      .followedByAny('c')
      .where(kind('c'))
      .optional()
      .followedByAny('d')
      .where(kind('d'));
    expect(matchesOf(p, ['a', 'c', 'b', 'd'])).toEqual(['a c d']);
    expect(matchesOf(p, ['a', 'b', 'd'])).toEqual([]);
  });
});
