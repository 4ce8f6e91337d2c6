import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConditionContext,
  ExpressionError,
  expr,
  expression,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
} from '../../src/index';

const ctx = (stages: Record<string, unknown[]> = {}, timestamp = 0): ConditionContext<any> => ({
  eventsForPattern: (name) => (stages[name] ?? []) as never[],
  timestamp,
});
const holds = (src: string, event: unknown, c = ctx()) => expr<any>(src)(event, c);

describe('the expression language', () => {
  it('reads fields, nested fields, the event itself and its time', () => {
    expect(holds('kWh > 0.4', { kWh: 0.5 })).toBe(true);
    expect(holds('kWh > 0.4', { kWh: 0.3 })).toBe(false);
    expect(holds('reading.kWh * 2 >= 1', { reading: { kWh: 0.5 } })).toBe(true);
    expect(holds('event > 3', 4)).toBe(true);
    expect(holds('$time >= 100', {}, ctx({}, 100))).toBe(true);
    expect(holds("unit == 'kWh' and not (kWh < 0)", { unit: 'kWh', kWh: 1 })).toBe(true);
    expect(holds('a == 1 && !(b != 2) || false', { a: 1, b: 2 })).toBe(true);
    expect(
      holds('abs(delta) < 1e-3 and round(x) == 2 and floor(x) == 1 and ceil(x) == 2', {
        delta: -0.0005,
        x: 1.5,
      }),
    ).toBe(true);
    expect(holds("name + '!' == 'hi!'", { name: 'hi' })).toBe(true);
    expect(holds('10 % 4 == 2 and -x == -3 and 7 / 2 == 3.5', { x: 3 })).toBe(true);
  });

  it('aggregates over the events a stage took', () => {
    const c = ctx({ high: [{ kWh: 1 }, { kWh: 3 }], 'stage 2': [5, 7] });
    expect(holds('count(high) == 2', {}, c)).toBe(true);
    expect(holds('sum(high, kWh) == 4 and avg(high, kWh) == 2', {}, c)).toBe(true);
    expect(holds('min(high, kWh) == 1 and max(high, kWh) == 3', {}, c)).toBe(true);
    expect(holds('first(high, kWh) == 1 and last(high, kWh) == 3', {}, c)).toBe(true);
    expect(holds("count('stage 2') == 2 and sum('stage 2', event) == 12", {}, c)).toBe(true);
    expect(holds('kWh > last(high, kWh)', { kWh: 4 }, c)).toBe(true);
    // over no events: count and sum are 0, the others undefined (which compares false)
    expect(holds('count(none) == 0 and sum(none, x) == 0', {}, c)).toBe(true);
    expect(holds('avg(none, x) > 0 or avg(none, x) <= 0', {}, c)).toBe(false);
  });

  it('a missing field, a non-number or an inherited key compares false instead of throwing', () => {
    expect(holds('kWh > 0', {})).toBe(false);
    expect(holds('kWh > 0', null)).toBe(false);
    expect(holds("kWh > 'a'", { kWh: 1 })).toBe(false);
    expect(holds('constructor == constructor', {})).toBe(true); // both undefined: own fields only
    expect(holds('toString != null', {})).toBe(true);
    expect(holds('__proto__.x == 1', { x: 1 })).toBe(false);
  });

  it('says what is wrong and where, when the condition is written', () => {
    const cases: [string, RegExp][] = [
      ['kWh >', /unexpected end of expression at column 6 in 'kWh >'/],
      ['kWh > )', /unexpected '\)' at column 7/],
      ['a < b < c', /comparisons do not chain/],
      ['median(high, kWh) > 1', /unknown function 'median'/],
      ['sum(high) > 1', /sum\(\) takes a stage and a field/],
      ['count(high, kWh)', /count\(\) takes only a stage/],
      ["name == 'open", /unterminated string at column 9/],
      ['kWh # 2', /unexpected '#' at column 5/],
      ['(kWh > 1', /expected '\)'/],
      ['', /unexpected end of expression/],
    ];
    for (const [src, message] of cases) {
      expect(() => expr(src), src).toThrow(ExpressionError);
      expect(() => expr(src), src).toThrow(message);
    }
  });

  it('never runs code: identifiers only name fields', () => {
    expect(holds('process', {})).toBe(false);
    expect(holds('process', { process: 1 })).toBe(true);
    expect(() => expr('globalThis.process.exit(1)')).toThrow(/unknown function 'exit'|unexpected/);
  });

  it('agrees with JavaScript on random arithmetic and comparisons', () => {
    const leaf = fc.oneof(fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom('x', 'y'));
    const arith: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.tuple(tie('e'), fc.constantFrom('+', '-', '*'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      ),
    })).e;
    fc.assert(
      fc.property(
        arith,
        fc.constantFrom('<', '<=', '>', '>=', '==', '!='),
        arith,
        fc.integer(),
        fc.integer(),
        (a, op, b, x, y) => {
          const js = op === '==' ? '===' : op === '!=' ? '!==' : op;
          const expected = new Function('x', 'y', `return ${a} ${js} ${b};`)(x, y) as boolean;
          expect(holds(`${a} ${op} ${b}`, { x, y })).toBe(expected);
        },
      ),
    );
  });
});

describe('the expression language, against hostile text', () => {
  // the documented limits (the constants are checked against them last, so a test shows its defect first)
  const DEPTH = 64;
  const LENGTH = 100_000;
  const refuses = (src: string, message: RegExp) => {
    let thrown: unknown;
    try {
      expr(src);
    } catch (e) {
      thrown = e;
    }
    expect(thrown, src.slice(0, 40)).toBeInstanceOf(ExpressionError);
    expect((thrown as Error).message).toMatch(message);
  };

  it('refuses nesting deeper than MAX_EXPRESSION_DEPTH with the column, instead of overflowing the stack', () => {
    const n = 1000;
    // the first token past the limit is the 65th opener: column 65 for '(' and '-', 4 * 64 + 1 for 'not '
    refuses(`${'('.repeat(n)}a${')'.repeat(n)}`, /expr: nested more than 64 deep .* at column 65 /);
    refuses(`${'not '.repeat(n)}a`, /expr: nested more than 64 deep .* at column 257 /);
    refuses(`${'!'.repeat(n)}a`, /expr: nested more than 64 deep .* at column 65 /);
    refuses(`${'-'.repeat(n)}a > 0`, /expr: nested more than 64 deep .* at column 65 /);
    refuses(`${'abs('.repeat(n)}a${')'.repeat(n)} > 0`, /expr: nested more than 64 deep .* at column 257 /);
    refuses(`${'-('.repeat(n)}a${')'.repeat(n)} > 0`, /expr: nested more than 64 deep/);
    // at the limit it still works
    const deep = `${'('.repeat(DEPTH)}a${')'.repeat(DEPTH)} > 0`;
    expect(expr<any>(deep)({ a: 1 }, ctx())).toBe(true);
    expect(expr<any>(`${'not '.repeat(DEPTH)}a`)({ a: 1 }, ctx())).toBe(true);
    expect(expr<any>(`${'-'.repeat(DEPTH)}a == 1`)({ a: 1 }, ctx())).toBe(true);
    expect(MAX_EXPRESSION_DEPTH).toBe(DEPTH);
  });

  it('long chains of operators are not nesting: they build and run without deep recursion', () => {
    const terms = 20_000;
    // 20 000 terms: far past any stack depth if each operator nested the one before it
    expect(expr<any>(`${Array(terms).fill('a').join(' + ')} == ${terms}`)({ a: 1 }, ctx())).toBe(true);
    expect(expr<any>(`${Array(terms).fill('a').join(' * ')} == 1`)({ a: 1 }, ctx())).toBe(true);
    expect(expr<any>(`${Array(terms).fill('a').join(' - ')} == ${2 - terms}`)({ a: 1 }, ctx())).toBe(true);
    const ids = Array.from({ length: 5_000 }, (_, i) => `id == 'm${i}'`).join(' or ');
    expect(expr<any>(ids)({ id: 'm4999' }, ctx())).toBe(true);
    expect(expr<any>(ids)({ id: 'x' }, ctx())).toBe(false);
    expect(expr<any>(Array(terms).fill('a').join('&&'))({ a: 1 }, ctx())).toBe(true);
    expect(expr<any>(Array(terms).fill('a').join('||'))({ a: 0 }, ctx())).toBe(false);
    expect(expr<any>(`(a)${'.a'.repeat(5_000)} == 1`)(nest(5_001), ctx())).toBe(true);
  });

  it('parses a field chain as long as MAX_EXPRESSION_LENGTH in linear time', () => {
    const chain = `a${'.b'.repeat((LENGTH - 1) / 2)}`;
    const member = `(a)${'.b'.repeat((LENGTH - 3) / 2)}`;
    const names = Array(LENGTH / 10)
      .fill('abcdefghi')
      .join('+');
    const numbers = Array(LENGTH / 10)
      .fill('123456789')
      .join('+');
    const strings = Array(LENGTH / 10)
      .fill("'abcdefg'")
      .join('+');
    for (const src of [chain, member, names, numbers, strings]) {
      expect(src.length).toBeLessThanOrEqual(LENGTH);
      const t = performance.now();
      expression(src);
      // quadratic parsing took minutes here (80 KB: 85 s); linear takes milliseconds. A watchdog,
      // not a speed target: far above any machine's load, far below the defect
      expect(performance.now() - t, src.slice(0, 20)).toBeLessThan(30_000);
    }
    expect(MAX_EXPRESSION_LENGTH).toBe(LENGTH);
  });

  it('refuses an expression longer than MAX_EXPRESSION_LENGTH before parsing it, quoting only a part', () => {
    const long = `a${'.b'.repeat(LENGTH)}`;
    refuses(long, /^expr: an expression may have at most 100000 characters, got 200001/);
    // a mistake in a long expression quotes the text near the column, not all of it
    const src = `${'a + '.repeat(10_000)}#`;
    let message = '';
    try {
      expr(src);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^expr: unexpected '#' at column 40001 in '….*a \+ #'$/);
    expect(message.length).toBeLessThan(200);
  });

  it('reads only own fields of the event: an inherited key is a missing field', () => {
    const missing = (field: string) => holds(`${field} == null or ${field} != null`, {});
    // both halves of the test hold for any value but undefined (== is strict)
    for (const k of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(holds(`${k} == ${k}`, {}), k).toBe(true);
      expect(missing(k), k).toBe(true);
    }
    // each of these holds if an inherited key were read, and does not when only own fields are
    expect(holds('constructor.name == "Object"', {})).toBe(false);
    expect(holds('toString.name == "toString"', {})).toBe(false);
    expect(holds('hasOwnProperty.length == 1', {})).toBe(false);
    expect(holds('__proto__.constructor.name == "Object"', {})).toBe(false);
    expect(holds('(a).constructor.name == "Object"', { a: {} })).toBe(false);
    expect(holds('a.length == 3', { a: 'abc' })).toBe(false);
    expect(holds('first(s, constructor.name) == "Object"', {}, ctx({ s: [{}] }))).toBe(false);
    expect(holds("first(s, 'toString.name') == 'toString'", {}, ctx({ s: [{}] }))).toBe(false);
    // a getter on a class is inherited too; an own field of the same name is read
    class Reading {
      get kWh() {
        return 5;
      }
    }
    expect(holds('kWh == 5', new Reading())).toBe(false);
    expect(holds('kWh == 5', { kWh: 5 })).toBe(true);
    // an own "__proto__" key (as JSON.parse makes) is an ordinary field
    expect(holds('__proto__.x == 1', JSON.parse('{"__proto__": {"x": 1}}'))).toBe(true);
    expect(holds('x == 1', JSON.parse('{"__proto__": {"x": 1}}'))).toBe(false);
  });

  it('min and max over a stage of many events do not overflow the stack', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => ({ v: i }));
    expect(holds('min(s, v) == 0 and max(s, v) == 299999', {}, ctx({ s: many }))).toBe(true);
  });
});

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
