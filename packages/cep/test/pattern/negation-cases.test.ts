import { describe, expect, it } from 'vitest';
import { Pattern } from '../../src/index';
import { sortedMatches } from '../helpers/harness';

// FlinkCEP's negation cases, rewritten: events are named by kind and a number.
const is = (k: string) => (x: string) => x.replace(/\d+$/, '') === k;
const run = (p: Pattern<string, any>, events: string[]) => sortedMatches(p, events, String);
const a = () => Pattern.begin<string>('start').where(is('a'));

describe('notNext and notFollowedBy (FlinkCEP cases)', () => {
  it('notNext lets later events through when the very next one is not the negation', () => {
    const p = a()
      .notNext('not')
      .where(is('b'))
      .followedByAny('middle')
      .where(is('c'))
      .followedBy('end')
      .where(is('d'));
    expect(run(p, ['a1', 'c1', 'b1', 'c2', 'd'])).toEqual(['a1 c1 d', 'a1 c2 d']);
    const q = a()
      .notNext('not')
      .where(is('b'))
      .followedBy('middle')
      .where(is('c'))
      .followedBy('end')
      .where(is('d'));
    expect(run(q, ['a1', 'b1', 'c1', 'c2', 'd'])).toEqual([]);
  });

  it('notNext at the end kills a match followed at once by the negation', () => {
    const p = a()
      .followedByAny('middle')
      .where(is('c'))
      .followedByAny('end')
      .where(is('d'))
      .notNext('not')
      .where(is('b'));
    expect(run(p, ['a1', 'c1', 'c2', 'd', 'b1'])).toEqual([]);
  });

  it('notFollowedBy discards branches that see the negation before the next stage', () => {
    const p = a()
      .notFollowedBy('not')
      .where(is('b'))
      .followedByAny('middle')
      .where(is('c'))
      .followedBy('end')
      .where(is('d'));
    expect(run(p, ['a1', 'c1', 'b1', 'c2', 'd'])).toEqual(['a1 c1 d']);
    const optional = a()
      .notFollowedBy('not')
      .where(is('b'))
      .followedByAny('middle')
      .where(is('c'))
      .optional()
      .followedBy('end')
      .where(is('d'));
    expect(run(optional, ['a1', 'c1', 'b1', 'c2', 'd'])).toEqual(['a1 c1 d']);
  });

  it('notFollowedBy after times(2)', () => {
    const p = a()
      .followedByAny('middle')
      .where(is('b'))
      .times(2)
      .notFollowedBy('not')
      .where(is('c'))
      .followedBy('end')
      .where(is('d'));
    expect(run(p, ['a1', 'b1', 'c', 'b2', 'd'])).toEqual([]);
    expect(run(p, ['a1', 'd1', 'e', 'b1', 'b2', 'c1', 'd2'])).toEqual([]);
  });

  it('notFollowedBy before an optional times(2)', () => {
    const p = a()
      .notFollowedBy('not')
      .where(is('b'))
      .followedByAny('middle')
      .where(is('c'))
      .times(2)
      .optional()
      .followedBy('end')
      .where(is('d'));
    expect(run(p, ['a1', 'd1', 'e', 'b1', 'c1', 'c2', 'd2'])).toEqual(['a1 d1']);
    expect(run(p, ['a1', 'c1', 'b1', 'c2', 'd'])).toEqual(['a1 c1 c2 d']);
  });

  it('notFollowedBy before an optional last stage', () => {
    const p = a().notFollowedBy('not').where(is('b')).followedByAny('end').where(is('c')).optional();
    expect(run(p, ['a1', 'c1', 'b1', 'c2'])).toEqual(['a1', 'a1 c1']);
  });
});
