import { describe, expect, it } from 'vitest';
import { Pattern } from '../../src/index';
import { type Ev, kind, matchesOf } from '../helpers/harness';

const a = () => Pattern.begin<Ev>('a').where(kind('a'));

describe('times(n)', () => {
  it('relaxed inside (skip till next): the first n matching events from each start', () => {
    expect(matchesOf(a().times(3), ['a1', 'a2', 'x', 'a3', 'a4'])).toEqual(['a1 a2 a3', 'a2 a3 a4']);
  });
  it('consecutive(): no gaps', () => {
    expect(matchesOf(a().times(3).consecutive(), ['a1', 'a2', 'x', 'a3', 'a4', 'a5'])).toEqual(['a3 a4 a5']);
  });
  it('allowCombinations(): any n matching events in order', () => {
    expect(matchesOf(a().times(3).allowCombinations(), ['a1', 'a2', 'x', 'a3', 'a4'])).toEqual([
      'a1 a2 a3',
      'a1 a2 a4',
      'a1 a3 a4',
      'a2 a3 a4',
    ]);
  });
});

describe('times(from, to) and timesOrMore', () => {
  it('times(2, 3) matches 2 and 3 events', () => {
    expect(matchesOf(a().times(2, 3), ['a1', 'a2', 'a3'])).toEqual(['a1 a2', 'a1 a2 a3', 'a2 a3']);
  });
  it('timesOrMore(2) matches 2 or more', () => {
    expect(matchesOf(a().timesOrMore(2), ['a1', 'a2', 'a3'])).toEqual(['a1 a2', 'a1 a2 a3', 'a2 a3']);
  });
  it('times(0, 2) is optional', () => {
    const p = Pattern.begin<Ev>('s')
      .where(kind('s'))
      .followedBy('a')
      .where(kind('a'))
      .times(0, 2)
      .followedBy('e')
      .where(kind('e'));
    expect(matchesOf(p, ['s', 'a1', 'a2', 'e'])).toEqual(['s a1 a2 e', 's a1 e', 's e']);
  });
});

describe('oneOrMore', () => {
  it('on a strict follow: the run of b events must be followed at once by c', () => {
    const p = Pattern.begin<Ev>('b').where(kind('b')).oneOrMore().next('c').where(kind('c'));
    expect(matchesOf(p, ['b1', 'b2', 'b3', 'c'])).toEqual(['b1 b2 b3 c', 'b2 b3 c', 'b3 c']);
  });
});

describe('optional', () => {
  it('lets the stage be skipped', () => {
    const p = Pattern.begin<Ev>('a')
      .where(kind('a'))
      .followedBy('b')
      .where(kind('b'))
      .optional()
      .followedBy('c')
      .where(kind('c'));
    expect(matchesOf(p, ['a1', 'b1', 'c1'])).toEqual(['a1 b1 c1', 'a1 c1']);
  });
  it('an optional last stage completes the match without it', () => {
    const p = Pattern.begin<Ev>('a').where(kind('a')).next('b').where(kind('b')).optional();
    expect(matchesOf(p, ['a1', 'b1'])).toEqual(['a1', 'a1 b1']);
  });
});

describe('greedy', () => {
  it('a greedy optional loop takes every event it can before the next stage', () => {
    const base = Pattern.begin<Ev>('c')
      .where(kind('c'))
      .followedBy('d')
      .where(kind('d'))
      .oneOrMore()
      .optional();
    const input = ['c', 'd1', 'd2', 'd3', 'e'];
    expect(matchesOf(base.followedBy('e').where(kind('e')), input)).toEqual([
      'c d1 d2 d3 e',
      'c d1 d2 e',
      'c d1 e',
      'c e',
    ]);
    expect(matchesOf(base.greedy().followedBy('e').where(kind('e')), input)).toEqual(['c d1 d2 d3 e']);
  });
});

describe('until', () => {
  it('stops the loop at the first event meeting the until condition', () => {
    const p = a().oneOrMore().until(kind('x')).followedBy('b').where(kind('b'));
    expect(matchesOf(p, ['a1', 'a2', 'x', 'a3', 'b'])).toEqual(['a1 a2 b', 'a1 b', 'a2 b', 'a3 b']);
    // without until, a3 joins the earlier runs
    const q = a().oneOrMore().followedBy('b').where(kind('b'));
    expect(matchesOf(q, ['a1', 'a2', 'x', 'a3', 'b'])).toContain('a1 a2 a3 b');
  });
});
