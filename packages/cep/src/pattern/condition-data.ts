import { type Condition, Conditions } from './condition';
import { MalformedPatternError } from './errors';
import { compileExpression } from './expression';
import { messageOf } from './limits';
import type { ConditionSpec } from './spec';

/**
 * Conditions that know their data form. `expr(...)` and `registry.condition(...)` return
 * ordinary condition functions, tagged with the spec they came from, so a pattern built with them
 * (in code or by `Pattern.fromJSON`) can be written back with `toJSON()`.
 */

const SPECS = new WeakMap<object, ConditionSpec>();

/** The data form of a condition, if it has one. */
export function specOf(c: Condition<any> | undefined): ConditionSpec | undefined {
  return c === undefined ? undefined : SPECS.get(c);
}

function tag<T>(c: Condition<T>, spec: ConditionSpec): Condition<T> {
  SPECS.set(c, spec);
  return c;
}

/**
 * A condition written in the expression language (see `expression.ts`), parsed now: a mistake is
 * an `ExpressionError` here, naming the column.
 *
 * @example
 * Pattern.begin<Reading>('high').where(expr('kWh > 0.4 and unit == "kWh"'));
 */
export function expr<T>(source: string): Condition<T> {
  const { condition } = compileExpression<T>(source);
  return tag((e, ctx) => condition(e, ctx), { expr: source });
}

/** Both conditions, keeping the data form when both have one. */
export function andCondition<T>(a: Condition<T>, b: Condition<T>): Condition<T> {
  const c = Conditions.and(a, b);
  const sa = specOf(a);
  const sb = specOf(b);
  return sa && sb ? tag(c, { and: [...flat('and', sa), ...flat('and', sb)] }) : c;
}

/** Either condition, keeping the data form when both have one. */
export function orCondition<T>(a: Condition<T>, b: Condition<T>): Condition<T> {
  const c = Conditions.or(a, b);
  const sa = specOf(a);
  const sb = specOf(b);
  return sa && sb ? tag(c, { or: [...flat('or', sa), ...flat('or', sb)] }) : c;
}

function flat(op: 'and' | 'or', s: ConditionSpec): readonly ConditionSpec[] {
  return op in s ? (s as Record<typeof op, readonly ConditionSpec[]>)[op] : [s];
}

/**
 * All (or any) of several conditions as one, with one data form: the same as combining them two
 * by two with `andCondition` / `orCondition`, without the nesting (a list of thousands would
 * otherwise be copied for each pair, and run as deep recursion).
 */
function combine<T>(op: 'and' | 'or', cs: readonly Condition<T>[]): Condition<T> {
  if (cs.length === 1) return cs[0]!;
  const specs = cs.map(specOf);
  const c: Condition<T> =
    op === 'and'
      ? (e, ctx) => {
          for (const x of cs) if (!x(e, ctx)) return false;
          return true;
        }
      : (e, ctx) => {
          for (const x of cs) if (x(e, ctx)) return true;
          return false;
        };
  if (specs.some((s) => s === undefined)) return c;
  const all = specs.flatMap((s) => flat(op, s!));
  return tag(c, op === 'and' ? { and: all } : { or: all });
}

/** Makes the condition of a named entry from its parameters. */
export type ConditionFactory<T> = (params: Readonly<Record<string, unknown>>) => Condition<T>;

/**
 * Named conditions a pattern spec may use (`{ "name": "above", "params": { "kWh": 0.4 } }`):
 * the code stays in the application, the spec only names it.
 *
 * @example
 * const conditions = new ConditionRegistry<Reading>()
 *   .define('above', ({ kWh }) => (r) => r.kWh > Number(kWh));
 * Pattern.fromJSON(spec, conditions);
 */
export class ConditionRegistry<T> {
  private readonly factories = new Map<string, ConditionFactory<T>>();

  /** Adds a named condition; `factory` checks its parameters and throws on bad ones. */
  define(name: string, factory: ConditionFactory<T>): this {
    if (!(typeof name === 'string' && name.length > 0)) {
      throw new MalformedPatternError('ConditionRegistry.define: a name must be a non-empty string');
    }
    if (typeof factory !== 'function') {
      throw new MalformedPatternError(`ConditionRegistry.define: "${name}" needs a factory function`);
    }
    if (this.factories.has(name)) {
      throw new MalformedPatternError(`ConditionRegistry.define: "${name}" is already defined`);
    }
    this.factories.set(name, factory);
    return this;
  }

  /** The names defined. */
  get names(): string[] {
    return [...this.factories.keys()];
  }

  /**
   * The condition `name` with `params`, tagged with its data form. The factory gets a copy of the
   * own keys of `params` in an object without a prototype: a missing parameter reads
   * `undefined`, never an inherited `constructor` or `toString`.
   */
  condition(name: string, params: Readonly<Record<string, unknown>> = {}): Condition<T> {
    const factory = typeof name === 'string' ? this.factories.get(name) : undefined;
    if (factory === undefined) {
      throw new MalformedPatternError(
        `ConditionRegistry: no condition "${String(name)}" (defined: ${this.names.join(', ') || 'none'})`,
      );
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new MalformedPatternError(
        `ConditionRegistry: the parameters of "${name}" must be an object, got ${params === null ? 'null' : Array.isArray(params) ? 'an array' : typeof params}`,
      );
    }
    let entries: [string, unknown][];
    try {
      entries = Object.entries(params);
    } catch (e) {
      // a getter or a proxy of the caller's object threw
      throw new MalformedPatternError(
        `ConditionRegistry: the parameters of "${name}" could not be read: ${messageOf(e)}`,
      );
    }
    const own = Object.create(null) as Record<string, unknown>;
    // defined, not assigned: an own "__proto__" key stays a key
    for (const [k, v] of entries) Object.defineProperty(own, k, { value: v, enumerable: true });
    let c: Condition<T>;
    try {
      c = factory(Object.freeze(own));
    } catch (e) {
      throw new MalformedPatternError(
        `ConditionRegistry: condition "${name}" refused its parameters ${shown(params)}: ${messageOf(e)}`,
      );
    }
    if (typeof c !== 'function') {
      throw new MalformedPatternError(
        `ConditionRegistry: the factory of "${name}" did not return a function`,
      );
    }
    return tag(
      (e, ctx) => c(e, ctx),
      entries.length === 0 ? { name } : { name, params: Object.freeze(Object.fromEntries(entries)) },
    );
  }
}

/** Parameters for a message: JSON, shortened; some values (cycles, bigints) have none. */
function shown(params: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(params);
  } catch {
    text = undefined;
  }
  if (text === undefined) return '(not writable as JSON)';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The condition a spec describes; named ones come from `registry`. */
export function conditionOf<T>(
  spec: ConditionSpec,
  registry: ConditionRegistry<T> | undefined,
  where: string,
): Condition<T> {
  if ('expr' in spec) return expr<T>(spec.expr);
  if ('name' in spec) {
    if (registry === undefined) {
      throw new MalformedPatternError(
        `${where}: the condition "${spec.name}" is named, so Pattern.fromJSON needs a ConditionRegistry that defines it`,
      );
    }
    return registry.condition(spec.name, spec.params ?? {});
  }
  if ('and' in spec)
    return combine(
      'and',
      spec.and.map((s) => conditionOf(s, registry, where)),
    );
  if ('or' in spec)
    return combine(
      'or',
      spec.or.map((s) => conditionOf(s, registry, where)),
    );
  const inner = conditionOf(spec.not, registry, where);
  const innerSpec = specOf(inner)!;
  return tag(Conditions.not(inner), { not: innerSpec });
}

/** The stages the expressions of a condition read with aggregates. */
export function stagesRead(spec: ConditionSpec | undefined, into = new Set<string>()): Set<string> {
  if (spec === undefined) return into;
  if ('expr' in spec) for (const s of compileExpression(spec.expr).stages) into.add(s);
  else if ('and' in spec) for (const s of spec.and) stagesRead(s, into);
  else if ('or' in spec) for (const s of spec.or) stagesRead(s, into);
  else if ('not' in spec) stagesRead(spec.not, into);
  return into;
}
