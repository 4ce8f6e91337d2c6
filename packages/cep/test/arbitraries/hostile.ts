import fc from 'fast-check';
import {
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  MAX_PATTERN_STAGES,
  MAX_SPEC_DEPTH,
  MAX_SPEC_SIZE,
} from '../../src/index';

// Hostile inputs for Pattern.fromJSON, expr and the condition registry: random JSON, specs near
// and past every limit, deep nesting, huge quantifiers, long texts and prototype keys. fast-check
// caps generated sizes at its `size` setting, so every large input is built explicitly from an
// integer (integers are not capped) — `hostileSizes` below samples them to show they get there.

/** Keys that name inherited properties, and a marker a pollution would leave behind. */
export const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'polluted',
] as const;

const names = fc.oneof(
  fc.constantFrom('a', 'b', 'c', ...PROTO_KEYS, '$endState$', 'x:y', ''),
  fc.string({ maxLength: 12 }),
);

/** Pieces of expressions: the language's tokens, broken ones, and prototype keys. */
const tokens = fc.constantFrom(
  'a',
  'b.c',
  'event',
  '$time',
  '1',
  '0.5',
  '1e308',
  "'s'",
  '"t"',
  "'",
  '"',
  '\\',
  '(',
  ')',
  ',',
  '.',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '<=',
  '==',
  '!=',
  '>',
  '>=',
  'and',
  'or',
  'not',
  '!',
  '&&',
  '||',
  'count(a)',
  'sum(a, v)',
  'min(a, v)',
  'last(a, event)',
  'abs(',
  'fixed(',
  'iso(',
  'round(',
  '#',
  '__proto__',
  'constructor.prototype',
  'a.__proto__.polluted',
  'toString',
  'a.constructor',
  ' ',
);

/** A long text: one unit repeated up to a length around MAX_EXPRESSION_LENGTH. */
const longText = fc
  .tuple(
    fc.constantFrom(
      '(',
      'not ',
      '!',
      '-',
      'a.',
      '.b',
      'abs(',
      'a+',
      'a and ',
      'a or ',
      "'x",
      '"',
      '\\',
      '1',
      'a ',
      '-(',
      'fixed(a,',
      ')',
    ),
    fc.oneof(
      fc.integer({ min: 0, max: MAX_EXPRESSION_LENGTH + 1_000 }),
      fc.constantFrom(MAX_EXPRESSION_LENGTH - 1, MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_LENGTH + 1),
      fc.integer({ min: 0, max: 4 * MAX_EXPRESSION_DEPTH }),
    ),
    fc.constantFrom('', 'a', 'a)', ') > 0', ' > 0'),
  )
  .map(([unit, length, tail]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length) + tail);

/** Expressions: token soup, long texts, nesting around MAX_EXPRESSION_DEPTH. */
export const hostileExpression: fc.Arbitrary<string> = fc.oneof(
  fc.array(tokens, { maxLength: 30 }).map((ts) => ts.join(' ')),
  fc.array(tokens, { maxLength: 30 }).map((ts) => ts.join('')),
  longText,
  fc
    .tuple(
      fc.constantFrom('(', 'not (', '-(', 'abs(', 'round('),
      fc.integer({ min: 0, max: 3 * MAX_EXPRESSION_DEPTH }),
    )
    .map(([open, n]) => `${open.repeat(n)}a${')'.repeat(n)} > 0`),
  fc.string({ maxLength: 40 }),
);

/** Any value, including odd objects a caller might hand over instead of data. */
const oddities = fc.constantFrom<unknown>(
  undefined,
  null,
  '{}',
  42,
  Number.NaN,
  [],
  new Date(0),
  new Map(),
  Object.create(null),
  Object.create({ version: 1, stages: [{ link: 'begin', name: 'a' }] }),
  {
    get version(): number {
      throw new Error('boom');
    },
  },
  new Proxy(
    {},
    {
      ownKeys() {
        throw new TypeError('no keys');
      },
    },
  ),
  { version: 1, stages: [{ link: 'begin', name: 'a', where: { expr: 'a' }, within: 1n }] },
  { version: 1, stages: [{ link: 'begin', name: 'a', where: { name: 'any', params: { f: () => 1 } } }] },
);

const condition: fc.Arbitrary<unknown> = fc.letrec<{ c: unknown }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileExpression.map((expr) => ({ expr })),
    fc.record(
      {
        name: fc.constantFrom('any', 'above', 'missing', ...PROTO_KEYS),
        params: fc.oneof(
          fc.dictionary(fc.constantFrom('limit', ...PROTO_KEYS), fc.jsonValue({ maxDepth: 2 }), {
            maxKeys: 4,
          }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      },
      { requiredKeys: ['name'] },
    ),
    fc.array(tie('c'), { maxLength: 4 }).map((and) => ({ and })),
    fc.array(tie('c'), { maxLength: 4 }).map((or) => ({ or })),
    tie('c').map((not) => ({ not })),
  ),
})).c;

const quantity = fc.oneof(
  fc.integer({ min: -1, max: 4 }),
  fc.integer({ min: 1, max: 20_000 }),
  fc.constantFrom(10_000, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e308, 0.5),
);

const stage: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    link: fc.constantFrom(
      'begin',
      'next',
      'followedBy',
      'followedByAny',
      'notNext',
      'notFollowedBy',
      'sideways',
    ),
    name: names,
    where: condition,
    until: condition,
    times: fc.oneof(quantity, fc.tuple(quantity, quantity)),
    timesOrMore: quantity,
    oneOrMore: fc.boolean(),
    consecutive: fc.boolean(),
    allowCombinations: fc.boolean(),
    optional: fc.boolean(),
    greedy: fc.boolean(),
    within: fc.oneof(fc.integer({ min: -1, max: 100 }), fc.constant(1e308)),
    withinPreviousAndCurrent: fc.integer({ min: -1, max: 100 }),
  },
  { requiredKeys: ['link'] },
);

/** Specs of random stages (mostly schema-valid), and groups of them. */
const randomSpec = fc
  .tuple(
    fc.array(stage, { minLength: 1, maxLength: 6 }),
    fc.option(fc.array(stage, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    fc.option(
      fc.record(
        {
          strategy: fc.constantFrom(
            'noSkip',
            'skipToNext',
            'skipPastLastEvent',
            'skipToFirst',
            'skipToLast',
            'x',
          ),
          stage: names,
          throwExceptionOnMiss: fc.boolean(),
        },
        { requiredKeys: ['strategy'] },
      ),
      { nil: undefined },
    ),
    fc.option(quantity, { nil: undefined }),
  )
  .map(([stages, group, skip, groupTimes]) => {
    const all: Record<string, unknown>[] = stages.map((s, i) => (i === 0 ? { ...s, link: 'begin' } : s));
    if (group !== undefined) {
      all.push({
        link: 'followedBy',
        group: { stages: group.map((s, i) => (i === 0 ? { ...s, link: 'begin' } : s)) },
        ...(groupTimes === undefined ? {} : { times: groupTimes }),
      });
    }
    return { version: 1, ...(skip === undefined ? {} : { skip }), stages: all };
  });

/** Many stages with large quantifiers: positions around and far past MAX_PATTERN_STATES. */
const hugeQuantifiers = fc
  .tuple(
    fc.oneof(
      fc.integer({ min: 1, max: MAX_PATTERN_STAGES + 50 }),
      fc.constantFrom(MAX_PATTERN_STAGES - 1, MAX_PATTERN_STAGES, MAX_PATTERN_STAGES + 1),
    ),
    fc.constantFrom(1, 10, 100, 1_000, 10_000),
    fc.constantFrom('times', 'timesOrMore', 'range', 'group'),
  )
  .map(([n, times, kind]) => {
    const quantified = (name: string) =>
      kind === 'times'
        ? { link: 'followedBy', name, times }
        : kind === 'timesOrMore'
          ? { link: 'followedBy', name, timesOrMore: times }
          : kind === 'range'
            ? { link: 'followedBy', name, times: [0, times], optional: true }
            : {
                link: 'next',
                group: {
                  stages: [
                    { link: 'begin', name: `${name}g` },
                    { link: 'next', name },
                  ],
                },
                times,
              };
    return {
      version: 1,
      stages: [
        { link: 'begin', name: 'start' },
        ...Array.from({ length: n - 1 }, (_, i) => quantified(`s${i}`)),
      ],
    };
  });

/** Nesting built iteratively to a depth around and far past MAX_SPEC_DEPTH (or a cycle). */
const deepSpec = fc
  .tuple(
    fc.oneof(
      fc.integer({ min: 0, max: 4 * MAX_SPEC_DEPTH }),
      fc.integer({ min: 0, max: 20_000 }),
      fc.constantFrom(MAX_SPEC_DEPTH - 8, MAX_SPEC_DEPTH, MAX_SPEC_DEPTH + 1),
    ),
    fc.constantFrom('not', 'and', 'group', 'params', 'array', 'cycle'),
  )
  .map(([depth, kind]) => {
    const wrap = (where: unknown) => ({ version: 1, stages: [{ link: 'begin', name: 'a', where }] });
    switch (kind) {
      case 'not': {
        let c: unknown = { expr: 'v > 0' };
        for (let i = 0; i < depth; i++) c = { not: c };
        return wrap(c);
      }
      case 'and': {
        let c: unknown = { expr: 'v > 0' };
        for (let i = 0; i < depth; i++) c = { and: [c, { expr: 'v < 9' }] };
        return wrap(c);
      }
      case 'group': {
        let s: Record<string, unknown> = { link: 'begin', name: 'leaf' };
        for (let i = 0; i < depth; i++) s = { link: 'begin', group: { stages: [s] } };
        return { version: 1, stages: [s] };
      }
      case 'params': {
        let p: unknown = 1;
        for (let i = 0; i < depth; i++) p = { p };
        return wrap({ name: 'any', params: { p } });
      }
      case 'array': {
        let p: unknown = [];
        for (let i = 0; i < depth; i++) p = [p];
        return wrap({ name: 'any', params: { p } });
      }
      default: {
        const c: { and: unknown[] } = { and: [{ expr: 'v > 0' }] };
        c.and.push(c);
        return wrap(c);
      }
    }
  });

/** Long strings, wide lists and long condition lists: sizes around MAX_SPEC_SIZE. */
const largeSpec = fc
  .tuple(
    fc.oneof(
      fc.integer({ min: 0, max: MAX_SPEC_SIZE + 10_000 }),
      fc.constantFrom(MAX_SPEC_SIZE - 200, MAX_SPEC_SIZE + 1),
    ),
    fc.constantFrom('string', 'list', 'and', 'stages', 'expr'),
  )
  .map(([size, kind]) => {
    const wrap = (where: unknown) => ({ version: 1, stages: [{ link: 'begin', name: 'a', where }] });
    switch (kind) {
      case 'string':
        return wrap({ name: 'any', params: { s: 'x'.repeat(size) } });
      case 'list':
        return wrap({ name: 'any', params: { l: Array(Math.floor(size / 2)).fill(0) } });
      case 'and':
        return wrap({ and: Array.from({ length: Math.floor(size / 20) }, () => ({ expr: 'v > 0' })) });
      case 'stages':
        return { version: 1, stages: Array.from({ length: Math.floor(size / 20) }, () => ({})) };
      default:
        return wrap({ expr: `${'a+'.repeat(Math.floor(size / 2))}a` });
    }
  });

/** A spec as parsed from text with `__proto__` / `constructor.prototype` keys in one of its objects. */
const protoKeyed = fc
  .tuple(randomSpec, fc.nat(), fc.constantFrom('__proto__', 'constructor', 'prototype'))
  .map(([spec, at, key]) => {
    const objects: Record<string, unknown>[] = [];
    const stack: unknown[] = [spec];
    while (stack.length > 0) {
      const v = stack.pop();
      if (v !== null && typeof v === 'object') {
        if (!Array.isArray(v)) objects.push(v as Record<string, unknown>);
        stack.push(...Object.values(v));
      }
    }
    objects[at % objects.length]!['@@inject@@'] = 0;
    const payload = key === 'prototype' ? '{"polluted":1}' : '{"prototype":{"polluted":1},"polluted":1}';
    // JSON.parse makes "__proto__" an own key, as a spec read from a file has it
    return JSON.parse(JSON.stringify(spec).replace('"@@inject@@":0', `"${key}":${payload}`)) as unknown;
  });

/** Everything Pattern.fromJSON should survive. */
export const hostileSpec: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }),
  oddities,
  randomSpec,
  protoKeyed,
  hugeQuantifiers,
  deepSpec,
  largeSpec,
);

/** Parameters for a registry entry: any value, JSON with prototype keys, odd objects. */
export const hostileParams: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ withNullPrototype: true, withMap: true, withSet: true, withBigInt: true, withDate: true }),
  fc
    .dictionary(fc.constantFrom('limit', ...PROTO_KEYS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
    .map((d) => JSON.parse(JSON.stringify(d)) as unknown),
  fc.jsonValue().map((v) => JSON.parse(`{"__proto__":${JSON.stringify(v) ?? 'null'},"limit":1}`) as unknown),
  oddities,
);

/** How far each kind of input goes, to check the arbitraries reach past the limits. */
export function hostileSizes(spec: unknown): { depth: number; size: number; stages: number } {
  let depth = 0;
  let size = 0;
  const stack: [unknown, number][] = [[spec, 0]];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    depth = Math.max(depth, d);
    if (typeof v === 'string') size += v.length;
    else if (v !== null && typeof v === 'object' && !seen.has(v) && d < 100_000) {
      seen.add(v);
      let values: unknown[] = [];
      try {
        values = Object.values(v);
      } catch {
        // an oddity whose getter or proxy throws: nothing to measure
      }
      for (const x of values) {
        size += 1;
        stack.push([x, d + 1]);
      }
    }
  }
  const stages =
    spec !== null && typeof spec === 'object' && Array.isArray((spec as { stages?: unknown }).stages)
      ? (spec as { stages: unknown[] }).stages.length
      : 0;
  return { depth, size, stages };
}
