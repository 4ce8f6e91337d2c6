import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConditionContext,
  ConditionRegistry,
  compile,
  expr,
  expression,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  MAX_PATTERN_STAGES,
  MAX_SPEC_DEPTH,
  MAX_SPEC_SIZE,
  MalformedPatternError,
  Pattern,
} from '../../src/index';
import {
  hostileExpression,
  hostileParams,
  hostileSizes,
  hostileSpec,
  PROTO_KEYS,
} from '../arbitraries/hostile';

// Law: whatever a spec, an expression or a registry's parameters hold, the library answers with
// a built pattern (or condition) or with one of its named errors (MalformedPatternError,
// ExpressionError) — never a RangeError, a TypeError, a stall or a polluted prototype. A stall is
// the defect a time bound catches. The bound is a watchdog, not a speed target (those live in
// benchmarks): 30 s per case is 30× the slowest input within the limits on a loaded 2-core
// machine (a 999-stage spec near the state limit: about 1 s), and far below what the defects took
// (80 KB of field chain: 85 s; 300 × times(10000): out of memory).

const BOUND_MS = 30_000;
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

function untouched(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  expect(Object.getPrototypeOf(Object.prototype)).toBeNull();
}

/** Runs `f`, which must return or throw a MalformedPatternError, within the time bound. */
function survives<R>(what: string, f: () => R): R | undefined {
  const t = performance.now();
  let result: R | undefined;
  try {
    result = f();
  } catch (e) {
    expect(
      e,
      `${what} threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)}`,
    ).toBeInstanceOf(MalformedPatternError);
    expect((e as Error).message.length).toBeLessThan(2_000);
  }
  expect(performance.now() - t, `${what} took too long`).toBeLessThan(BOUND_MS);
  untouched();
  return result;
}

const registry = new ConditionRegistry<unknown>()
  .define('any', () => () => true)
  .define('above', ({ limit }) => {
    if (typeof limit !== 'number') throw new Error('limit must be a number');
    return (e) => typeof e === 'number' && e > limit;
  });
for (const k of PROTO_KEYS) registry.define(k, (params) => () => Object.keys(params).length > 0);

const ctx: ConditionContext<unknown> = { eventsForPattern: () => [{ v: 1 }, { v: 2 }], timestamp: 0 };
const events: unknown[] = [
  { v: 1, a: { b: { c: 1 } } },
  JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"a":{"__proto__":1}}'),
  null,
  3,
  'text',
  [1, 2],
  Object.create(null),
];

describe('hostile input to patterns as data', () => {
  it('the arbitraries reach past every limit (fast-check caps sizes, so they are built from integers)', () => {
    const specs = fc.sample(hostileSpec, { numRuns: 400, seed: 1 }).map(hostileSizes);
    expect(Math.max(...specs.map((s) => s.depth))).toBeGreaterThan(10 * MAX_SPEC_DEPTH);
    expect(Math.max(...specs.map((s) => s.size))).toBeGreaterThan(MAX_SPEC_SIZE);
    expect(Math.max(...specs.map((s) => s.stages))).toBeGreaterThan(MAX_PATTERN_STAGES);
    const texts = fc.sample(hostileExpression, { numRuns: 400, seed: 1 });
    expect(Math.max(...texts.map((t) => t.length))).toBeGreaterThan(MAX_EXPRESSION_LENGTH);
    expect(texts.some((t) => t.startsWith('('.repeat(MAX_EXPRESSION_DEPTH + 1)))).toBe(true);
  });

  it('law: Pattern.fromJSON builds a pattern or throws MalformedPatternError, in bounded time, polluting nothing', () => {
    fc.assert(
      fc.property(hostileSpec, (spec) => {
        const p = survives('Pattern.fromJSON', () => Pattern.fromJSON(spec, registry));
        if (p === undefined) return;
        expect(p).toBeInstanceOf(Pattern);
        // what was built compiles, or is refused, as boundedly (the NFA is sized then)
        survives('compile', () => compile(p));
        survives('toJSON', () => Pattern.fromJSON(JSON.parse(JSON.stringify(p.toJSON())), registry));
      }),
    );
  });

  it('law: expr parses or throws ExpressionError naming a column; a parsed one runs without overflowing', () => {
    fc.assert(
      fc.property(hostileExpression, fc.constantFrom(...events), (src, event) => {
        const condition = survives('expr', () => expr<unknown>(src));
        const value = survives('expression', () => expression<unknown>(src));
        if (condition === undefined || value === undefined) return;
        try {
          expect(typeof condition(event, ctx)).toBe('boolean');
          value(event, ctx);
        } catch (e) {
          // the one failure a value may have: iso() of a time out of Date's range
          expect((e as Error).message).toBe('Invalid time value');
        }
        untouched();
      }),
    );
  });

  it('law: a registry builds its condition or throws MalformedPatternError, whatever the name and parameters', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('any', 'above', 'missing', ...PROTO_KEYS), fc.string({ maxLength: 8 })),
        hostileParams,
        (name, params) => {
          const c = survives('ConditionRegistry.condition', () => registry.condition(name, params as never));
          if (c !== undefined) for (const e of events) expect(typeof c(e, ctx)).toBe('boolean');
          untouched();
        },
      ),
    );
  });
});
