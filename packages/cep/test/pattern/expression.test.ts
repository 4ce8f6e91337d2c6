import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConditionContext, ExpressionError, expr } from '../../src/index';

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
