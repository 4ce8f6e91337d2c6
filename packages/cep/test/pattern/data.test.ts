import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AfterMatchSkipStrategy,
  ConditionRegistry,
  expr,
  MalformedPatternError,
  Pattern,
  type PatternSpec,
  patternJsonSchema,
  WithinType,
} from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';
import { eventsArb, stagesArb, toPattern } from '../arbitraries/patterns';
import type { RefEvent } from '../helpers/reference';

function matches(pattern: Pattern<RefEvent>, events: readonly RefEvent[]): string[] {
  const h = NFATestHarness.forPattern(pattern);
  const out: string[] = [];
  for (const e of events) for (const m of h.process(e, e.ts)) out.push(JSON.stringify(m));
  for (const m of h.advanceTime(Number.POSITIVE_INFINITY).matches) out.push(JSON.stringify(m));
  return out;
}

const skips = fc.constantFrom(
  AfterMatchSkipStrategy.noSkip(),
  AfterMatchSkipStrategy.skipToNext(),
  AfterMatchSkipStrategy.skipPastLastEvent(),
  AfterMatchSkipStrategy.skipToFirst('s0'),
  AfterMatchSkipStrategy.skipToLast('s0'),
);

describe('patterns as data', () => {
  it('law: fromJSON(toJSON(p)) finds the same matches as p, and writes the same spec again', () => {
    fc.assert(
      fc.property(
        stagesArb,
        eventsArb,
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        skips,
        (stages, events, within, skip) => {
          const p = toPattern(stages, within, skip, true);
          const spec = p.toJSON();
          // a spec is plain JSON: it survives being written and read as text
          const back = Pattern.fromJSON<RefEvent>(JSON.parse(JSON.stringify(spec)));
          expect(back.toJSON()).toEqual(spec);
          expect(matches(back, events)).toEqual(matches(p, events));
        },
      ),
    );
  });

  it('writes every part of the language: links, quantifiers, groups, until, greedy, both withins, skips', () => {
    const p = Pattern.begin<{ v: number }>('a', AfterMatchSkipStrategy.skipToLast('b').throwExceptionOnMiss())
      .where(expr('v > 0'))
      .or(expr('v < -10'))
      .next('b')
      .where(expr('v > last(a, v)'))
      .oneOrMore()
      .until(expr('v == 0'))
      .consecutive()
      .greedy()
      .followedByAny('c')
      .where(expr('v == 5'))
      .times(0, 3)
      .allowCombinations()
      .followedBy('e')
      .where(expr('v == 6'))
      .notFollowedBy('d')
      .where(expr('v == 99'))
      .followedBy(Pattern.begin<{ v: number }>('g1').where(expr('v == 7')).next('g2').where(expr('v == 8')))
      .timesOrMore(2)
      .within(1000)
      .within(100, WithinType.PREVIOUS_AND_CURRENT);
    const spec = p.toJSON();
    expect(spec).toEqual({
      version: 1,
      skip: { strategy: 'skipToLast', stage: 'b', throwExceptionOnMiss: true },
      stages: [
        { link: 'begin', name: 'a', where: { or: [{ expr: 'v > 0' }, { expr: 'v < -10' }] } },
        {
          link: 'next',
          name: 'b',
          where: { expr: 'v > last(a, v)' },
          oneOrMore: true,
          until: { expr: 'v == 0' },
          consecutive: true,
          greedy: true,
        },
        {
          link: 'followedByAny',
          name: 'c',
          where: { expr: 'v == 5' },
          times: [1, 3],
          allowCombinations: true,
          optional: true,
        },
        { link: 'followedBy', name: 'e', where: { expr: 'v == 6' } },
        { link: 'notFollowedBy', name: 'd', where: { expr: 'v == 99' } },
        {
          link: 'followedBy',
          group: {
            stages: [
              { link: 'begin', name: 'g1', where: { expr: 'v == 7' } },
              { link: 'next', name: 'g2', where: { expr: 'v == 8' } },
            ],
          },
          timesOrMore: 2,
          within: 1000,
          withinPreviousAndCurrent: 100,
        },
      ],
    } satisfies PatternSpec);
    expect(Pattern.fromJSON(spec).toJSON()).toEqual(spec);
    expect(String(Pattern.fromJSON(spec))).toBe(String(p));
  });

  it('named conditions come from a registry, with their parameters', () => {
    const conditions = new ConditionRegistry<number>()
      .define('above', ({ limit }) => {
        if (typeof limit !== 'number') throw new Error('limit must be a number');
        return (x) => x > limit;
      })
      .define('even', () => (x) => x % 2 === 0);
    const spec = {
      version: 1,
      stages: [
        {
          link: 'begin',
          name: 'a',
          where: { and: [{ name: 'above', params: { limit: 3 } }, { name: 'even' }] },
        },
        { link: 'next', name: 'b', where: { not: { name: 'even' } } },
      ],
    };
    const p = Pattern.fromJSON<number>(spec, conditions);
    expect(p.toJSON()).toEqual(spec);
    const h = NFATestHarness.forPattern(p);
    expect([2, 4, 5, 6, 8, 9].flatMap((x, i) => h.process(x, i + 1))).toEqual([
      { a: [4], b: [5] },
      { a: [8], b: [9] },
    ]);
    // the same in code, through the registry: also data
    const inCode = Pattern.begin<number>('a').where(conditions.condition('even')).next('b');
    expect(inCode.toJSON().stages[0]).toEqual({ link: 'begin', name: 'a', where: { name: 'even' } });
    expect(() => Pattern.fromJSON(spec)).toThrow(
      /the condition "above" is named, so Pattern\.fromJSON needs a ConditionRegistry/,
    );
    expect(() =>
      Pattern.fromJSON(
        { version: 1, stages: [{ link: 'begin', name: 'a', where: { name: 'odd' } }] },
        conditions,
      ),
    ).toThrow(/no condition "odd" \(defined: above, even\)/);
    expect(() =>
      Pattern.fromJSON(
        {
          version: 1,
          stages: [{ link: 'begin', name: 'a', where: { name: 'above', params: { limit: 'x' } } }],
        },
        conditions,
      ),
    ).toThrow(/"above" refused its parameters \{"limit":"x"\}: limit must be a number/);
  });

  it('refuses a function condition when writing, naming the stage', () => {
    const p = Pattern.begin<number>('a').where((x) => x > 0);
    expect(() => p.toJSON()).toThrow(MalformedPatternError);
    expect(() => p.toJSON()).toThrow(/the condition of stage "a" is a function/);
  });

  it('refuses specs that do not fit, naming the place', () => {
    const bad: [unknown, RegExp][] = [
      [{ version: 2, stages: [] }, /Pattern\.fromJSON: at version/],
      [
        { version: 1, stages: [{ link: 'next', name: 'a' }] },
        /at stages\.0: the first stage links with "begin"/,
      ],
      [{ version: 1, stages: [{ link: 'begin' }] }, /a stage has either a name or a group/],
      [
        { version: 1, stages: [{ link: 'begin', name: 'a', where: { expr: 'x >' } }] },
        /at stages\.0: expr: unexpected end/,
      ],
      [{ version: 1, stages: [{ link: 'begin', name: 'a', times: 0 }] }, /at stages\.0\.times/],
      [{ version: 1, stages: [{ link: 'begin', name: 'a', colour: 'red' }] }, /Unrecognized key/],
      [
        {
          version: 1,
          stages: [
            { link: 'begin', name: 'a' },
            { link: 'next', name: 'b', greedy: true },
          ],
        },
        /at stages\.1: Pattern\.greedy: "b" is a single stage/,
      ],
      [
        { version: 1, skip: { strategy: 'skipToFirst' }, stages: [{ link: 'begin', name: 'a' }] },
        /at skip: skipToFirst needs a stage/,
      ],
      [{ version: 1, stages: [{ link: 'begin', name: 'a', times: 20000 }] }, /at most 10000 iterations/],
    ];
    for (const [spec, message] of bad)
      expect(() => Pattern.fromJSON(spec), JSON.stringify(spec)).toThrow(message);
  });

  it('an expression may only aggregate over stages the pattern has', () => {
    const p = Pattern.begin<{ v: number }>('a').next('b').where(expr('v > last(c, v)'));
    expect(() => NFATestHarness.forPattern(p)).toThrow(
      /stage "b" reads stage "c", which the pattern does not have/,
    );
  });
});

describe('the published JSON Schema', () => {
  it('is the one the zod schema gives (pnpm --filter @eventide/cep schema writes it)', () => {
    const file = JSON.parse(readFileSync(join(__dirname, '../../schema/pattern.schema.json'), 'utf8'));
    expect(file).toEqual(patternJsonSchema());
    expect(file.$schema).toMatch(/json-schema\.org/);
  });
});
