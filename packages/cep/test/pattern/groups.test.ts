import { describe, expect, it } from 'vitest';
import { Pattern } from '../../src/index';
import { type Ev, kind, matchesOf, staged } from '../helpers/harness';

const ab = () => Pattern.begin<Ev>('ga').where(kind('a')).followedBy('gb').where(kind('b'));

describe('group patterns', () => {
  it('a group as a stage: its stages keep their names in the match', () => {
    const p = Pattern.begin<Ev>('s').where(kind('s')).followedBy(ab()).followedBy('e').where(kind('e'));
    expect(matchesOf(p, ['s', 'a1', 'b1', 'e'], staged)).toEqual(['s:[s] ga:[a1] gb:[b1] e:[e]']);
  });

  it('oneOrMore on a group repeats the whole group', () => {
    const p = Pattern.begin<Ev>('s')
      .where(kind('s'))
      .followedBy(ab())
      .oneOrMore()
      .followedBy('e')
      .where(kind('e'));
    expect(matchesOf(p, ['s', 'a1', 'b1', 'a2', 'b2', 'e'], staged)).toEqual([
      's:[s] ga:[a1,a2] gb:[b1,b2] e:[e]',
      's:[s] ga:[a1] gb:[b1] e:[e]',
    ]);
  });

  it('times(2) on a group needs two full repetitions', () => {
    const p = Pattern.begin<Ev>('s')
      .where(kind('s'))
      .followedBy(ab())
      .times(2)
      .followedBy('e')
      .where(kind('e'));
    expect(matchesOf(p, ['s', 'a1', 'b1', 'e'])).toEqual([]);
    expect(matchesOf(p, ['s', 'a1', 'b1', 'a2', 'b2', 'e'])).toEqual(['s a1 a2 b1 b2 e']);
  });

  it('an optional group may be skipped', () => {
    const p = Pattern.begin<Ev>('s')
      .where(kind('s'))
      .followedBy(ab())
      .optional()
      .followedBy('e')
      .where(kind('e'));
    expect(matchesOf(p, ['s', 'a1', 'b1', 'e'])).toEqual(['s a1 b1 e', 's e']);
  });

  it('a pattern may begin with a group', () => {
    const p = Pattern.begin<Ev>(ab()).next('c').where(kind('c'));
    expect(matchesOf(p, ['a1', 'x', 'b1', 'c1'], staged)).toEqual(['ga:[a1] gb:[b1] c:[c1]']);
  });

  it('FlinkCEP cases: an optional group skips stray events; an optional times(2) group may be absent', () => {
    const optional = Pattern.begin<Ev>('s')
      .where(kind('c'))
      .followedBy(ab())
      .optional()
      .followedBy('e')
      .where(kind('d'));
    expect(matchesOf(optional, ['c', 'a1', 'a2', 'b', 'd'])).toEqual(['c a1 b d', 'c d']);
    const twice = Pattern.begin<Ev>('s')
      .where(kind('c'))
      .followedBy(ab())
      .times(2)
      .optional()
      .followedBy('e')
      .where(kind('d'));
    expect(matchesOf(twice, ['c', 'a', 'd'])).toEqual(['c d']);
  });
});
