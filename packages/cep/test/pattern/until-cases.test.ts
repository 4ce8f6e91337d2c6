import { describe, expect, it } from 'vitest';
import { Pattern } from '../../src/index';
import { sortedMatches } from '../helpers/harness';

// FlinkCEP's until cases, rewritten. The loop stops at the first event priced 5 ("brk").
interface E {
  id: string;
  price: number;
}
const c: E = { id: 'c', price: 1 };
const a1: E = { id: 'a1', price: 2 };
const a2: E = { id: 'a2', price: 3 };
const a3: E = { id: 'a3', price: 4 };
const brk: E = { id: 'brk', price: 5 };
const late: E = { id: 'a9', price: 6 };
const d: E = { id: 'd', price: 1 };
const until = (x: E) => x.price === 5;
const isA = (x: E) => x.id.startsWith('a');
const run = (p: Pattern<E, any>, events: E[]) => sortedMatches(p, events, (x) => x.id);
const start = () => Pattern.begin<E>('start').where((x) => x.id === 'c');

describe('until on looping stages (FlinkCEP cases)', () => {
  it('followedBy a+ until, then the breaking event as the end', () => {
    const base = () => start().followedBy('middle').where(isA).oneOrMore();
    const endOn = (p: Pattern<E, any>) => p.until(until).followedBy('end').where(until);
    expect(run(endOn(base()), [c, a1, a2, brk, late])).toEqual(['c a1 a2 brk', 'c a1 brk']);
    expect(run(endOn(base().consecutive()), [c, a1, a2, brk, late])).toEqual(['c a1 a2 brk', 'c a1 brk']);
    expect(run(endOn(base().allowCombinations()), [c, a1, a2, a3, brk, late])).toEqual([
      'c a1 a2 a3 brk',
      'c a1 a2 brk',
      'c a1 a3 brk',
      'c a1 brk',
    ]);
  });

  it('zero or more with until', () => {
    const base = () => start().followedBy('middle').where(isA).oneOrMore().optional();
    const endOn = (p: Pattern<E, any>) => p.until(until).followedBy('end').where(until);
    expect(run(endOn(base()), [c, a1, a2, brk, late])).toEqual(['c a1 a2 brk', 'c a1 brk', 'c brk']);
    expect(run(endOn(base().consecutive()), [c, a1, a2, brk, late])).toEqual([
      'c a1 a2 brk',
      'c a1 brk',
      'c brk',
    ]);
    expect(run(endOn(base().allowCombinations()), [c, a1, a2, a3, brk, late])).toEqual([
      'c a1 a2 a3 brk',
      'c a1 a2 brk',
      'c a1 a3 brk',
      'c a1 brk',
      'c brk',
    ]);
  });

  it('followedByAny a+ until at the end of the pattern', () => {
    const p = start().followedByAny('middle').where(isA).oneOrMore().until(until);
    expect(run(p, [c, a1, a2, brk, late])).toEqual(['c a1', 'c a1 a2', 'c a2', 'c a9']);
    const q = start().followedByAny('middle').where(isA).oneOrMore().optional().until(until);
    expect(run(q, [c, a1, a2, brk, late])).toEqual(['c', 'c a1', 'c a1 a2', 'c a2', 'c a9']);
  });

  it('a loop without where takes anything until the breaking event', () => {
    const p = start().followedBy('middle').oneOrMore().until(until);
    expect(run(p, [c, a1, a2, d, brk, late])).toEqual(['c a1', 'c a1 a2', 'c a1 a2 d']);
  });
});
