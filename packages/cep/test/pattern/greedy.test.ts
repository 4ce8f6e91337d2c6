import { describe, expect, it } from 'vitest';
import { Pattern } from '../../src/index';
import { sortedMatches } from '../helpers/harness';

interface E {
  id: string;
  price: number;
}
const e = (id: string, price = 2): E => ({ id, price });
const name = (n: string) => (x: E) => x.id.replace(/\d+$/, '') === n;
const run = (p: Pattern<E, any>, events: E[]) => sortedMatches(p, events, (x) => x.id);

// "c a* d": a greedy optional loop of a's between c and d
const caStar = () =>
  Pattern.begin<E>('start').where(name('c')).followedBy('middle').where(name('a')).oneOrMore().optional();

describe('greedy loops take every event they can', () => {
  it('c a1 a2 a3 d gives only the longest run', () => {
    const p = caStar().greedy().followedBy('end').where(name('d'));
    expect(run(p, [e('c'), e('a1'), e('a2'), e('a3'), e('d')])).toEqual(['c a1 a2 a3 d']);
  });

  it('with consecutive() and an optional end', () => {
    // FlinkCEP today (its GreedyITCase end-with-greedy cases): "c" completes at once (everything
    // after it is optional, and c is no a the loop could take); after that the loop keeps taking
    // a's and the match waits for d. (Older FlinkCEP tests expected only the long match.)
    const p = caStar().consecutive().greedy().followedBy('end').where(name('d')).optional();
    expect(run(p, [e('c'), e('a1'), e('a2'), e('a3'), e('d')])).toEqual(['c', 'c a1 a2 a3 d']);
  });

  it('as the last stage, a greedy loop emits each match as it completes (FlinkCEP GreedyITCase)', () => {
    const ending = () => Pattern.begin<E>('start').where(name('c')).followedBy('end').where(name('a'));
    // testEndWithZeroOrMoreGreedy
    expect(
      run(ending().oneOrMore().optional().greedy(), [e('c'), e('a1'), e('a2'), e('x'), e('a3')]),
    ).toEqual(['c', 'c a1', 'c a1 a2', 'c a1 a2 a3']);
    // testEndWithZeroOrMoreConsecutiveGreedy
    expect(
      run(ending().oneOrMore().optional().consecutive().greedy(), [
        e('c'),
        e('a1'),
        e('a2'),
        e('x'),
        e('a3'),
      ]),
    ).toEqual(['c', 'c a1', 'c a1 a2']);
    // testEndWithGreedyTimesRange
    expect(run(ending().times(2, 5).greedy(), [e('c'), e('a1'), e('a2'), e('a3'), e('a4'), e('x')])).toEqual([
      'c a1 a2',
      'c a1 a2 a3',
      'c a1 a2 a3 a4',
    ]);
  });

  it('skipping unrelated events between the a events', () => {
    const p = caStar().greedy().followedBy('end').where(name('d'));
    expect(run(p, [e('c'), e('x'), e('a1'), e('x'), e('a2'), e('x'), e('a3'), e('d')])).toEqual([
      'c a1 a2 a3 d',
    ]);
  });

  it('with an unrelated event after the loop, or none of the looped events at all', () => {
    const p = caStar().greedy().followedBy('end').where(name('d'));
    expect(run(p, [e('c'), e('a1'), e('a2'), e('x'), e('d')])).toEqual(['c a1 a2 d']);
    expect(run(p, [e('c'), e('x'), e('d')])).toEqual(['c d']);
  });

  it('before an optional stage', () => {
    const p = caStar()
      .greedy()
      .followedBy('middle2')
      .where(name('d'))
      .optional()
      .followedBy('end')
      .where(name('e'));
    expect(run(p, [e('c'), e('a1'), e('a2'), e('x'), e('e')])).toEqual(['c a1 a2 e']);
    expect(run(p, [e('c'), e('a1'), e('a2'), e('d'), e('e')])).toEqual(['c a1 a2 d e', 'c a1 a2 e']);
  });

  it('with until: the loop stops at the first event meeting it', () => {
    const p = caStar()
      .greedy()
      .until((x) => x.price > 3)
      .followedBy('end')
      .where(name('d'));
    expect(run(p, [e('c', 1), e('a1', 2), e('a2', 3), e('a3', 3), e('a4', 4), e('d', 3)])).toEqual([
      'c a1 a2 a3 d',
    ]);
    expect(run(p, [e('c', 1), e('a0', 4), e('a1', 2), e('a2', 3), e('a3', 3), e('d', 3)])).toEqual(['c d']);
  });
});
