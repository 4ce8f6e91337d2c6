import { describe, expect, it } from 'vitest';
import { Pattern, WithinType } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import { type Ev, ev, flat, kind } from '../helpers/harness';

describe('within (first to last event)', () => {
  const p = Pattern.begin<Ev>('a').where(kind('a')).followedBy('b').where(kind('b')).within(5);

  it('matches inside the window and times out outside it, at start + window', () => {
    const h = NFATestHarness.forPattern(p);
    h.process(ev('a1'), 1);
    // 7 − 1 ≥ 5: a1's partial match expired before b1 arrives
    expect(h.process(ev('b1'), 7)).toEqual([]);
    h.process(ev('a2'), 10);
    expect(h.process(ev('b2'), 14).map(flat)).toEqual(['a2 b2']);
    const { timeouts } = h.advanceTime(100);
    expect(timeouts.map(([m, t]) => [flat(m), t])).toEqual([['a1', 6]]);
  });

  it('advanceTime alone times out partial matches (no later event needed)', () => {
    const h = NFATestHarness.forPattern(p);
    h.process(ev('a1'), 1);
    expect(h.advanceTime(5).timeouts).toEqual([]);
    expect(h.advanceTime(6).timeouts.map(([m, t]) => [flat(m), t])).toEqual([['a1', 6]]);
    expect(h.partialMatches).toBe(0);
    expect(h.bufferSize).toEqual({ events: 0, nodes: 0 });
  });
});

describe('within PREVIOUS_AND_CURRENT (gap between consecutive events)', () => {
  it('bounds the gap before the stage it is set on', () => {
    const p = Pattern.begin<Ev>('a')
      .where(kind('a'))
      .followedBy('b')
      .where(kind('b'))
      .within(5, WithinType.PREVIOUS_AND_CURRENT);
    const h = NFATestHarness.forPattern(p);
    h.process(ev('a1'), 1);
    expect(h.process(ev('b1'), 5).map(flat)).toEqual(['a1 b1']);
    h.process(ev('a2'), 10);
    expect(h.process(ev('b2'), 16)).toEqual([]);
    expect(h.advanceTime(16).timeouts.map(([m, t]) => [flat(m), t])).toEqual([['a2', 15]]);
  });
});

describe('timeouts of branching partial matches (FlinkCEP case)', () => {
  it('reports every timed-out branch with start + window as its time', () => {
    const p = Pattern.begin<Ev>('start')
      .where(kind('s'))
      .followedByAny('middle')
      .where(kind('m'))
      .followedByAny('end')
      .where(kind('e'))
      .within(10);
    const h = NFATestHarness.forPattern(p);
    const input: [string, number][] = [
      ['s1', 1],
      ['s2', 2],
      ['m', 3],
      ['x', 4],
      ['e1', 11],
      ['e2', 13],
    ];
    const matches = input.flatMap(([id, t]) => h.process(ev(id), t).map(flat));
    expect(matches).toEqual(['s2 m e1']);
    const timeouts = h
      .advanceTime(13)
      .timeouts.map(([m, t]) => `${flat(m)} @${t}`)
      .sort();
    expect(timeouts).toEqual(['s1 @11', 's1 m @11', 's2 @12', 's2 m @12']);
  });
});
