import { describe, expect, it } from 'vitest';
import { AfterMatchSkipStrategy, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import { type Ev, ev, flat, kind, matchesInOrder } from '../helpers/harness';

// Flink docs: pattern "b+ c" on b1 b2 b3 c (b's consecutive, c strictly next, so no partial match outlives c)
const bPlusC = (skip: AfterMatchSkipStrategy) =>
  Pattern.begin<Ev>('b', skip).where(kind('b')).oneOrMore().consecutive().next('c').where(kind('c'));
const input = ['b1', 'b2', 'b3', 'c'];

describe('after-match skip strategies', () => {
  it('noSkip: every match', () => {
    expect(matchesInOrder(bPlusC(AfterMatchSkipStrategy.noSkip()), input)).toEqual([
      'b1 b2 b3 c',
      'b2 b3 c',
      'b3 c',
    ]);
  });
  it('skipToNext: drops only other matches starting with the same event', () => {
    expect(matchesInOrder(bPlusC(AfterMatchSkipStrategy.skipToNext()), input)).toEqual([
      'b1 b2 b3 c',
      'b2 b3 c',
      'b3 c',
    ]);
  });
  it('skipPastLastEvent: drops every partial match that started inside the match', () => {
    expect(matchesInOrder(bPlusC(AfterMatchSkipStrategy.skipPastLastEvent()), input)).toEqual(['b1 b2 b3 c']);
  });
  it('skipToFirst(b): keeps matches starting at or after the first b of the match', () => {
    expect(matchesInOrder(bPlusC(AfterMatchSkipStrategy.skipToFirst('b')), input)).toEqual([
      'b1 b2 b3 c',
      'b2 b3 c',
      'b3 c',
    ]);
  });
  it('skipToLast(b): keeps matches starting at or after the last b of the match', () => {
    expect(matchesInOrder(bPlusC(AfterMatchSkipStrategy.skipToLast('b')), input)).toEqual([
      'b1 b2 b3 c',
      'b3 c',
    ]);
  });

  it('holds a match back while an earlier-starting partial match is alive, releasing it in order', () => {
    // relaxed b+ keeps every run waiting for more b's after c; b2's and b3's matches wait for
    // the partial matches that started before them to end (here: by the 10 ms window)
    const p = Pattern.begin<Ev>('b', AfterMatchSkipStrategy.skipToFirst('b'))
      .where(kind('b'))
      .oneOrMore()
      .next('c')
      .where(kind('c'))
      .within(10);
    const h = NFATestHarness.forPattern(p);
    const out = ['b1', 'b2', 'b3', 'c'].flatMap((id, i) => h.process(ev(id), i + 1).map(flat));
    expect(out).toEqual(['b1 b2 b3 c']);
    expect(h.advanceTime(11).matches.map(flat)).toEqual(['b2 b3 c']);
    expect(h.advanceTime(12).matches.map(flat)).toEqual(['b3 c']);
  });

  it('skipToNext with followedByAny keeps later starts but not other branches of the same start', () => {
    const p = Pattern.begin<Ev>('a', AfterMatchSkipStrategy.skipToNext())
      .where(kind('a'))
      .followedByAny('b')
      .where(kind('b'));
    expect(matchesInOrder(p, ['a1', 'a2', 'b1', 'b2'])).toEqual(['a1 b1', 'a2 b1']);
    const all = Pattern.begin<Ev>('a').where(kind('a')).followedByAny('b').where(kind('b'));
    expect(matchesInOrder(all, ['a1', 'a2', 'b1', 'b2'])).toEqual(['a1 b1', 'a2 b1', 'a1 b2', 'a2 b2']);
  });

  it('skipToFirst with throwExceptionOnMiss fails when the target stage took nothing', () => {
    const skip = AfterMatchSkipStrategy.skipToFirst('b').throwExceptionOnMiss();
    const p = Pattern.begin<Ev>('a', skip)
      .where(kind('a'))
      .followedBy('b')
      .where(kind('b'))
      .optional()
      .followedBy('c')
      .where(kind('c'));
    const h = NFATestHarness.forPattern(p);
    h.process(ev('a1'), 1);
    expect(() => h.process(ev('c1'), 2)).toThrow(/could not skip to "b"/);
  });
});
