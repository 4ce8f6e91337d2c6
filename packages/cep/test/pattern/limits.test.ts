import { describe, expect, it } from 'vitest';
import {
  ConditionRegistry,
  compile,
  MAX_PATTERN_STAGES,
  MAX_PATTERN_STATES,
  MAX_SPEC_DEPTH,
  MAX_SPEC_SIZE,
  MalformedPatternError,
  Pattern,
} from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';

// Specs come from users: every size that costs memory or time before the first event is bounded
// and refused, before anything is built, with a MalformedPatternError naming the API. The limits
// are written here as documented (the constants are compared with them last, so a failing test
// shows its defect first).
const STATES = 100_000;
const STAGES = 1_000;
const DEPTH = 64;
const SIZE = 1_000_000;

/** The error `f` throws, or undefined; and how long it took. */
function attempt(f: () => unknown): { error: unknown; ms: number } {
  const t = performance.now();
  try {
    f();
    return { error: undefined, ms: performance.now() - t };
  } catch (error) {
    return { error, ms: performance.now() - t };
  }
}

/**
 * A watchdog, not a speed target: far above what a refusal takes on a loaded machine (ms), far
 * below what the defects took (minutes, or out of memory).
 */
const STALL_MS = 30_000;

function refused(f: () => unknown, message: RegExp, within = STALL_MS): void {
  const { error, ms } = attempt(f);
  expect(error).toBeInstanceOf(MalformedPatternError);
  expect((error as Error).message).toMatch(message);
  expect(ms).toBeLessThan(within);
}

const stage = (name: string, extra: Record<string, unknown> = {}) => ({ link: 'followedBy', name, ...extra });
const spec = (...stages: Record<string, unknown>[]) => ({
  version: 1,
  stages: [{ link: 'begin', name: 'start' }, ...stages],
});

describe('pattern specs, against hostile sizes', () => {
  it('300 stages of times(10000) (a 16.8 KB spec) are refused before anything is built', () => {
    const big = spec(...Array.from({ length: 299 }, (_, i) => stage(`s${i}`, { times: 10_000 })));
    expect(JSON.stringify(big).length).toBeGreaterThan(14_000);
    refused(
      () => Pattern.fromJSON(big),
      /^Pattern\.fromJSON: the pattern unrolls into 2990001 positions .*more than MAX_PATTERN_STATES \(100000\)/,
      200,
    );
    // groups multiply: a group of 10 stages taken 10 000 times is 100 000 positions
    const group = {
      link: 'next',
      group: {
        stages: [{ link: 'begin', name: 'g0' }, ...Array.from({ length: 9 }, (_, i) => stage(`g${i + 1}`))],
      },
      times: 10_000,
    };
    refused(() => Pattern.fromJSON(spec(group)), /unrolls into 100001 positions/);
    // one stage of times(10000) stays allowed, and compiles
    expect(compile(Pattern.fromJSON(spec(stage('s', { times: 10_000 })))).states.length).toBeLessThan(STATES);
    expect(MAX_PATTERN_STATES).toBe(STATES);
  });

  it('compile refuses a pattern built in code that unrolls into too many states, before building it', () => {
    let p = Pattern.begin<unknown>('start');
    for (let i = 0; i < 11; i++) p = p.followedBy(`s${i}`).times(10_000);
    refused(() => compile(p), /^compile: the pattern unrolls into 110001 positions/);
  });

  it('compile stops when the states it makes pass the limit, whatever the positions', () => {
    // optional stages after a negation are copied for each other (quadratic): 600 stages, ~180 000 states
    let p = Pattern.begin<unknown>('start').notFollowedBy('n');
    for (let i = 0; i < 600; i++) p = p.followedBy(`o${i}`).optional();
    p = p.followedBy('end');
    refused(() => compile(p), /^compile: the pattern needs more than 100000 NFA states/);
  });

  it(`refuses a spec of more than ${STAGES} stages, counting those in groups`, () => {
    const many = spec(...Array.from({ length: STAGES }, (_, i) => stage(`s${i}`)));
    refused(
      () => Pattern.fromJSON(many),
      /^Pattern\.fromJSON: the spec has more than 1000 stages \(MAX_PATTERN_STAGES\)/,
    );
    const inGroups = spec(
      ...Array.from({ length: 10 }, (_, g) => ({
        link: 'next',
        group: {
          stages: Array.from({ length: 100 }, (_, i) => ({
            link: i === 0 ? 'begin' : 'next',
            name: `g${g}s${i}`,
          })),
        },
      })),
    );
    refused(() => Pattern.fromJSON(inGroups), /the spec has more than 1000 stages/);
    // 1000 stages are allowed
    expect(
      Pattern.fromJSON(spec(...Array.from({ length: STAGES - 1 }, (_, i) => stage(`s${i}`)))).stages,
    ).toHaveLength(STAGES);
    expect(MAX_PATTERN_STAGES).toBe(STAGES);
  });

  it(`refuses nesting deeper than ${DEPTH} (conditions, groups, params, a spec that refers to itself) instead of overflowing the stack`, () => {
    let not: unknown = { expr: 'v > 0' };
    for (let i = 0; i < 10_000; i++) not = { not };
    refused(
      () => Pattern.fromJSON(spec(stage('a', { where: not }))),
      /^Pattern\.fromJSON: at stages\.1\.where\.not\.not(\.not)*: nested more than 64 deep/,
    );
    let group: Record<string, unknown> = { link: 'begin', name: 'leaf' };
    for (let i = 0; i < 5_000; i++) group = { link: 'begin', group: { stages: [group] } };
    refused(() => Pattern.fromJSON({ version: 1, stages: [group] }), /nested more than 64 deep/);
    const registry = new ConditionRegistry<unknown>().define('any', () => () => true);
    let params: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) params = { p: params };
    refused(
      () => Pattern.fromJSON(spec(stage('a', { where: { name: 'any', params } })), registry),
      /nested more than 64 deep/,
    );
    const loop: Record<string, unknown> = { expr: 'v > 0' };
    const cyclic = { and: [loop, { not: { and: [] as unknown[] } }] };
    (cyclic.and[1] as { not: { and: unknown[] } }).not.and.push(cyclic);
    refused(
      () => Pattern.fromJSON(spec(stage('a', { where: cyclic }))),
      /nested more than 64 deep \(or refers to itself\)/,
    );
    expect(MAX_SPEC_DEPTH).toBe(DEPTH);
  });

  it(`refuses a spec larger than ${SIZE} characters as JSON before reading it`, () => {
    const registry = new ConditionRegistry<unknown>().define('any', () => () => true);
    const huge = spec(stage('a', { where: { name: 'any', params: { blob: 'x'.repeat(SIZE) } } }));
    refused(
      () => Pattern.fromJSON(huge, registry),
      /^Pattern\.fromJSON: the spec is larger than 1000000 characters as JSON/,
    );
    const wide = spec(stage('a', { where: { name: 'any', params: { list: Array(SIZE).fill(0) } } }));
    refused(() => Pattern.fromJSON(wide, registry), /larger than 1000000 characters/);
    expect(MAX_SPEC_SIZE).toBe(SIZE);
  });

  it('a long list of conditions builds in linear time and runs without deep recursion', () => {
    // 30 000 conditions in an `and` (about 600 KB): combining them two by two was quadratic
    const all = { and: Array.from({ length: 30_000 }, (_, i) => ({ expr: `v > ${-i}` })) };
    const t = performance.now();
    const p = Pattern.fromJSON<{ v: number }>(spec(stage('a', { where: all })));
    expect(performance.now() - t).toBeLessThan(STALL_MS);
    const h = NFATestHarness.forPattern(p);
    expect([{ v: 1 }, { v: 2 }].flatMap((e, i) => h.process(e, i))).toEqual([
      { start: [{ v: 1 }], a: [{ v: 2 }] },
    ]);
    expect(p.toJSON().stages[1]!.where).toEqual(all);
  });
});

describe('pattern specs, against prototype keys', () => {
  const untouched = () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  };
  const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

  it('refuses a "__proto__" key anywhere in a spec, naming the place', () => {
    const texts = [
      '{"version":1,"__proto__":{"polluted":1},"stages":[{"link":"begin","name":"a"}]}',
      '{"version":1,"stages":[{"link":"begin","name":"a","__proto__":{"times":3}}]}',
      '{"version":1,"stages":[{"link":"begin","name":"a","where":{"expr":"v > 0","__proto__":{"polluted":1}}}]}',
      '{"version":1,"stages":[{"link":"begin","name":"a","where":{"name":"any","params":{"__proto__":{"polluted":1}}}}]}',
    ];
    const registry = new ConditionRegistry<unknown>().define('any', () => () => true);
    for (const text of texts) {
      refused(
        () => Pattern.fromJSON(JSON.parse(text), registry),
        /^Pattern\.fromJSON: (at [\w.]+: )?the key "__proto__" is not allowed in a spec/,
      );
    }
    untouched();
  });

  it('a factory sees only the own parameters, in an object without a prototype', () => {
    const seen: Record<string, unknown>[] = [];
    const registry = new ConditionRegistry<{ v: number }>().define('above', (params) => {
      seen.push(params);
      const { limit } = params;
      if (typeof limit !== 'number') throw new Error('limit must be a number');
      return (e) => e.v > limit;
    });
    const params = JSON.parse(
      '{"limit":1,"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1}}',
    );
    const p = Pattern.fromJSON<{ v: number }>(
      spec(stage('a', { where: { name: 'above', params } })),
      registry,
    );
    expect(Object.getPrototypeOf(seen[0])).toBeNull();
    expect(seen[0]!.toString).toBeUndefined();
    expect(seen[0]!.constructor).toEqual({ prototype: { polluted: 1 } });
    expect(p.toJSON().stages[1]!.where).toEqual({ name: 'above', params });
    // in code: an inherited "limit" is not a parameter
    expect(() => registry.condition('above', Object.create({ limit: 3 }))).toThrow(/limit must be a number/);
    untouched();
  });

  it('refuses parameters that are not an object, and reports ones that cannot be written as JSON', () => {
    const registry = new ConditionRegistry<unknown>()
      .define('any', () => () => true)
      .define('picky', () => {
        throw new Error('no');
      });
    for (const bad of [null, [1], 'x', 3]) {
      refused(
        () => registry.condition('any', bad as never),
        /^ConditionRegistry: the parameters of "any" must be an object/,
      );
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    refused(
      () => registry.condition('picky', cyclic),
      /^ConditionRegistry: condition "picky" refused its parameters .*: no/,
    );
    refused(() => registry.condition('picky', { n: 1n }), /refused its parameters .*: no/);
  });

  it('stages named like inherited keys are ordinary stages', () => {
    const p = Pattern.fromJSON<{ v: number }>({
      version: 1,
      stages: [
        { link: 'begin', name: '__proto__' },
        {
          link: 'next',
          name: 'constructor',
          where: { expr: 'count(__proto__) == 1 and count(toString) == 0' },
        },
        { link: 'next', name: 'toString', where: { expr: 'first(constructor, v) == 2' } },
      ],
    });
    const h = NFATestHarness.forPattern(p);
    const out = [1, 2, 3].flatMap((v, i) => h.process({ v }, i));
    expect(out).toHaveLength(1);
    expect(Object.keys(out[0]!)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(out[0]!.constructor).toEqual([{ v: 2 }]);
    untouched();
  });
});
