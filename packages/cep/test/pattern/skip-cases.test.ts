import { describe, expect, it } from 'vitest';
import { AfterMatchSkipStrategy, type Match, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import { sortedMatches } from '../helpers/harness';

// Cases from FlinkCEP's after-match-skip documentation and tests, rewritten: event names say
// which conditions they meet ("ab" meets both "a" and "b").
const has = (s: string) => (x: string) => x.includes(s);
const flat = (m: Match<string>) => Object.values(m).flat().join(' ');
const run = (p: Pattern<string, any>, events: string[]) => sortedMatches(p, events, String);
const as = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];

describe('after-match skip strategies on FlinkCEP cases', () => {
  it('times(3) without skipping overlaps; skipPastLastEvent does not', () => {
    const p = (s: AfterMatchSkipStrategy) => Pattern.begin<string>('start', s).where(has('a')).times(3);
    expect(run(p(AfterMatchSkipStrategy.noSkip()), as)).toEqual([
      'a1 a2 a3',
      'a2 a3 a4',
      'a3 a4 a5',
      'a4 a5 a6',
    ]);
    expect(run(p(AfterMatchSkipStrategy.skipPastLastEvent()), as)).toEqual(['a1 a2 a3', 'a4 a5 a6']);
  });

  it('followedByAny: skipToNext keeps one match per start', () => {
    const p = (s: AfterMatchSkipStrategy) =>
      Pattern.begin<string>('start', s).where(has('a')).followedByAny('end').where(has('b'));
    const input = ['a1', 'b1', 'a2', 'b2'];
    expect(run(p(AfterMatchSkipStrategy.noSkip()), input)).toEqual(['a1 b1', 'a1 b2', 'a2 b2']);
    expect(run(p(AfterMatchSkipStrategy.skipToNext()), input)).toEqual(['a1 b1', 'a2 b2']);
  });

  it('a quantifier at the end: skipToNext keeps the first', () => {
    const p = (s: AfterMatchSkipStrategy) =>
      Pattern.begin<string>('start', s).where(has('a')).next('end').where(has('b')).oneOrMore();
    const input = ['a1', 'b1', 'b2', 'b3'];
    expect(run(p(AfterMatchSkipStrategy.noSkip()), input)).toEqual(['a1 b1', 'a1 b1 b2', 'a1 b1 b2 b3']);
    expect(run(p(AfterMatchSkipStrategy.skipToNext()), input)).toEqual(['a1 b1']);
  });

  it('skipToFirst / skipToLast of a times(2) stage', () => {
    const p = (s: AfterMatchSkipStrategy) =>
      Pattern.begin<string>('start', s).where(has('a')).times(2).next('end').where(has('b')).times(2);
    const abs = ['ab1', 'ab2', 'ab3', 'ab4', 'ab5', 'ab6', 'ab7'];
    expect(run(p(AfterMatchSkipStrategy.skipToFirst('end')), abs.slice(0, 6))).toEqual([
      'ab1 ab2 ab3 ab4',
      'ab3 ab4 ab5 ab6',
    ]);
    expect(run(p(AfterMatchSkipStrategy.skipToLast('end')), abs)).toEqual([
      'ab1 ab2 ab3 ab4',
      'ab4 ab5 ab6 ab7',
    ]);
  });

  it('skipPastLastEvent with followedByAny branches', () => {
    const p = Pattern.begin<string>('a', AfterMatchSkipStrategy.skipPastLastEvent())
      .where(has('a'))
      .followedByAny('b')
      .where(has('b'))
      .followedByAny('c')
      .where(has('c'))
      .followedBy('d')
      .where(has('d'));
    expect(run(p, ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1', 'd2'])).toEqual(['a1 b1 c1 d1']);
    const strict = Pattern.begin<string>('a', AfterMatchSkipStrategy.skipPastLastEvent())
      .where(has('a'))
      .next('b')
      .where(has('b'));
    expect(run(strict, ['a1', 'c', 'a2', 'b2'])).toEqual(['a2 b2']);
  });

  it('skipToFirst with an optional first stage', () => {
    const p = Pattern.begin<string>('x', AfterMatchSkipStrategy.skipToFirst('b'))
      .where(has('x'))
      .oneOrMore()
      .optional()
      .next('b')
      .where(has('b'))
      .next('c')
      .where(has('c'));
    expect(run(p, ['ab1', 'c1', 'ab2', 'c2'])).toEqual(['ab1 c1', 'ab2 c2']);
  });
});

describe('NFATestHarness.withAfterMatchSkipStrategy', () => {
  it('overrides the pattern strategy', () => {
    const p = Pattern.begin<string>('start').where(has('a')).times(3);
    const h = NFATestHarness.forPattern(p).withAfterMatchSkipStrategy(
      AfterMatchSkipStrategy.skipPastLastEvent(),
    );
    expect(as.flatMap((x, i) => h.process(x, i + 1).map(flat))).toEqual(['a1 a2 a3', 'a4 a5 a6']);
  });
});
