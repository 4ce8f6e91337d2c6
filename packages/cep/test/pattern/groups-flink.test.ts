import { describe, expect, it } from 'vitest';
import { Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';

// Cases from FlinkCEP's GroupITCase where eventide used to differ.

const is = (n: string) => (e: string) => e.replace(/\d+$/, '') === n;
function run(p: Pattern<string, any>, events: string[]) {
  const h = NFATestHarness.forPattern(p);
  const out: string[] = [];
  // a match's events in the order they arrived (as FlinkCEP's tests list them)
  const write = (m: Record<string, readonly string[]>) =>
    Object.values(m)
      .flat()
      .sort((x, y) => events.indexOf(x) - events.indexOf(y))
      .join(' ');
  for (const [i, e] of events.entries()) for (const m of h.process(e, i + 1)) out.push(write(m));
  return { matches: out.sort(), h };
}

describe('group patterns as FlinkCEP runs them', () => {
  it('until on a looping group (testGroupFollowedByOneOrMoreWithUntilCondition)', () => {
    const p = Pattern.begin<string>('start')
      .where(is('c'))
      .followedBy(Pattern.begin<string>('middle1').where(is('a')).followedBy('middle2').where(is('b')))
      .oneOrMore()
      .until(is('d'))
      .followedBy('end')
      .where(is('d'));
    const { matches, h } = run(p, ['c', 'a1', 'b1', 'a2', 'b2', 'd']);
    expect(matches).toEqual(['c a1 b1 a2 b2 d', 'c a1 b1 d']);
    // the until condition ended every loop: nothing is left waiting
    expect(h.partialMatches).toBe(0);
  });

  it('a group whose first stage is optional (testGroupStartsWithOptionalPattern)', () => {
    const p = Pattern.begin<string>('start')
      .where(is('a'))
      .next(Pattern.begin<string>('middle1').where(is('b')).optional().next('middle2').where(is('c')))
      .next('d')
      .where(is('d'));
    expect(run(p, ['a', 'c', 'd']).matches).toEqual(['a c d']);
    expect(run(p, ['a', 'b', 'c', 'd']).matches).toEqual(['a b c d']);
  });

  it('an optional group followed by next (testFollowedByOptionalGroupPattern)', () => {
    const p = Pattern.begin<string>('start')
      .where(is('a'))
      .followedBy(Pattern.begin<string>('middle1').where(is('b')).next('middle2').where(is('c')))
      .optional()
      .next('d')
      .where(is('d'));
    expect(run(p, ['a', 'd1', 'd2']).matches).toEqual(['a d1']);
  });
});
