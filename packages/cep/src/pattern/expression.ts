import type { Condition, ConditionContext } from './condition';
import { MalformedPatternError } from './errors';
import { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from './limits';

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
 *
 * An expression has at most `MAX_EXPRESSION_LENGTH` characters and `MAX_EXPRESSION_DEPTH` levels
 * of nesting; both are checked while parsing, so a hostile text is an `ExpressionError`, never a
 * stack overflow or a stall.
 */

/** A malformed expression: the message names the column and quotes the text. */
export class ExpressionError extends MalformedPatternError {}

type Value = unknown;
type Fn<T> = (event: T, ctx: ConditionContext<T>) => Value;

// Chains of one precedence level (`a or b or c`, `x + y - z`) are one node with a list, not a
// nested tree: a long chain then neither parses nor runs by deep recursion. Only parentheses,
// calls and prefix operators nest, and they are bounded by MAX_EXPRESSION_DEPTH.
type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'event' }
  | { kind: 'time' }
  | { kind: 'field'; path: string[] }
  | { kind: 'member'; of: Node; path: string[] }
  | { kind: 'unary'; op: '-' | 'not'; arg: Node }
  | { kind: 'logic'; op: 'and' | 'or'; args: Node[] }
  | { kind: 'arith'; first: Node; rest: { op: ArithOp; arg: Node }[] }
  | { kind: 'compare'; op: CompareOp; left: Node; right: Node }
  | { kind: 'math'; fn: 'abs' | 'floor' | 'ceil' | 'round'; arg: Node }
  | { kind: 'fixed'; arg: Node; digits: number }
  | { kind: 'iso'; arg: Node }
  | { kind: 'aggregate'; fn: Aggregate; stage: string; path: string[] | undefined };

type ArithOp = '+' | '-' | '*' | '/' | '%';
type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
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
// Sticky patterns match at `lastIndex` without copying the rest of the text: slicing it for each
// token made a long expression quadratic (80 KB of `a.b.b…` took 85 s).
const SPACE = /\s+/y;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_$][\w$]*/y;

/** The text for an error message, on one line: all of it when short, else the part around the column. */
function quote(src: string, at: number): string {
  const from = src.length <= 80 ? 0 : Math.max(0, at - 60);
  const to = src.length <= 80 ? src.length : Math.min(src.length, at + 20);
  const text = src.slice(from, to).replace(/[\r\n\t]/g, ' ');
  return `'${from > 0 ? '…' : ''}${text}${to < src.length ? '…' : ''}'`;
}

function errorAt(src: string, msg: string, at: number): ExpressionError {
  return new ExpressionError(`expr: ${msg} at column ${at + 1} in ${quote(src, at)}`);
}

function matchAt(re: RegExp, src: string, i: number): string | undefined {
  re.lastIndex = i;
  return re.exec(src)?.[0];
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (msg: string, at: number): never => {
    throw errorAt(src, msg, at);
  };
  while (i < src.length) {
    const c = src[i]!;
    const space = matchAt(SPACE, src, i);
    if (space !== undefined) {
      i += space.length;
      continue;
    }
    const start = i;
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = matchAt(NUMBER, src, i)!;
      i += m.length;
      out.push({ type: 'number', text: m, value: Number(m), at: start });
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      const parts: string[] = [];
      let from = j;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          parts.push(src.slice(from, j));
          j++;
          from = j;
        }
        j++;
      }
      if (j >= src.length) fail('unterminated string', start);
      parts.push(src.slice(from, j));
      i = j + 1;
      out.push({ type: 'string', text: src.slice(start, i), value: parts.join(''), at: start });
      continue;
    }
    const name = matchAt(NAME, src, i);
    if (name !== undefined) {
      i += name.length;
      out.push({ type: 'name', text: name, at: start });
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
  if (typeof src !== 'string') {
    throw new ExpressionError(
      `expr: an expression must be a string, got ${src === null ? 'null' : typeof src}`,
    );
  }
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `expr: an expression may have at most ${MAX_EXPRESSION_LENGTH} characters, got ${src.length} (see MAX_EXPRESSION_LENGTH)`,
    );
  }
  const tokens = tokenize(src);
  let p = 0;
  let depth = 0;
  const peek = () => tokens[p]!;
  const fail = (msg: string, t: Token = peek()): never => {
    throw errorAt(src, msg, t.at);
  };
  const isOp = (...texts: string[]) => {
    const t = peek();
    return (t.type === 'op' || t.type === 'name') && texts.includes(t.text);
  };
  const expect = (text: string) => {
    if (!isOp(text)) fail(`expected '${text}' but found '${peek().text}'`);
    p++;
  };
  /** One more level of nesting, refused past the limit before the parser recurses into it. */
  const nested = <N>(t: Token, inner: () => N): N => {
    if (++depth > MAX_EXPRESSION_DEPTH) {
      fail(
        `nested more than ${MAX_EXPRESSION_DEPTH} deep (parentheses, calls, not, unary minus; see MAX_EXPRESSION_DEPTH)`,
        t,
      );
    }
    const n = inner();
    depth--;
    return n;
  };

  const logic = (op: 'and' | 'or', texts: string[], operand: () => Node): Node => {
    const first = operand();
    if (!isOp(...texts)) return first;
    const args = [first];
    while (isOp(...texts)) {
      p++;
      args.push(operand());
    }
    return { kind: 'logic', op, args };
  };
  const or = (): Node => logic('or', ['or', '||'], and);
  const and = (): Node => logic('and', ['and', '&&'], not);
  const not = (): Node => {
    if (isOp('not', '!')) {
      const t = tokens[p++]!;
      return nested(t, () => ({ kind: 'unary', op: 'not', arg: not() }));
    }
    return comparison();
  };
  const comparison = (): Node => {
    const left = additive();
    if (isOp('<', '<=', '>', '>=', '==', '!=')) {
      const op = tokens[p++]!.text as CompareOp;
      const right = additive();
      if (isOp('<', '<=', '>', '>=', '==', '!=')) fail("comparisons do not chain; join them with 'and'");
      return { kind: 'compare', op, left, right };
    }
    return left;
  };
  const arith = (ops: ArithOp[], operand: () => Node): Node => {
    const first = operand();
    if (!isOp(...ops)) return first;
    const rest: { op: ArithOp; arg: Node }[] = [];
    while (isOp(...ops)) {
      const op = tokens[p++]!.text as ArithOp;
      rest.push({ op, arg: operand() });
    }
    return { kind: 'arith', first, rest };
  };
  const additive = (): Node => arith(['+', '-'], multiplicative);
  const multiplicative = (): Node => arith(['*', '/', '%'], unary);
  const unary = (): Node => {
    if (isOp('-')) {
      const t = tokens[p++]!;
      return nested(t, () => ({ kind: 'unary', op: '-', arg: unary() }));
    }
    return postfix();
  };
  /** `.a.b.c` after a node, appended to one path (copying the path for each name was quadratic). */
  const names = (path: string[]): string[] => {
    while (isOp('.')) {
      p++;
      const t = peek();
      if (t.type !== 'name') fail(`expected a field name after '.' but found '${t.text}'`);
      p++;
      path.push(t.text);
    }
    return path;
  };
  const postfix = (): Node => {
    const node = primary();
    if (!isOp('.')) return node;
    if (node.kind === 'field') {
      names(node.path);
      return node;
    }
    return { kind: 'member', of: node, path: names([]) };
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
    return names([t.text]);
  };
  const call = (t: Token): Node => {
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
  };
  const primary = (): Node => {
    const t = peek();
    if (t.type === 'number' || t.type === 'string') {
      p++;
      return { kind: 'literal', value: t.value };
    }
    if (t.type === 'op' && t.text === '(') {
      p++;
      return nested(t, () => {
        const inner = or();
        expect(')');
        return inner;
      });
    }
    if (t.type === 'name') {
      p++;
      if (isOp('(')) {
        p++;
        return nested(t, () => call(t));
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
      const path = n.path;
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
    case 'logic': {
      const args = n.args.map((a) => closure<T>(a));
      if (n.op === 'and') {
        return (e, ctx) => {
          for (const a of args) if (!truthy(a(e, ctx))) return false;
          return true;
        };
      }
      return (e, ctx) => {
        for (const a of args) if (truthy(a(e, ctx))) return true;
        return false;
      };
    }
    case 'arith': {
      const first = closure<T>(n.first);
      const rest = n.rest.map(({ op, arg }) => ({ apply: ARITH[op], arg: closure<T>(arg) }));
      return (e, ctx) => {
        let acc = first(e, ctx);
        for (const { apply, arg } of rest) acc = apply(acc, arg(e, ctx));
        return acc;
      };
    }
    case 'compare': {
      const l = closure<T>(n.left);
      const r = closure<T>(n.right);
      switch (n.op) {
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

/** `+` joins two strings; otherwise the operators work on numbers (anything else is NaN). */
const ARITH: Record<ArithOp, (a: Value, b: Value) => Value> = {
  '+': (a, b) => (typeof a === 'string' && typeof b === 'string' ? a + b : num(a) + num(b)),
  '-': (a, b) => num(a) - num(b),
  '*': (a, b) => num(a) * num(b),
  '/': (a, b) => num(a) / num(b),
  '%': (a, b) => num(a) % num(b),
};

/** `<` and friends on two numbers or two strings; anything else (undefined, NaN, mixed) is false. */
function compare(op: CompareOp, a: Value, b: Value): boolean {
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
    case 'max': {
      // a loop, not Math.min(...values): spreading a long stage's values overflows the stack
      const pick = fn === 'min' ? Math.min : Math.max;
      return (_e, ctx) => {
        const vs = values(ctx);
        if (vs.length === 0) return undefined;
        let m = num(vs[0]);
        for (let i = 1; i < vs.length; i++) m = pick(m, num(vs[i]));
        return m;
      };
    }
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
    case 'logic':
      for (const a of n.args) stagesOf(a, into);
      break;
    case 'arith':
      stagesOf(n.first, into);
      for (const r of n.rest) stagesOf(r.arg, into);
      break;
    case 'compare':
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
  return closure<T>(parse(src));
}

/** Parses and compiles `src`; throws `ExpressionError` naming the column of the first mistake. */
export function compileExpression<T>(src: string): CompiledExpression<T> {
  const tree = parse(src);
  const fn = closure<T>(tree);
  return { condition: (e, ctx) => truthy(fn(e, ctx)), stages: stagesOf(tree, new Set()) };
}
