import { z } from 'zod';

/**
 * Patterns as data: the JSON form `Pattern.toJSON()` writes and `Pattern.fromJSON` reads, with
 * its zod schema (published as JSON Schema, `patternJsonSchema()`), so tools can validate and
 * edit pattern specs. A spec spells the builder calls: each stage says how it is linked to the
 * one before it, its conditions and its quantifier.
 */

/** A condition as data: a safe expression, a named condition from a registry, or a combination. */
export type ConditionSpec =
  | { readonly expr: string }
  | { readonly name: string; readonly params?: Readonly<Record<string, unknown>> }
  | { readonly and: readonly ConditionSpec[] }
  | { readonly or: readonly ConditionSpec[] }
  | { readonly not: ConditionSpec };

/** How a stage is attached to the one before it (the builder method); the first is `begin`. */
export type StageLink = 'begin' | 'next' | 'followedBy' | 'followedByAny' | 'notNext' | 'notFollowedBy';

/** One stage: a named step, or a group (a pattern used as a step). */
export interface StageSpec {
  readonly link: StageLink;
  /** A named stage's name (absent for a group). */
  readonly name?: string;
  /** A group's stages (the first links with `begin`). */
  readonly group?: { readonly stages: readonly StageSpec[] };
  readonly where?: ConditionSpec;
  readonly until?: ConditionSpec;
  /** `times(n)` or `times(from, to)`. */
  readonly times?: number | readonly [number, number];
  readonly timesOrMore?: number;
  readonly oneOrMore?: boolean;
  readonly consecutive?: boolean;
  readonly allowCombinations?: boolean;
  readonly optional?: boolean;
  readonly greedy?: boolean;
  /** `within(ms)`: from the match's first event to its last. */
  readonly within?: number;
  /** `within(ms, WithinType.PREVIOUS_AND_CURRENT)`: between an event and the one before it. */
  readonly withinPreviousAndCurrent?: number;
}

/** The after-match skip strategy. */
export interface SkipSpec {
  readonly strategy: 'noSkip' | 'skipToNext' | 'skipPastLastEvent' | 'skipToFirst' | 'skipToLast';
  /** For `skipToFirst` / `skipToLast`. */
  readonly stage?: string;
  readonly throwExceptionOnMiss?: boolean;
}

/** A whole pattern as data. */
export interface PatternSpec {
  readonly version: 1;
  readonly skip?: SkipSpec;
  readonly stages: readonly StageSpec[];
}

const positiveInt = z.number().int().min(1);
const time = z.number().positive().finite();

/** The zod schema of a `ConditionSpec`. */
export const ConditionSpecSchema: z.ZodType<ConditionSpec> = z.lazy(() =>
  z.union([
    z.strictObject({ expr: z.string().min(1).describe('A safe expression, e.g. "kWh > 0.4"') }),
    z.strictObject({
      name: z.string().min(1).describe('A condition of the registry given to Pattern.fromJSON'),
      params: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({ and: z.array(ConditionSpecSchema).min(1) }),
    z.strictObject({ or: z.array(ConditionSpecSchema).min(1) }),
    z.strictObject({ not: ConditionSpecSchema }),
  ]),
) as z.ZodType<ConditionSpec>;

/** The zod schema of a `StageSpec`. */
export const StageSpecSchema: z.ZodType<StageSpec> = z.lazy(() =>
  z
    .strictObject({
      link: z.enum(['begin', 'next', 'followedBy', 'followedByAny', 'notNext', 'notFollowedBy']),
      name: z.string().min(1).optional(),
      group: z.strictObject({ stages: z.array(StageSpecSchema).min(1) }).optional(),
      where: ConditionSpecSchema.optional(),
      until: ConditionSpecSchema.optional(),
      times: z.union([positiveInt, z.tuple([z.number().int().min(0), positiveInt])]).optional(),
      timesOrMore: positiveInt.optional(),
      oneOrMore: z.boolean().optional(),
      consecutive: z.boolean().optional(),
      allowCombinations: z.boolean().optional(),
      optional: z.boolean().optional(),
      greedy: z.boolean().optional(),
      within: time.optional(),
      withinPreviousAndCurrent: time.optional(),
    })
    .refine((s) => (s.name === undefined) !== (s.group === undefined), {
      message: 'a stage has either a name or a group',
    }),
) as z.ZodType<StageSpec>;

/** The zod schema of a `PatternSpec`. */
export const PatternSpecSchema: z.ZodType<PatternSpec> = z.strictObject({
  version: z.literal(1),
  skip: z
    .strictObject({
      strategy: z.enum(['noSkip', 'skipToNext', 'skipPastLastEvent', 'skipToFirst', 'skipToLast']),
      stage: z.string().min(1).optional(),
      throwExceptionOnMiss: z.boolean().optional(),
    })
    .optional(),
  stages: z.array(StageSpecSchema).min(1),
}) as z.ZodType<PatternSpec>;

/** The JSON Schema of a `PatternSpec` (draft 2020-12), for tools that validate or edit specs. */
export function patternJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://eventide.dev/schemas/cep-pattern.json',
    title: 'eventide CEP pattern',
    ...(z.toJSONSchema(PatternSpecSchema, { unrepresentable: 'any' }) as Record<string, unknown>),
  };
}
