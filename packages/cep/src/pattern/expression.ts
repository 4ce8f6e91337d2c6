import type { Condition, ConditionContext } from './condition';
import { MalformedPatternError } from './errors';

/**
 * A small, safe expression language for conditions written as data (no `eval`, no
 * `new Function`): the text is parsed once into a tree, and the tree into closures.
 *
 * ```
 * kWh > 0.4 and unit == 'kWh'                      fields of the event being tested
 * event > 3                                        the event itself (events that are numbers)
 * reading.kWh * 2 >= last(high, reading.kWh)       nested fields; aggregates over a stage
 * count(warning) < 3 or avg(warning, kWh) < kWh    count, sum, avg, min, max, first, last
 * not (status == 'estimated') && abs(delta) < 1e-3 abs, floor, ceil, round; $time
 * ```
 *
 * - literals: numbers, 'strings' or "strings", true, false, null;
 * - `event` is the event, `$time` its timestamp; any other name is a field of the event, and
 *   `a.b` a field of a field (a missing field is `undefined`, which compares false);
 * - `+ - * / %` on numbers (`+` also joins strings), comparisons `< <= > >= == !=` (`==` is
 *   strict), `and or not` (or `&& || !`), parentheses;
 * - `fixed(x, digits)` and `iso(ms)` format numbers and times (for messages);
 * - aggregates over the events stage `s` already took in this partial match: `count(s)`,
 *   `sum(s, f)`, `avg(s, f)`, `min(s, f)`, `max(s, f)`, `first(s, f)`, `last(s, f)` (`f` a
 *   field path, or `event` for the events themselves; a stage name that is not an identifier is
 *   written as a string: `count('stage 2')`). Over no events: `count` 0, `sum` 0, the others
 *   `undefined`.
 */

/** A malformed expression: the message names the column and quotes the text. */
export class ExpressionError extends MalformedPatternError {}

type Value = unknown;
type Fn<T> = (event: T, ctx: ConditionContext<T>) => Value;

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'event' }
  | { kind: 'time' }
  | { kind: 'field'; path: string[] }
  | { kind: 'member'; of: Node; name: string }
  | { kind: 'unary'; op: '-' | 'not'; arg: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'math'; fn: 'abs' | 'floor' | 'ceil' | 'round'; arg: Node }
  | { kind: 'fixed'; arg: Node; digits: number }
  | { kind: 'iso'; arg: Node }
  | { kind: 'aggregate'; fn: Aggregate; stage: string; path: string[] | undefined };

type Aggregate = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'last';
const AGGREGATES = new Set<string>(['count', 'sum', 'avg', 'min', 'max', 'first', 'last']);
const MATH = new Set<string>(['abs', 'floor', 'ceil', 'round']);
/** Formatting, for values shown to people: `fixed(x, digits)`, `iso(ms)` (an ISO-8601 UTC time). */
const FORMAT = new Set<string>(['fixed', 'iso']);

interface Token {
  readonly type: 'number' | 'string' | 'name' | 'op' | 'end';
  readonly text: string;
  readonly value?: Value;
  readonly at: number;
}

const OPS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', '!'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (msg: string, at: number): never => {
    throw new ExpressionError(`expr: ${msg} at column ${at + 1} in '${src}'`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      i += m[0].length;
      out.push({ type: 'number', text: m[0], value: Number(m[0]), at: start });
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        text += src[j];
        j++;
      }
      if (j >= src.length) fail('unterminated string', start);
      i = j + 1;
      out.push({ type: 'string', text: src.slice(start, i), value: text, at: start });
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(i))!;
      i += m[0].length;
      out.push({ type: 'name', text: m[0], at: start });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) fail(`unexpected '${c}'`, start);
    i += op!.length;
    out.push({ type: 'op', text: op!, at: start });
  }
  out.push({ type: 'end', text: 'end of expression', at: src.length });
  return out;
}

/** Parses `src` into a tree: precedence climbing, lowest first (or, and, not, comparison, +, *). */
function parse(src: string): Node {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p]!;
  const fail = (msg: string, t: Token = peek()): never => {
    throw new ExpressionError(`expr: ${msg} at column ${t.at + 1} in '${src}'`);
  };
  const isOp = (...texts: string[]) => {
    const t = peek();
    return (t.type === 'op' || t.type === 'name') && texts.includes(t.text);
  };
  const expect = (text: string) => {
    if (!isOp(text)) fail(`expected '${text}' but found '${peek().text}'`);
    p++;
  };

  const or = (): Node => {
    let left = and();
    while (isOp('or', '||')) {
      p++;
      left = { kind: 'binary', op: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): Node => {
    let left = not();
    while (isOp('and', '&&')) {
      p++;
      left = { kind: 'binary', op: 'and', left, right: not() };
    }
    return left;
  };
  const not = (): Node => {
    if (isOp('not', '!')) {
      p++;
      return { kind: 'unary', op: 'not', arg: not() };
    }
    return comparison();
  };
  const comparison = (): Node => {
    const left = additive();
    if (isOp('<', '<=', '>', '>=', '==', '!=')) {
      const op = tokens[p++]!.text;
      const right = additive();
      if (isOp('<', '<=', '>', '>=', '==', '!=')) fail("comparisons do not chain; join them with 'and'");
      return { kind: 'binary', op, left, right };
    }
    return left;
  };
  const additive = (): Node => {
    let left = multiplicative();
    while (isOp('+', '-')) {
      const op = tokens[p++]!.text;
      left = { kind: 'binary', op, left, right: multiplicative() };
    }
    return left;
  };
  const multiplicative = (): Node => {
    let left = unary();
    while (isOp('*', '/', '%')) {
      const op = tokens[p++]!.text;
      left = { kind: 'binary', op, left, right: unary() };
    }
    return left;
  };
  const unary = (): Node => {
    if (isOp('-')) {
      p++;
      return { kind: 'unary', op: '-', arg: unary() };
    }
    return postfix();
  };
  const postfix = (): Node => {
    let node = primary();
    while (isOp('.')) {
      p++;
      const t = peek();
      if (t.type !== 'name') fail(`expected a field name after '.' but found '${t.text}'`);
      p++;
      node =
        node.kind === 'field'
          ? { kind: 'field', path: [...node.path, t.text] }
          : { kind: 'member', of: node, name: t.text };
    }
    return node;
  };
  /** A stage reference: a name or a string. */
  const stageRef = (fn: string): string => {
    const t = peek();
    if (t.type === 'name' || t.type === 'string') {
      p++;
      return t.type === 'name' ? t.text : (t.value as string);
    }
    return fail(`${fn}() takes a stage name first, found '${t.text}'`);
  };
  /** A field path in an aggregate: `a.b.c`, a string, or `event`. */
  const fieldPath = (fn: string): string[] | undefined => {
    const t = peek();
    if (t.type === 'string') {
      p++;
      return String(t.value).split('.');
    }
    if (t.type !== 'name') fail(`${fn}() takes a field after the stage, found '${t.text}'`);
    p++;
    if (t.text === 'event') return undefined;
    const path = [t.text];
    while (isOp('.')) {
      p++;
      const f = peek();
      if (f.type !== 'name') fail(`expected a field name after '.' but found '${f.text}'`);
      p++;
      path.push(f.text);
    }
    return path;
  };
  const primary = (): Node => {
    const t = peek();
    if (t.type === 'number' || t.type === 'string') {
      p++;
      return { kind: 'literal', value: t.value };
    }
    if (t.type === 'op' && t.text === '(') {
      p++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (t.type === 'name') {
      p++;
      if (isOp('(')) {
        p++;
        if (AGGREGATES.has(t.text)) {
          const fn = t.text as Aggregate;
          const stage = stageRef(fn);
          let path: string[] | undefined;
          if (fn === 'count') {
            if (isOp(',')) fail('count() takes only a stage');
          } else {
            if (!isOp(',')) fail(`${fn}() takes a stage and a field: ${fn}(stage, field)`);
            p++;
            path = fieldPath(fn);
          }
          expect(')');
          return { kind: 'aggregate', fn, stage, path };
        }
        if (t.text === 'fixed') {
          const arg = or();
          expect(',');
          const d = peek();
          if (
            !(
              d.type === 'number' &&
              Number.isInteger(d.value) &&
              (d.value as number) >= 0 &&
              (d.value as number) <= 20
            )
          ) {
            fail('fixed() takes a number and a count of digits from 0 to 20');
          }
          p++;
          expect(')');
          return { kind: 'fixed', arg, digits: d.value as number };
        }
        if (t.text === 'iso') {
          const arg = or();
          expect(')');
          return { kind: 'iso', arg };
        }
        if (MATH.has(t.text)) {
          const arg = or();
          if (isOp(',')) fail(`${t.text}() takes one argument`);
          expect(')');
          return { kind: 'math', fn: t.text as 'abs', arg };
        }
        return fail(
          `unknown function '${t.text}' (functions: ${[...AGGREGATES, ...MATH, ...FORMAT].join(', ')})`,
          t,
        );
      }
      switch (t.text) {
        case 'true':
          return { kind: 'literal', value: true };
        case 'false':
          return { kind: 'literal', value: false };
        case 'null':
          return { kind: 'literal', value: null };
        case 'event':
          return { kind: 'event' };
        case '$time':
          return { kind: 'time' };
        case 'and':
        case 'or':
        case 'not':
          return fail(`unexpected '${t.text}'`, t);
        default:
          return { kind: 'field', path: [t.text] };
      }
    }
    return fail(t.type === 'end' ? 'unexpected end of expression' : `unexpected '${t.text}'`, t);
  };

  const tree = or();
  if (peek().type !== 'end') fail(`unexpected '${peek().text}'`);
  return tree;
}

/** Own fields only: an expression cannot reach `__proto__`, `constructor` or other inherited keys. */
function get(x: Value, path: readonly string[]): Value {
  let v = x;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, Value>)[k];
  }
  return v;
}

const num = (v: Value): number => (typeof v === 'number' ? v : Number.NaN);

function closure<T>(n: Node): Fn<T> {
  switch (n.kind) {
    case 'literal': {
      const v = n.value;
      return () => v;
    }
    case 'event':
      return (e) => e;
    case 'time':
      return (_e, ctx) => ctx.timestamp;
    case 'field': {
      const path = n.path;
      if (path.length === 1) {
        const k = path[0]!;
        return (e) =>
          e !== null && typeof e === 'object' && Object.hasOwn(e, k) ? (e as never)[k] : undefined;
      }
      return (e) => get(e, path);
    }
    case 'member': {
      const of = closure<T>(n.of);
      const path = [n.name];
      return (e, ctx) => get(of(e, ctx), path);
    }
    case 'unary': {
      const arg = closure<T>(n.arg);
      return n.op === '-' ? (e, ctx) => -num(arg(e, ctx)) : (e, ctx) => !truthy(arg(e, ctx));
    }
    case 'math': {
      const arg = closure<T>(n.arg);
      const f = Math[n.fn];
      return (e, ctx) => f(num(arg(e, ctx)));
    }
    case 'aggregate':
      return aggregate<T>(n.fn, n.stage, n.path);
    case 'fixed': {
      const arg = closure<T>(n.arg);
      const digits = n.digits;
      return (e, ctx) => {
        const v = arg(e, ctx);
        return typeof v === 'number' ? v.toFixed(digits) : undefined;
      };
    }
    case 'iso': {
      const arg = closure<T>(n.arg);
      return (e, ctx) => {
        const v = arg(e, ctx);
        return typeof v === 'number' && Number.isFinite(v) ? new Date(v).toISOString() : undefined;
      };
    }
    case 'binary': {
      const l = closure<T>(n.left);
      const r = closure<T>(n.right);
      switch (n.op) {
        case 'and':
          return (e, ctx) => truthy(l(e, ctx)) && truthy(r(e, ctx));
        case 'or':
          return (e, ctx) => truthy(l(e, ctx)) || truthy(r(e, ctx));
        case '+':
          return (e, ctx) => {
            const a = l(e, ctx);
            const b = r(e, ctx);
            return typeof a === 'string' && typeof b === 'string' ? a + b : num(a) + num(b);
          };
        case '-':
          return (e, ctx) => num(l(e, ctx)) - num(r(e, ctx));
        case '*':
          return (e, ctx) => num(l(e, ctx)) * num(r(e, ctx));
        case '/':
          return (e, ctx) => num(l(e, ctx)) / num(r(e, ctx));
        case '%':
          return (e, ctx) => num(l(e, ctx)) % num(r(e, ctx));
        case '==':
          return (e, ctx) => l(e, ctx) === r(e, ctx);
        case '!=':
          return (e, ctx) => l(e, ctx) !== r(e, ctx);
        default: {
          const op = n.op;
          return (e, ctx) => compare(op, l(e, ctx), r(e, ctx));
        }
      }
    }
    default: {
      const never: never = n;
      throw new Error(`unknown node ${JSON.stringify(never)}`);
    }
  }
}

/** `<` and friends on two numbers or two strings; anything else (undefined, NaN, mixed) is false. */
function compare(op: string, a: Value, b: Value): boolean {
  const ok =
    (typeof a === 'number' && typeof b === 'number' && !Number.isNaN(a) && !Number.isNaN(b)) ||
    (typeof a === 'string' && typeof b === 'string');
  if (!ok) return false;
  const x = a as number;
  const y = b as number;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

function truthy(v: Value): boolean {
  return (
    v === true ||
    (typeof v === 'number' && v !== 0 && !Number.isNaN(v)) ||
    (typeof v === 'string' && v !== '')
  );
}

function aggregate<T>(fn: Aggregate, stage: string, path: readonly string[] | undefined): Fn<T> {
  const values = (ctx: ConditionContext<T>): Value[] => {
    const events = ctx.eventsForPattern(stage);
    return path === undefined ? [...events] : events.map((e) => get(e, path));
  };
  switch (fn) {
    case 'count':
      return (_e, ctx) => ctx.eventsForPattern(stage).length;
    case 'sum':
      return (_e, ctx) => values(ctx).reduce<number>((s, v) => s + num(v), 0);
    case 'avg':
      return (_e, ctx) => {
        const vs = values(ctx);
        return vs.length === 0 ? undefined : vs.reduce<number>((s, v) => s + num(v), 0) / vs.length;
      };
    case 'min':
    case 'max':
      return (_e, ctx) => {
        const vs = values(ctx).map(num);
        return vs.length === 0 ? undefined : fn === 'min' ? Math.min(...vs) : Math.max(...vs);
      };
    case 'first':
      return (_e, ctx) => values(ctx)[0];
    case 'last':
      return (_e, ctx) => values(ctx).at(-1);
    default: {
      const never: never = fn;
      throw new Error(`unknown aggregate ${String(never)}`);
    }
  }
}

/** The stages an expression's aggregates read. */
function stagesOf(n: Node, into: Set<string>): Set<string> {
  switch (n.kind) {
    case 'aggregate':
      into.add(n.stage);
      break;
    case 'unary':
    case 'math':
    case 'fixed':
    case 'iso':
      stagesOf(n.arg, into);
      break;
    case 'member':
      stagesOf(n.of, into);
      break;
    case 'binary':
      stagesOf(n.left, into);
      stagesOf(n.right, into);
      break;
    default:
      break;
  }
  return into;
}

/** A parsed expression: its condition and the stages it reads. */
export interface CompiledExpression<T> {
  readonly condition: Condition<T>;
  readonly stages: ReadonlySet<string>;
}

/**
 * An expression that gives a value rather than a truth (for templates and computed fields):
 * `expression('fixed(avg(warning, average), 3)')`. Same language and errors as `expr`.
 *
 * @example
 * const detail = expression<Reading>("fixed(kWh, 2) + ' kWh'");
 * detail(reading, { eventsForPattern: () => [], timestamp: 0 }); // '0.42 kWh'
 */
export function expression<T>(src: string): (event: T, ctx: ConditionContext<T>) => unknown {
  if (typeof src !== 'string')
    throw new ExpressionError(`expr: an expression must be a string, got ${typeof src}`);
  return closure<T>(parse(src));
}

/** Parses and compiles `src`; throws `ExpressionError` naming the column of the first mistake. */
export function compileExpression<T>(src: string): CompiledExpression<T> {
  if (typeof src !== 'string')
    throw new ExpressionError(`expr: an expression must be a string, got ${typeof src}`);
  const tree = parse(src);
  const fn = closure<T>(tree);
  return { condition: (e, ctx) => truthy(fn(e, ctx)), stages: stagesOf(tree, new Set()) };
}
