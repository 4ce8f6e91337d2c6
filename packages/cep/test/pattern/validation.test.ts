import { DataStream, execute, INVALID, type TimelineItem } from '@eventide/core';
import { describe, expect, it } from 'vitest';
import {
  AfterMatchSkipStrategy,
  CEP,
  compile,
  MalformedPatternError,
  Pattern,
  SkipStrategyError,
  type WithinType,
} from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';

// Everything a user can pass wrong is refused where it is given, naming the API.

const begin = () => Pattern.begin<number>('a').where((x) => x > 0);

describe('validation when a pattern is built', () => {
  it('refuses counts that would unroll into millions of states, instead of running out of memory', () => {
    expect(() => begin().times(1e9)).toThrow(MalformedPatternError);
    expect(() => begin().times(1e9)).toThrow(/Pattern\.times: at most 10000 iterations/);
    expect(() => begin().times(2, 20_000)).toThrow(/Pattern\.times: at most 10000/);
    expect(() => begin().timesOrMore(10_001)).toThrow(/Pattern\.timesOrMore: at most 10000/);
    expect(() => compile(begin().times(10_000))).not.toThrow();
  });

  it('refuses a condition that is not a function, at the call', () => {
    expect(() => begin().where(42 as never)).toThrow(
      /Pattern\.where: a condition must be a function .* got number/,
    );
    expect(() => begin().or(null as never)).toThrow(
      /Pattern\.or: a condition must be a function .* got null/,
    );
    expect(() =>
      begin()
        .oneOrMore()
        .until('x' as never),
    ).toThrow(/Pattern\.until: .* got string/);
  });

  it('refuses a within that is not a positive time or of an unknown type', () => {
    expect(() => begin().within(Number.NaN)).toThrow(/Pattern\.within: ms must be a finite number > 0/);
    expect(() => begin().within('10' as never)).toThrow(/Pattern\.within/);
    expect(() => begin().within(10, 'SOMETIMES' as WithinType)).toThrow(/Pattern\.within: type must be/);
  });

  it('names groups by their stages, the same in every process', () => {
    const make = () => Pattern.begin<number>('x').next(Pattern.begin<number>('g1').next('g2')).oneOrMore();
    expect(make().stages[1]!.name).toBe('(g1 g2)');
    expect(String(make())).toBe(String(make()));
  });
});

describe('validation of CEP options', () => {
  const stream = DataStream.from([1, 2, 3]);
  it('refuses a cap on partial matches that is not a positive integer or Infinity', () => {
    for (const cap of [Number.NaN, -1, 0, 1.5, '10']) {
      expect(() => CEP.pattern(stream, begin(), { maxPartialMatchesPerKey: cap as number })).toThrow(
        /CEP\.pattern: maxPartialMatchesPerKey must be a positive integer or Infinity/,
      );
      expect(() => NFATestHarness.forPattern(begin(), { maxPartialMatches: cap as number })).toThrow(
        /NFATestHarness\.forPattern: maxPartialMatchesPerKey/,
      );
    }
    expect(() =>
      CEP.pattern(stream, begin(), { maxPartialMatchesPerKey: Number.POSITIVE_INFINITY }),
    ).not.toThrow();
    expect(() => CEP.pattern(stream, begin(), { maxPartialMatchesPerKey: 5 })).not.toThrow();
  });

  it('refuses select, process, late tags and skip strategies of the wrong kind', () => {
    const ps = CEP.pattern(stream, begin());
    expect(() => ps.select('x' as never, (() => 1) as never, (() => 1) as never)).toThrow(
      /PatternStream\.select: pass a function/,
    );
    expect(() => ps.process({} as never)).toThrow(/PatternStream\.process: an object with a processMatch/);
    expect(() => ps.sideOutputLateData('late' as never)).toThrow(
      /sideOutputLateData: an OutputTag is needed/,
    );
    expect(() => Pattern.begin<number>('a', 'skipToNext' as never)).toThrow(
      /Pattern\.begin: the skip strategy/,
    );
  });

  it('refuses a comparator or clock of the wrong kind', () => {
    expect(() => CEP.pattern(stream, begin(), { comparator: 1 as never })).toThrow(
      /comparator must be a function/,
    );
    expect(() => CEP.pattern(stream, begin(), { clock: {} as never })).toThrow(
      /clock must be an RxJS scheduler/,
    );
  });
});

describe('stage names are plain keys of a match', () => {
  it('a stage called __proto__ or constructor keeps its events', () => {
    const p = Pattern.begin<number>('__proto__')
      .where((x) => x === 1)
      .next('constructor')
      .where((x) => x === 2);
    const h = NFATestHarness.forPattern(p);
    h.process(1, 1);
    const [m] = h.process(2, 2);
    expect(Object.getPrototypeOf(m)).toBeNull();
    expect(Object.keys(m!)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(m, '__proto__')?.value).toEqual([1]);
    expect(m!.constructor).toEqual([2]);
  });
});

describe('time: records with and without timestamps are not mixed', () => {
  it('a pattern in event time refuses records without a timestamp as invalid, with the reason', async () => {
    const timed: TimelineItem<number>[] = [
      { value: 1, timestamp: 10 },
      { value: 2, timestamp: 20 },
      { watermark: 30 },
    ];
    const untimed = DataStream.from([7]);
    const matches = CEP.pattern(
      DataStream.fromTimeline(timed).union(untimed),
      Pattern.begin<number>('a')
        .where((x) => x === 1)
        .next('b'),
    ).select((m) => `${m.a} ${m.b}`);
    const { outputs, metrics } = await execute({ matches, invalid: matches.getSideOutput(INVALID) });
    expect(outputs.matches).toEqual(['1 2']);
    expect(outputs.invalid.map((r) => r.reason)).toEqual([
      'CEP: a record without an event timestamp in a pattern running in event time (assign timestamps to every record)',
    ]);
    expect(Object.values(metrics).find((m) => m.kind === 'cep')!.invalid).toBe(1);
  });
});

describe('skipToFirst(...).throwExceptionOnMiss()', () => {
  const p = Pattern.begin<number>('a', AfterMatchSkipStrategy.skipToFirst('a').throwExceptionOnMiss())
    .where((x) => x > 0)
    .next('b');

  it('refuses to skip back to the match\'s own first event (FlinkCEP: "Could not skip to first element of a match")', () => {
    const h = NFATestHarness.forPattern(p);
    h.process(1, 1);
    expect(() => h.process(2, 2)).toThrow(SkipStrategyError);
    expect(() => NFATestHarness.forPattern(p).process(1, 1)).not.toThrow();
  });

  it('fails a running job instead of treating it as a bad record', async () => {
    const matches = CEP.pattern(
      DataStream.fromTimeline<number>([
        { value: 1, timestamp: 1 },
        { value: 2, timestamp: 2 },
        { watermark: 5 },
      ]),
      p,
    ).select(() => 'match');
    await expect(execute({ matches })).rejects.toThrow(/it is the match's own first event/);
  });

  it('without throwExceptionOnMiss, the same skip is allowed (no pruning past the match)', () => {
    const quiet = Pattern.begin<number>('a', AfterMatchSkipStrategy.skipToFirst('a'))
      .where((x) => x > 0)
      .next('b');
    const h = NFATestHarness.forPattern(quiet);
    h.process(1, 1);
    expect(h.process(2, 2)).toHaveLength(1);
  });
});
