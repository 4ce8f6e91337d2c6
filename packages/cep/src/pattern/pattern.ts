import { AfterMatchSkipStrategy } from './after-match';
import type { Condition } from './condition';
import { andCondition, type ConditionRegistry, conditionOf, orCondition, specOf } from './condition-data';
import { MalformedPatternError } from './errors';
import { checkSpecData, checkSpecPositions } from './limits';
import { type ConsumingStrategy, type Quantifier, single } from './quantifier';
import { type PatternSpec, PatternSpecSchema, type SkipSpec, type StageLink, type StageSpec } from './spec';
import { WithinType } from './within';

/** One stage of a pattern: a named step, or a group (a whole pattern used as a step). */
export interface Stage<T> {
  readonly name: string;
  readonly condition: Condition<T> | undefined;
  readonly until: Condition<T> | undefined;
  readonly quantifier: Quantifier;
  /** For a group stage: the inner pattern. */
  readonly group: Pattern<T> | undefined;
  /** `within(ms, PREVIOUS_AND_CURRENT)` set on this stage. */
  readonly gapWindow: number | undefined;
  /** `within(ms)` set on this stage (the compiler takes the minimum over stages). */
  readonly window: number | undefined;
}

/**
 * Most iterations `times` / `timesOrMore` unroll: the compiler makes a few states per iteration,
 * so a larger count would only exhaust memory. For longer runs, use `oneOrMore()` with a
 * condition on what the stage took so far.
 */
export const MAX_TIMES = 10_000;

/**
 * A FlinkCEP pattern: a sequence of named stages with conditions, contiguity and quantifiers.
 * Immutable: every call returns a new frozen pattern. `F` is the event type the current stage's
 * conditions see, narrowed by type-guard conditions.
 *
 * @example
 * const spike = Pattern.begin<Reading>('high')
 *   .where((r) => r.kWh > 0.4)
 *   .next('higher')
 *   .where((r, ctx) => r.kWh > ctx.eventsForPattern('high')[0]!.kWh)
 *   .within(10 * 60_000);
 */
export class Pattern<T, F extends T = T> {
  /** Phantom field carrying `F`; never set. */
  declare readonly __stageType?: F;

  private constructor(
    readonly stages: readonly Stage<T>[],
    readonly skipStrategy: AfterMatchSkipStrategy,
  ) {
    Object.freeze(this.stages);
    Object.freeze(this);
  }

  /** Starts a pattern with a stage `name`, or with a group (a pattern used as the first stage). */
  static begin<T>(
    nameOrGroup: string | Pattern<T, any>,
    skipStrategy?: AfterMatchSkipStrategy,
  ): Pattern<T, T> {
    if (skipStrategy !== undefined && !(skipStrategy instanceof AfterMatchSkipStrategy)) {
      throw new MalformedPatternError(
        'Pattern.begin: the skip strategy must come from AfterMatchSkipStrategy (noSkip(), skipToNext(), …)',
      );
    }
    const skip = skipStrategy ?? AfterMatchSkipStrategy.noSkip();
    return new Pattern<T, T>([newStage<T>('Pattern.begin', nameOrGroup, 'skipTillNext')], skip);
  }

  /** The stage being built (the last one). */
  get name(): string {
    return this.last.name;
  }

  private get last(): Stage<T> {
    return this.stages[this.stages.length - 1]!;
  }

  private withLast(api: string, change: Partial<Stage<T>>): Pattern<T, any> {
    const stage = { ...this.last, ...change };
    // a looping group may stop at an until condition (FlinkCEP's GroupITCase), but takes no where/or
    if (stage.group && change.condition) {
      throw new MalformedPatternError(`${api}: a group pattern takes no conditions; put them on its stages`);
    }
    return new Pattern<T, any>([...this.stages.slice(0, -1), Object.freeze(stage)], this.skipStrategy);
  }

  private append(
    api: string,
    nameOrGroup: string | Pattern<T, any>,
    consuming: ConsumingStrategy,
  ): Pattern<T, T> {
    if ((consuming === 'notNext' || consuming === 'notFollow') && this.last.quantifier.optional) {
      throw new MalformedPatternError(
        `${api}: a negation cannot follow an optional stage ("${this.last.name}"); write two patterns, one with and one without the optional stage`,
      );
    }
    if ((consuming === 'notNext' || consuming === 'notFollow') && typeof nameOrGroup !== 'string') {
      throw new MalformedPatternError(`${api}: a negation takes a stage name, not a group pattern`);
    }
    return new Pattern<T, T>([...this.stages, newStage<T>(api, nameOrGroup, consuming)], this.skipStrategy);
  }

  /** Adds a condition the stage's events must meet (AND with earlier ones); a type guard narrows `F`. */
  where<S extends F>(
    condition: (event: F, ctx: import('./condition').ConditionContext<T>) => event is S,
  ): Pattern<T, S>;
  where(condition: Condition<F>): Pattern<T, F>;
  where(condition: Condition<F>): Pattern<T, any> {
    const c = checkCondition('Pattern.where', condition) as unknown as Condition<T>;
    const prev = this.last.condition;
    return this.withLast('Pattern.where', { condition: prev ? andCondition(prev, c) : c });
  }

  /** Adds an alternative condition (OR with the earlier ones). */
  or<S extends F>(condition: Condition<S>): Pattern<T, F> {
    const c = checkCondition('Pattern.or', condition) as unknown as Condition<T>;
    const prev = this.last.condition;
    return this.withLast('Pattern.or', { condition: prev ? orCondition(prev, c) : c });
  }

  /** Stops a looping stage at the first event that meets `condition` (that event is not taken). */
  until(condition: Condition<F>): Pattern<T, F> {
    const q = this.last.quantifier;
    if (q.multiplicity !== 'looping') {
      throw new MalformedPatternError(
        `Pattern.until: "${this.last.name}" is not looping; until applies after oneOrMore() or timesOrMore(n)`,
      );
    }
    if (this.last.until)
      throw new MalformedPatternError(`Pattern.until: "${this.last.name}" already has an until condition`);
    return this.withLast('Pattern.until', {
      until: checkCondition('Pattern.until', condition) as unknown as Condition<T>,
    });
  }

  /** Strict contiguity: the very next event must match the new stage. */
  next(nameOrGroup: string | Pattern<T, any>): Pattern<T, T> {
    return this.append('Pattern.next', nameOrGroup, 'strict');
  }
  /** Relaxed contiguity: non-matching events in between are skipped. */
  followedBy(nameOrGroup: string | Pattern<T, any>): Pattern<T, T> {
    return this.append('Pattern.followedBy', nameOrGroup, 'skipTillNext');
  }
  /** Non-deterministic relaxed contiguity: any later matching event may be taken. */
  followedByAny(nameOrGroup: string | Pattern<T, any>): Pattern<T, T> {
    return this.append('Pattern.followedByAny', nameOrGroup, 'skipTillAny');
  }
  /** The event right after the previous stage must not match. */
  notNext(name: string): Pattern<T, T> {
    return this.append('Pattern.notNext', name, 'notNext');
  }
  /**
   * No matching event may occur between the previous stage and the next one; as the last stage
   * (with `within`), none may occur until the window closes, and the match is emitted then.
   */
  notFollowedBy(name: string): Pattern<T, T> {
    return this.append('Pattern.notFollowedBy', name, 'notFollow');
  }

  private quantify(api: string, change: Partial<Quantifier>, requireFresh = true): Pattern<T, F> {
    const stage = this.last;
    const q = stage.quantifier;
    if (q.consuming === 'notNext' || q.consuming === 'notFollow') {
      throw new MalformedPatternError(
        `${api}: "${stage.name}" is a negation; negations cannot be quantified or optional`,
      );
    }
    if (requireFresh && q.multiplicity !== 'single') {
      throw new MalformedPatternError(`${api}: "${stage.name}" is already quantified (${describe(q)})`);
    }
    return this.withLast(api, { quantifier: Object.freeze({ ...q, ...change }) });
  }

  /** Exactly `n` events (n ≥ 1), or between `from` and `to` (`from = 0` makes the stage optional). */
  times(n: number): Pattern<T, F>;
  times(from: number, to: number): Pattern<T, F>;
  times(from: number, to?: number): Pattern<T, F> {
    if (to === undefined) {
      if (!Number.isInteger(from) || from < 1) {
        throw new MalformedPatternError(
          `Pattern.times: n must be an integer ≥ 1, got ${from}; use optional() for zero`,
        );
      }
      checkCount('Pattern.times', from);
      return this.quantify('Pattern.times', { multiplicity: 'times', from, to: from });
    }
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0) {
      throw new MalformedPatternError(
        `Pattern.times: from and to must be integers with from ≥ 0, got ${from} and ${to}`,
      );
    }
    if (from > to) throw new MalformedPatternError(`Pattern.times: from (${from}) must be ≤ to (${to})`);
    checkCount('Pattern.times', to);
    if (to === 0) throw new MalformedPatternError('Pattern.times: from and to cannot both be 0');
    const optional = from === 0 || this.last.quantifier.optional;
    return this.quantify('Pattern.times', { multiplicity: 'times', from: Math.max(from, 1), to, optional });
  }

  /** `n` or more events (n ≥ 1). */
  timesOrMore(n: number): Pattern<T, F> {
    if (!Number.isInteger(n) || n < 1) {
      throw new MalformedPatternError(`Pattern.timesOrMore: n must be an integer ≥ 1, got ${n}`);
    }
    checkCount('Pattern.timesOrMore', n);
    return this.quantify('Pattern.timesOrMore', { multiplicity: 'looping', from: n, to: n });
  }

  /** One or more events; by default skipping non-matching events between them (see `consecutive`). */
  oneOrMore(): Pattern<T, F> {
    return this.quantify('Pattern.oneOrMore', { multiplicity: 'looping', from: 1, to: 1 });
  }

  /** The stage may be skipped entirely. */
  optional(): Pattern<T, F> {
    return this.quantify('Pattern.optional', { optional: true }, false);
  }

  /** A looping / times stage takes as many events as it can before the next stage may start. */
  greedy(): Pattern<T, F> {
    const q = this.last.quantifier;
    if (this.last.group) throw new MalformedPatternError('Pattern.greedy: not applicable to a group pattern');
    if (q.multiplicity === 'single') {
      throw new MalformedPatternError(
        `Pattern.greedy: "${this.last.name}" is a single stage; greedy applies to times/oneOrMore`,
      );
    }
    if (q.inner === 'skipTillAny') {
      throw new MalformedPatternError(`Pattern.greedy: not applicable together with allowCombinations()`);
    }
    return this.quantify('Pattern.greedy', { greedy: true }, false);
  }

  /** Iterations of a looping / times stage must be strictly contiguous. */
  consecutive(): Pattern<T, F> {
    if (this.last.quantifier.multiplicity === 'single') {
      throw new MalformedPatternError(
        `Pattern.consecutive: "${this.last.name}" is a single stage; apply times/oneOrMore first`,
      );
    }
    return this.quantify('Pattern.consecutive', { inner: 'strict' }, false);
  }

  /** Iterations of a looping / times stage may skip matching events (every combination). */
  allowCombinations(): Pattern<T, F> {
    if (this.last.quantifier.multiplicity === 'single') {
      throw new MalformedPatternError(
        `Pattern.allowCombinations: "${this.last.name}" is a single stage; apply times/oneOrMore first`,
      );
    }
    if (this.last.quantifier.greedy) {
      throw new MalformedPatternError('Pattern.allowCombinations: not applicable together with greedy()');
    }
    return this.quantify('Pattern.allowCombinations', { inner: 'skipTillAny' }, false);
  }

  /**
   * Bounds the match in event time: from its first to its last event (default), or between each
   * event and the previous one (`WithinType.PREVIOUS_AND_CURRENT`). Decided by the watermark.
   */
  within(ms: number, type: WithinType = WithinType.FIRST_AND_LAST): Pattern<T, F> {
    if (!(typeof ms === 'number' && Number.isFinite(ms) && ms > 0)) {
      throw new MalformedPatternError(`Pattern.within: ms must be a finite number > 0, got ${String(ms)}`);
    }
    if (type !== WithinType.FIRST_AND_LAST && type !== WithinType.PREVIOUS_AND_CURRENT) {
      throw new MalformedPatternError(
        `Pattern.within: type must be WithinType.FIRST_AND_LAST or WithinType.PREVIOUS_AND_CURRENT, got ${String(type)}`,
      );
    }
    return this.withLast(
      'Pattern.within',
      type === WithinType.FIRST_AND_LAST ? { window: ms } : { gapWindow: ms },
    );
  }

  /**
   * The pattern as data (`PatternSpec`), for storing, editing and `Pattern.fromJSON`. Every
   * condition must have a data form: written with `expr(...)` or taken from a
   * `ConditionRegistry`; a plain function is refused, naming its stage.
   */
  toJSON(): PatternSpec {
    const skip = skipSpecOf(this.skipStrategy);
    return { version: 1, ...(skip === undefined ? {} : { skip }), stages: stagesToSpec(this.stages) };
  }

  /**
   * Builds a pattern from its data form, through the same builder calls (and checks) as code.
   * Named conditions come from `conditions`. A spec that does not fit the schema, or names a
   * condition the registry lacks, is a `MalformedPatternError` naming the place.
   *
   * A spec may come from anyone, so its size is checked before anything is built: plain JSON
   * data only (no `__proto__` key), nested at most `MAX_SPEC_DEPTH` deep, at most `MAX_SPEC_SIZE`
   * characters as JSON, `MAX_PATTERN_STAGES` stages, `MAX_PATTERN_STATES` unrolled positions,
   * and expressions within `MAX_EXPRESSION_LENGTH` / `MAX_EXPRESSION_DEPTH`.
   *
   * @example
   * const spike = Pattern.fromJSON<Reading>({
   *   version: 1,
   *   stages: [
   *     { link: 'begin', name: 'high', where: { expr: 'kWh > 0.4' } },
   *     { link: 'next', name: 'higher', where: { expr: 'kWh > last(high, kWh)' }, within: 600000 },
   *   ],
   * });
   */
  static fromJSON<T>(spec: unknown, conditions?: ConditionRegistry<T>): Pattern<T, T> {
    // bounded and plain before the schema reads it (which recurses and copies)
    checkSpecData(spec, 'Pattern.fromJSON');
    const parsed = PatternSpecSchema.safeParse(spec);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new MalformedPatternError(
        `Pattern.fromJSON: ${issue.path.length > 0 ? `at ${issue.path.join('.')}: ` : ''}${issue.message}`,
      );
    }
    checkSpecPositions(parsed.data.stages, 'Pattern.fromJSON');
    return build<T>(parsed.data.stages, skipOf(parsed.data.skip), conditions, 'stages');
  }

  toString(): string {
    return this.stages.map((s) => `${s.quantifier.consuming}:${s.name}(${describe(s.quantifier)})`).join(' ');
  }
}

function newStage<T>(
  api: string,
  nameOrGroup: string | Pattern<T, any>,
  consuming: ConsumingStrategy,
): Stage<T> {
  if (typeof nameOrGroup === 'string') {
    if (nameOrGroup.length === 0)
      throw new MalformedPatternError(`${api}: a stage name must be a non-empty string`);
    if (nameOrGroup.includes(':'))
      throw new MalformedPatternError(`${api}: stage names cannot contain ":" (${nameOrGroup})`);
  } else if (!(nameOrGroup instanceof Pattern)) {
    throw new MalformedPatternError(`${api}: expected a stage name or a Pattern`);
  }
  const group = typeof nameOrGroup === 'string' ? undefined : nameOrGroup;
  return Object.freeze({
    // Named by its stages (unique in a pattern): the same pattern gets the same names in every
    // process, so a checkpoint's description of it matches.
    name: group ? `(${leafNames(group.stages).join(' ')})` : (nameOrGroup as string),
    condition: undefined,
    until: undefined,
    quantifier: single(consuming),
    group,
    gapWindow: undefined,
    window: undefined,
  });
}

function leafNames<T>(stages: readonly Stage<T>[]): string[] {
  return stages.flatMap((s) => (s.group ? leafNames(s.group.stages) : [s.name]));
}

function checkCondition<C>(api: string, condition: C): C {
  if (typeof condition !== 'function') {
    throw new MalformedPatternError(
      `${api}: a condition must be a function (event, ctx) => boolean, got ${condition === null ? 'null' : typeof condition}`,
    );
  }
  return condition;
}

function checkCount(api: string, n: number): void {
  if (n > MAX_TIMES) {
    throw new MalformedPatternError(
      `${api}: at most ${MAX_TIMES} iterations (each is unrolled into NFA states), got ${n}; for longer runs use oneOrMore() with a condition on what the stage took`,
    );
  }
}

function describe(q: Quantifier): string {
  const base =
    q.multiplicity === 'single'
      ? 'single'
      : q.multiplicity === 'times'
        ? `times(${q.from},${q.to})`
        : `timesOrMore(${q.from})`;
  return `${base}${q.optional ? ', optional' : ''}${q.greedy ? ', greedy' : ''}${q.inner !== 'skipTillNext' ? `, inner ${q.inner}` : ''}`;
}

const LINKS: Record<ConsumingStrategy, StageLink> = {
  strict: 'next',
  skipTillNext: 'followedBy',
  skipTillAny: 'followedByAny',
  notNext: 'notNext',
  notFollow: 'notFollowedBy',
};

function stagesToSpec<T>(stages: readonly Stage<T>[]): StageSpec[] {
  return stages.map((s, i) => {
    const q = s.quantifier;
    const dataOf = (c: Condition<T> | undefined, what: string) => {
      if (c === undefined) return undefined;
      const spec = specOf(c);
      if (spec === undefined) {
        throw new MalformedPatternError(
          `Pattern.toJSON: the ${what} of stage "${s.name}" is a function, which has no data form; write it with expr(...) or take it from a ConditionRegistry`,
        );
      }
      return spec;
    };
    const where = dataOf(s.condition, 'condition');
    const until = dataOf(s.until, 'until condition');
    const out: Record<string, unknown> = { link: i === 0 ? 'begin' : LINKS[q.consuming] };
    if (s.group) out.group = { stages: stagesToSpec(s.group.stages) };
    else out.name = s.name;
    if (where !== undefined) out.where = where;
    if (q.multiplicity === 'times') out.times = q.from === q.to ? q.from : [q.from, q.to];
    if (q.multiplicity === 'looping') {
      if (q.from === 1) out.oneOrMore = true;
      else out.timesOrMore = q.from;
    }
    if (until !== undefined) out.until = until;
    if (q.inner === 'strict') out.consecutive = true;
    if (q.inner === 'skipTillAny') out.allowCombinations = true;
    if (q.optional) out.optional = true;
    if (q.greedy) out.greedy = true;
    if (s.window !== undefined) out.within = s.window;
    if (s.gapWindow !== undefined) out.withinPreviousAndCurrent = s.gapWindow;
    return out as unknown as StageSpec;
  });
}

function skipSpecOf(skip: AfterMatchSkipStrategy): SkipSpec | undefined {
  if (skip.kind === 'noSkip') return undefined;
  return {
    strategy: skip.kind,
    ...(skip.patternName === undefined ? {} : { stage: skip.patternName }),
    ...(skip.throwsOnMiss ? { throwExceptionOnMiss: true } : {}),
  };
}

function skipOf(spec: SkipSpec | undefined): AfterMatchSkipStrategy {
  if (spec === undefined) return AfterMatchSkipStrategy.noSkip();
  const { strategy, stage } = spec;
  if (strategy === 'skipToFirst' || strategy === 'skipToLast') {
    if (stage === undefined) {
      throw new MalformedPatternError(`Pattern.fromJSON: at skip: ${strategy} needs a stage`);
    }
    const s = AfterMatchSkipStrategy[strategy](stage);
    return spec.throwExceptionOnMiss ? s.throwExceptionOnMiss() : s;
  }
  if (stage !== undefined || spec.throwExceptionOnMiss) {
    throw new MalformedPatternError(`Pattern.fromJSON: at skip: ${strategy} takes no stage`);
  }
  return AfterMatchSkipStrategy[strategy]();
}

/** Replays a spec's stages as builder calls, so every check of the builder applies. */
function build<T>(
  stages: readonly StageSpec[],
  skip: AfterMatchSkipStrategy | undefined,
  conditions: ConditionRegistry<T> | undefined,
  at: string,
): Pattern<T, T> {
  let p: Pattern<T, any> | undefined;
  stages.forEach((s, i) => {
    const here = `Pattern.fromJSON: at ${at}.${i}`;
    try {
      const target = s.group
        ? build<T>(s.group.stages, undefined, conditions, `${at}.${i}.group.stages`)
        : s.name!;
      if ((i === 0) !== (s.link === 'begin')) {
        throw new MalformedPatternError(
          i === 0 ? 'the first stage links with "begin"' : 'only the first stage links with "begin"',
        );
      }
      if (p === undefined) p = Pattern.begin<T>(target, skip);
      else if (s.link === 'notNext' || s.link === 'notFollowedBy') {
        if (typeof target !== 'string')
          throw new MalformedPatternError(`${s.link} takes a stage name, not a group`);
        p = p[s.link](target);
      } else p = p[s.link as 'next' | 'followedBy' | 'followedByAny'](target);
      if (s.where !== undefined) p = p.where(conditionOf(s.where, conditions, here));
      if (s.times !== undefined)
        p = typeof s.times === 'number' ? p.times(s.times) : p.times(s.times[0], s.times[1]);
      if (s.timesOrMore !== undefined) p = p.timesOrMore(s.timesOrMore);
      if (s.oneOrMore) p = p.oneOrMore();
      if (s.until !== undefined) p = p.until(conditionOf(s.until, conditions, here));
      if (s.consecutive) p = p.consecutive();
      if (s.allowCombinations) p = p.allowCombinations();
      if (s.optional) p = p.optional();
      if (s.greedy) p = p.greedy();
      if (s.within !== undefined) p = p.within(s.within);
      if (s.withinPreviousAndCurrent !== undefined) {
        p = p.within(s.withinPreviousAndCurrent, WithinType.PREVIOUS_AND_CURRENT);
      }
    } catch (e) {
      if (e instanceof MalformedPatternError && !e.message.startsWith('Pattern.fromJSON')) {
        throw new MalformedPatternError(`${here}: ${e.message}`);
      }
      throw e;
    }
  });
  return p as Pattern<T, T>;
}
