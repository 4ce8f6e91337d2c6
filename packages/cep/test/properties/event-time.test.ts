import { DataStream, execute, OutputTag, WatermarkStrategy } from '@eventide/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CEP, type Match, Pattern } from '../../src/index';

interface R {
  key: string;
  t: number;
  v: number;
}

const BOUND = 20;

/** Readings with distinct timestamps per key, and an arrival order no more than BOUND behind the maximum. */
const input = fc
  .tuple(
    fc.uniqueArray(
      fc.record({
        key: fc.constantFrom('k1', 'k2'),
        t: fc.integer({ min: 0, max: 300 }),
        v: fc.integer({ min: 0, max: 9 }),
      }),
      {
        selector: (r) => `${r.key}|${r.t}`,
        maxLength: 40,
      },
    ),
    fc.array(fc.nat(), { maxLength: 80 }),
  )
  .map(([rs, swaps]) => {
    const sorted = [...rs].sort((a, b) => a.t - b.t);
    const arrival = [...sorted];
    for (const s of swaps) {
      if (arrival.length < 2) break;
      const i = s % (arrival.length - 1);
      [arrival[i], arrival[i + 1]] = [arrival[i + 1]!, arrival[i]!];
      let max = Number.NEGATIVE_INFINITY;
      const ok = arrival.every((r) => {
        const fine = r.t >= max - BOUND;
        max = Math.max(max, r.t);
        return fine;
      });
      if (!ok) [arrival[i], arrival[i + 1]] = [arrival[i + 1]!, arrival[i]!];
    }
    return { sorted, arrival };
  });

const show = (m: Match<R>) =>
  Object.entries(m)
    .map(([k, es]) => `${k}:${es.map((e) => `${e.key}@${e.t}`).join(',')}`)
    .join(' ');

async function run(rs: readonly R[], pattern: Pattern<R, any>) {
  const timeouts = new OutputTag<string>('timeouts');
  const matches = CEP.pattern(
    DataStream.from(rs)
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forBoundedOutOfOrderness<R>(BOUND).withTimestampAssigner((r) => r.t),
      )
      .keyBy((r) => r.key),
    pattern,
  ).select(timeouts, (m) => `timeout ${show(m)}`, show);
  const { outputs } = await execute({ matches, timeouts: matches.getSideOutput(timeouts) });
  return { matches: [...outputs.matches].sort(), timeouts: [...outputs.timeouts].sort() };
}

const patterns: [string, Pattern<R, any>][] = [
  [
    'rising pair within 30',
    Pattern.begin<R>('a')
      .where((r) => r.v > 3)
      .followedBy('b')
      .where((r, ctx) => r.v > ctx.eventsForPattern('a')[0]!.v)
      .within(30),
  ],
  [
    'silence of 40 after a high reading',
    Pattern.begin<R>('high')
      .where((r) => r.v > 6)
      .notFollowedBy('any')
      .within(40),
  ],
  [
    'strict run of three',
    Pattern.begin<R>('x')
      .where((r) => r.v % 2 === 0)
      .times(3)
      .consecutive(),
  ],
];

describe('law: disorder within the out-of-orderness bound changes no match', () => {
  for (const [name, pattern] of patterns) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(input, async ({ sorted, arrival }) => {
          expect(await run(arrival, pattern)).toEqual(await run(sorted, pattern));
        }),
      );
    });
  }
});
