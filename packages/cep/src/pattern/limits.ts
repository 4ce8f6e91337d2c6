import { MalformedPatternError } from './errors';
import type { StageSpec } from './spec';

/**
 * How large a pattern, a spec and an expression may be. Patterns and specs can come from users
 * (a file, an HTTP request, `CEP.dynamicPatterns`), so every size that costs memory or time
 * before the first event is bounded, and checked before anything is built: a larger input is a
 * `MalformedPatternError` naming the API and the limit, never a stack overflow, a stall or an
 * out-of-memory crash. The limits are far above what hand-written patterns need.
 */

/**
 * Most characters in one expression (`expr`, `expression`, an `expr` condition of a spec): a
 * long one parses in a few milliseconds (the parser is linear in the text).
 *
 * @example
 * expr('a'.repeat(MAX_EXPRESSION_LENGTH + 1)); // ExpressionError: expr: an expression may have at most 100000 characters, …
 */
export const MAX_EXPRESSION_LENGTH = 100_000;

/**
 * Most nesting in one expression: parentheses, function calls, `not` / `!` and unary minus,
 * each level counting one. Chains of operators (`a or b or c …`, `x + y + z …`) are not
 * nesting and may be as long as the text allows.
 *
 * @example
 * expr('('.repeat(65) + 'a' + ')'.repeat(65)); // ExpressionError: expr: nested more than 64 deep … at column 65 …
 */
export const MAX_EXPRESSION_DEPTH = 64;

/**
 * Most NFA states one pattern compiles to (and ten times as many transitions). `times(n)` and
 * `timesOrMore(n)` unroll into one position per iteration, a group is repeated for each of its
 * iterations, and each position becomes one to a few states; about 500 bytes a state. The sum
 * of positions is checked before a pattern is built (`Pattern.fromJSON`) or compiled
 * (`compile`), and the states as the compiler makes them.
 *
 * @example
 * const stage = { link: 'followedBy', name: 's', times: 10_000 };
 * Pattern.fromJSON({ version: 1, stages: [{ link: 'begin', name: 'a' }, stage, { ...stage, name: 't' }, …] });
 * // MalformedPatternError: Pattern.fromJSON: the pattern unrolls into more than 100000 NFA states …
 */
export const MAX_PATTERN_STATES = 100_000;

/**
 * Most stages in one pattern spec, counting the stages inside groups and the groups themselves.
 *
 * @example
 * Pattern.fromJSON({ version: 1, stages: Array(1001).fill({ link: 'next', name: 'a' }) });
 * // MalformedPatternError: Pattern.fromJSON: the spec has more than 1000 stages (MAX_PATTERN_STAGES)
 */
export const MAX_PATTERN_STAGES = 1_000;

/**
 * Most nesting of objects and arrays in a pattern spec (a group of groups, a `not` of an `and`,
 * a condition's `params`). A realistic spec nests about ten deep.
 *
 * @example
 * Pattern.fromJSON(deeplyNested); // MalformedPatternError: Pattern.fromJSON: at stages.0.where.not.not…: nested more than 64 deep
 */
export const MAX_SPEC_DEPTH = 64;

/**
 * Most characters a pattern spec may take as JSON text (strings, keys, numbers and punctuation,
 * counted as `JSON.stringify` would write them, escapes aside), checked before the spec is read.
 *
 * @example
 * Pattern.fromJSON(hugeSpec); // MalformedPatternError: Pattern.fromJSON: the spec is larger than 1000000 characters as JSON
 */
export const MAX_SPEC_SIZE = 1_000_000;

/**
 * Checks that `value` is plain JSON data within the spec limits, without recursion (so any input
 * is safe to hand to the schema afterwards): nesting at most `MAX_SPEC_DEPTH`, size at most
 * `MAX_SPEC_SIZE`, at most `MAX_PATTERN_STAGES` stages, only plain objects, arrays, strings, finite numbers, booleans and null, and no
 * `__proto__` key (which would set a prototype when the spec is copied).
 */
export function checkSpecData(value: unknown, api: string): void {
  interface Item {
    readonly value: unknown;
    readonly depth: number;
    readonly key: string | number | undefined;
    readonly parent: Item | undefined;
  }
  const pathOf = (item: Item): string => {
    const keys: (string | number)[] = [];
    for (let i: Item | undefined = item; i?.key !== undefined; i = i.parent) keys.push(i.key);
    return keys.reverse().join('.');
  };
  const fail = (item: Item, msg: string): never => {
    const at = pathOf(item);
    throw new MalformedPatternError(`${api}: ${at === '' ? '' : `at ${at}: `}${msg}`);
  };
  let size = 0;
  let stages = 0;
  const grow = (n: number) => {
    size += n;
    if (size > MAX_SPEC_SIZE) {
      throw new MalformedPatternError(
        `${api}: the spec is larger than ${MAX_SPEC_SIZE} characters as JSON; see MAX_SPEC_SIZE`,
      );
    }
  };
  const stack: Item[] = [{ value, depth: 0, key: undefined, parent: undefined }];
  try {
    while (stack.length > 0) {
      const item = stack.pop()!;
      const v = item.value;
      if (typeof v === 'string') grow(v.length + 2);
      else if (typeof v === 'number') {
        if (!Number.isFinite(v)) fail(item, `${v} is not a JSON number`);
        grow(String(v).length);
      } else if (typeof v === 'boolean') grow(v ? 4 : 5);
      else if (v === null || v === undefined) grow(4);
      else if (typeof v === 'object') {
        if (item.depth >= MAX_SPEC_DEPTH) {
          fail(item, `nested more than ${MAX_SPEC_DEPTH} deep (or refers to itself); see MAX_SPEC_DEPTH`);
        }
        if (Array.isArray(v)) {
          grow(2 + v.length);
          for (let i = v.length - 1; i >= 0; i--) {
            stack.push({ value: v[i], depth: item.depth + 1, key: i, parent: item });
          }
        } else {
          const proto: unknown = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== null) {
            const kind = (proto as { constructor?: { name?: unknown } }).constructor?.name;
            fail(
              item,
              `a spec holds only JSON data, found ${typeof kind === 'string' ? `a ${kind}` : 'an object with a prototype'}`,
            );
          }
          grow(2);
          // the stages of the spec and of its groups, counted before the schema reads each one
          const stagesHere = Object.hasOwn(v, 'stages') ? (v as { stages: unknown }).stages : undefined;
          if ((item.parent === undefined || item.key === 'group') && Array.isArray(stagesHere)) {
            stages += stagesHere.length;
            if (stages > MAX_PATTERN_STAGES) {
              throw new MalformedPatternError(
                `${api}: the spec has more than ${MAX_PATTERN_STAGES} stages (MAX_PATTERN_STAGES)`,
              );
            }
          }
          const keys = Object.keys(v);
          for (let i = keys.length - 1; i >= 0; i--) {
            const k = keys[i]!;
            if (k === '__proto__') fail(item, 'the key "__proto__" is not allowed in a spec');
            grow(k.length + 4);
            stack.push({
              value: (v as Record<string, unknown>)[k],
              depth: item.depth + 1,
              key: k,
              parent: item,
            });
          }
        }
      } else fail(item, `a spec holds only JSON data, found a ${typeof v}`);
    }
  } catch (e) {
    if (e instanceof MalformedPatternError) throw e;
    // a getter or a proxy of the caller's object threw
    throw new MalformedPatternError(`${api}: the spec could not be read: ${messageOf(e)}`);
  }
}

/** An error's message, whatever was thrown. */
export function messageOf(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e);
  } catch {
    return 'an error that cannot be shown';
  }
}

/**
 * Checks a spec's stages (already schema-checked, and counted by `checkSpecData`) against
 * `MAX_PATTERN_STATES`, before any is built.
 */
export function checkSpecPositions(stages: readonly StageSpec[], api: string): void {
  const positions = (ss: readonly StageSpec[]): number =>
    ss.reduce((sum, s) => {
      const times = s.times;
      const iterations =
        times !== undefined
          ? iterationsOf('times', 1, typeof times === 'number' ? times : times[1])
          : s.timesOrMore !== undefined
            ? iterationsOf('looping', s.timesOrMore, s.timesOrMore)
            : s.oneOrMore
              ? iterationsOf('looping', 1, 1)
              : 1;
      return sum + iterations * (s.group ? positions(s.group.stages) : 1);
    }, 0);
  checkPositions(positions(stages), api);
}

/** Refuses a pattern whose quantifiers unroll into more positions than `MAX_PATTERN_STATES`. */
export function checkPositions(positions: number, api: string): void {
  if (positions > MAX_PATTERN_STATES) {
    throw new MalformedPatternError(
      `${api}: the pattern unrolls into ${positions} positions (each iteration of times/timesOrMore, repeated for each iteration of a group), each one or more NFA states: more than MAX_PATTERN_STATES (${MAX_PATTERN_STATES}); for long runs use oneOrMore() with a condition on what the stage took`,
    );
  }
}

/** How many positions a quantifier unrolls into: one per iteration, plus the loop of `timesOrMore`. */
export function iterationsOf(multiplicity: 'single' | 'times' | 'looping', from: number, to: number): number {
  switch (multiplicity) {
    case 'single':
      return 1;
    case 'times':
      return to;
    case 'looping':
      return from + 1;
    default: {
      const never: never = multiplicity;
      throw new Error(`unknown multiplicity ${String(never)}`);
    }
  }
}
