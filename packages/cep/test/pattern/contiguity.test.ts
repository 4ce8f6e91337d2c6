import { describe, expect, it } from 'vitest';
import { Pattern } from '../../src/index';
import { type Ev, kind, matchesOf } from '../helpers/harness';

const ab = (link: 'next' | 'followedBy' | 'followedByAny') =>
  Pattern.begin<Ev>('a').where(kind('a'))[link]('b').where(kind('b'));

describe('contiguity between stages', () => {
  it('next: the b must come right after the a', () => {
    expect(matchesOf(ab('next'), ['a1', 'b1', 'a2', 'c', 'b2'])).toEqual(['a1 b1']);
  });

  it('followedBy: skips non-matching events, takes the first b only', () => {
    expect(matchesOf(ab('followedBy'), ['a1', 'c', 'b1', 'b2'])).toEqual(['a1 b1']);
    // each a starts its own match
    expect(matchesOf(ab('followedBy'), ['a1', 'a2', 'c', 'b1'])).toEqual(['a1 b1', 'a2 b1']);
  });

  it('followedByAny: every later b', () => {
    expect(matchesOf(ab('followedByAny'), ['a1', 'c', 'b1', 'b2'])).toEqual(['a1 b1', 'a1 b2']);
  });

  it('three strict stages', () => {
    const p = Pattern.begin<Ev>('a').where(kind('a')).next('b').where(kind('b')).next('c').where(kind('c'));
    expect(matchesOf(p, ['a1', 'b1', 'c1', 'a2', 'b2', 'x', 'c2', 'a3', 'b3', 'c3'])).toEqual([
      'a1 b1 c1',
      'a3 b3 c3',
    ]);
  });
});

describe('contiguity inside looping stages (Flink docs: "a b+ c" on a b1 d1 b2 d2 b3 c)', () => {
  const input = ['a', 'b1', 'd1', 'b2', 'd2', 'b3', 'c'];
  const base = () => Pattern.begin<Ev>('a').where(kind('a')).followedByAny('b').where(kind('b')).oneOrMore();

  it('relaxed (default): d events are ignored', () => {
    expect(matchesOf(base().followedBy('c').where(kind('c')), input)).toEqual(
      ['a b1 c', 'a b1 b2 c', 'a b1 b2 b3 c', 'a b2 c', 'a b2 b3 c', 'a b3 c'].sort(),
    );
  });

  it('consecutive(): no d between b events', () => {
    expect(matchesOf(base().consecutive().followedBy('c').where(kind('c')), input)).toEqual([
      'a b1 c',
      'a b2 c',
      'a b3 c',
    ]);
  });

  it('allowCombinations(): b events may be skipped too', () => {
    expect(matchesOf(base().allowCombinations().followedBy('c').where(kind('c')), input)).toEqual(
      ['a b1 c', 'a b1 b2 c', 'a b1 b3 c', 'a b1 b2 b3 c', 'a b2 c', 'a b2 b3 c', 'a b3 c'].sort(),
    );
  });
});
