import { DataStream, execute, OutputTag, WatermarkStrategy } from '@eventide/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AfterMatchSkipStrategy, CEP, type Match, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';

interface R {
  key: string;
  t: number;
  kind: string;
}

const show = (m: Match<R>) =>
  Object.entries(m)
    .map(([k, es]) => `${k}:${es.map((e) => `${e.kind}@${e.t}`).join(',')}`)
    .join(' ');

const is = (k: string) => (r: R) => r.kind === k;
const patterns: [string, Pattern<R, any>][] = [
  [
    'a followedBy b+ within 20',
    Pattern.begin<R>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore().within(20),
  ],
  [
    'a next b, skip past last, within 15',
    Pattern.begin<R>('a', AfterMatchSkipStrategy.skipPastLastEvent())
      .where(is('a'))
      .next('b')
      .where(is('b'))
      .within(15),
  ],
  [
    'a not followed by b within 10',
    Pattern.begin<R>('a').where(is('a')).notFollowedBy('b').where(is('b')).within(10),
  ],
];

const input = fc.uniqueArray(
  fc.record({
    key: fc.constantFrom('k1', 'k2', 'k3'),
    t: fc.integer({ min: 0, max: 120 }),
    kind: fc.constantFrom('a', 'b', 'c'),
  }),
  { selector: (r) => `${r.key}|${r.t}`, maxLength: 40 },
);

/** Per key, in timestamp order, straight into the NFA: what the operator must reproduce. */
function reference(rows: readonly R[], pattern: Pattern<R, any>) {
  const matches: string[] = [];
  const timeouts: string[] = [];
  for (const key of new Set(rows.map((r) => r.key))) {
    const h = NFATestHarness.forPattern(pattern);
    for (const r of rows.filter((x) => x.key === key).sort((a, b) => a.t - b.t)) {
      for (const m of h.process(r, r.t)) matches.push(show(m));
    }
    const end = h.advanceTime(Number.POSITIVE_INFINITY);
    for (const m of end.matches) matches.push(show(m));
    for (const [m, t] of end.timeouts) timeouts.push(`${show(m)} @${t}`);
  }
  return { matches: matches.sort(), timeouts: timeouts.sort() };
}

describe('law: the event-time operator runs each key through the NFA like the harness does', () => {
  for (const [name, pattern] of patterns) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(input, async (rows) => {
          const sorted: R[] = [...rows].sort((a, b) => a.t - b.t);
          const timedOut = new OutputTag<string>('timeouts');
          const matches = CEP.pattern(
            DataStream.from(sorted)
              .assignTimestampsAndWatermarks(
                WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner((r) => r.t),
              )
              .keyBy((r) => r.key),
            pattern,
          ).select(timedOut, (m, t) => `${show(m)} @${t}`, show);
          const { outputs } = await execute({ matches, timeouts: matches.getSideOutput(timedOut) });
          expect({ matches: [...outputs.matches].sort(), timeouts: [...outputs.timeouts].sort() }).toEqual(
            reference(rows, pattern),
          );
        }),
      );
    });
  }
});
