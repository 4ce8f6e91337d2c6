import {
  CEP,
  compile,
  type DynamicMatch,
  expression,
  MAX_PATTERN_STATES,
  type Match,
  Pattern,
  type PatternSpec,
  PatternSpecSchema,
  type PatternUpdate,
} from '@eventide/cep';
import type { DataStream } from '@eventide/core';
import { map, type Observable, of } from 'rxjs';
import { z } from 'zod';
import { type Alert, alert } from './alert';
import type { Level } from './levels';
import type { Flagged, Warning } from './spike';
import type { Usage } from './usage';

/**
 * The metering job's alerts as data: each entry is a CEP pattern (a `PatternSpec`) over one of
 * the job's streams, and how a match becomes an alert. The job reads them from a JSON file
 * (`--patterns`), and with `--follow` picks up a changed file without restarting: entries are
 * matched as dynamic patterns, so an edit applies to the readings after it.
 *
 * Inputs: `usage` (settled readings), `flagged` (electricity readings with the service's baseline
 * and whether they are high, `spike.ts`), `warnings` (two consecutive high readings within ten
 * minutes, `spike.ts`: the first level of the spike detector), `levels` (readings with the
 * service's floor, the lowest reading of its last 24 hours, and the unit's last digit, `levels.ts`).
 */

/** Partial matches one service may hold per pattern input (the built-in patterns never reach it: a week of 300 services gives the same alerts with and without it). */
export const MAX_PARTIAL_MATCHES_PER_SERVICE = 100;

export type PatternInput = 'usage' | 'flagged' | 'warnings' | 'levels';

/** One alert pattern of the file. */
export interface AlertPattern {
  /** Unique in the file; with `version`, names the pattern in each match. */
  readonly id: string;
  /** Raise the version whenever the entry changes: a running job replaces it then. */
  readonly version: number;
  /** The alert type it raises. */
  readonly alert: string;
  readonly input: PatternInput;
  readonly pattern: PatternSpec;
  /** An expression over the match that must hold to raise the alert (e.g. the values vary). */
  readonly when?: string;
  /** The stage whose first event the alert is about (its service, commodity and `since`). */
  readonly subject: string;
  /** When it is raised: the match's last event (default) or the deadline its `within` set (an absence). */
  readonly at?: 'last' | 'deadline';
  /** The message: text with `${expression}` parts evaluated over the match. */
  readonly detail: string;
}

const AlertPatternSchema = z.strictObject({
  id: z.string().min(1),
  version: z.number().int().min(1),
  alert: z.string().min(1),
  input: z.enum(['usage', 'flagged', 'warnings', 'levels']),
  pattern: PatternSpecSchema,
  when: z.string().min(1).optional(),
  subject: z.string().min(1),
  at: z.enum(['last', 'deadline']).optional(),
  detail: z.string(),
});

/** The file: `{ "patterns": [ ... ] }`. */
export const AlertPatternFileSchema = z.strictObject({ patterns: z.array(AlertPatternSchema) });

/** The four alerts of the main job, as data (the same alerts the code in `alerts.ts` raises). */
export const DEFAULT_PATTERNS: readonly AlertPattern[] = [
  {
    id: 'spike',
    version: 1,
    alert: 'spike',
    input: 'warnings',
    pattern: {
      version: 1,
      skip: { strategy: 'skipPastLastEvent' },
      stages: [
        { link: 'begin', name: 'first' },
        { link: 'next', name: 'second', within: 1_200_000 },
      ],
    },
    subject: 'first',
    detail:
      'warnings averaging ${fixed(first(first, average), 3)} then ${fixed(first(second, average), 3)} ${first(first, usage.unit)}',
  },
  {
    id: 'stopped-reporting',
    version: 1,
    alert: 'stopped-reporting',
    input: 'usage',
    pattern: {
      version: 1,
      stages: [
        { link: 'begin', name: 'last' },
        { link: 'notFollowedBy', name: 'next', within: 900_000 },
      ],
    },
    subject: 'last',
    at: 'deadline',
    detail: 'no reading for 15 minutes after ${iso(first(last, ts))}',
  },
  {
    id: 'leak',
    version: 1,
    alert: 'leak',
    input: 'usage',
    pattern: {
      version: 1,
      skip: { strategy: 'skipPastLastEvent' },
      stages: [
        {
          link: 'begin',
          name: 'night',
          where: { expr: "commodity == 'water' and quantity > 0 and hour >= 1 and hour < 5" },
          times: [46, 48],
          consecutive: true,
        },
      ],
    },
    // one value all night (give or take its last digit) is a stuck register, not a leak: that
    // is the stuck alert's to raise
    when: 'max(night, quantity) - min(night, quantity) > 0.025',
    subject: 'night',
    detail: 'flow in all ${count(night)} night intervals, at least ${min(night, quantity)} gal each',
  },
  {
    id: 'stuck',
    version: 1,
    alert: 'stuck',
    input: 'levels',
    pattern: {
      version: 1,
      skip: { strategy: 'skipPastLastEvent' },
      stages: [
        // above what the service holds as a matter of course (a pilot light, a closed shop)
        { link: 'begin', name: 'first', where: { expr: 'usage.quantity > floor + 3 * step' } },
        {
          link: 'next',
          name: 'same',
          where: {
            expr: 'usage.quantity >= first(first, usage.quantity) - 1.5 * step and usage.quantity <= first(first, usage.quantity) + 1.5 * step',
          },
          times: 23,
          consecutive: true,
        },
      ],
    },
    subject: 'first',
    detail:
      '${first(first, usage.quantity)} ${first(first, usage.unit)} (give or take its last digit) in ${count(same) + 1} intervals, above its floor of ${first(first, floor)}',
  },
];

/** Most characters a patterns file may have (checked before it is parsed). */
export const MAX_PATTERN_FILE_SIZE = 1_000_000;
/** Most patterns in one file. */
export const MAX_PATTERNS_PER_FILE = 1_000;

/** The file's shape, each pattern spec unread: `Pattern.fromJSON` checks those within its limits first. */
const ShallowFileSchema = z.strictObject({
  patterns: z.array(z.looseObject({ id: z.unknown(), pattern: z.unknown() })),
});

/**
 * Reads and checks a patterns file's text; errors name the place, on one line. A file may come
 * from anyone, so its size is bounded before anything is built: at most `MAX_PATTERN_FILE_SIZE`
 * characters and `MAX_PATTERNS_PER_FILE` patterns, each spec within the limits of
 * `Pattern.fromJSON` (nesting, size, stages, unrolled states, expressions), and all of them
 * compiled together at most `MAX_PATTERN_STATES` NFA states.
 */
export function parsePatternFile(text: string, where: string): AlertPattern[] {
  try {
    return readPatternFile(text, where);
  } catch (e) {
    // a message quotes what the file holds, which may span lines: the job reports one line
    throw new Error(oneLine((e as Error).message));
  }
}

function readPatternFile(text: string, where: string): AlertPattern[] {
  if (text.length > MAX_PATTERN_FILE_SIZE) {
    throw new Error(
      `${where}: the file has ${text.length} characters, more than MAX_PATTERN_FILE_SIZE (${MAX_PATTERN_FILE_SIZE})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON: ${(e as Error).message}`);
  }
  const shallow = ShallowFileSchema.safeParse(json);
  if (!shallow.success) throw new Error(`${where}: ${issueOf(shallow.error)}`);
  const entries = shallow.data.patterns;
  if (entries.length > MAX_PATTERNS_PER_FILE) {
    throw new Error(
      `${where}: the file has ${entries.length} patterns, more than MAX_PATTERNS_PER_FILE (${MAX_PATTERNS_PER_FILE})`,
    );
  }
  // each spec through Pattern.fromJSON first: it bounds what the schema below may recurse into
  let states = 0;
  entries.forEach((entry, i) => {
    const name = typeof entry.id === 'string' ? JSON.stringify(entry.id) : `#${i}`;
    try {
      states += compile(Pattern.fromJSON(entry.pattern)).states.length;
    } catch (e) {
      throw new Error(`${where}: pattern ${name}: ${(e as Error).message}`);
    }
    if (states > MAX_PATTERN_STATES) {
      throw new Error(
        `${where}: the patterns compile to more than ${MAX_PATTERN_STATES} NFA states together (MAX_PATTERN_STATES), ${states} up to pattern ${name}`,
      );
    }
  });
  const parsed = AlertPatternFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${where}: ${issueOf(parsed.error)}`);
  const ids = new Set<string>();
  for (const p of parsed.data.patterns) {
    const name = JSON.stringify(p.id);
    if (ids.has(p.id)) throw new Error(`${where}: the id ${name} is used twice`);
    ids.add(p.id);
    // build everything now, so a mistake is reported before the job runs
    try {
      const stages = stageNames(p.pattern.stages);
      if (!stages.includes(p.subject)) {
        throw new Error(
          `the subject ${JSON.stringify(p.subject)} is not a stage of the pattern (${stages.join(', ')})`,
        );
      }
      if (p.when !== undefined) expression(p.when);
      templateOf(p.detail);
    } catch (e) {
      throw new Error(`${where}: pattern ${name}: ${(e as Error).message}`);
    }
  }
  return parsed.data.patterns as AlertPattern[];
}

function issueOf(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `at ${issue.path.join('.') || 'the top'}: ${issue.message}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** The names of a pattern's stages, those in groups included. */
function stageNames(stages: PatternSpec['stages']): string[] {
  return stages.flatMap((s) => (s.group ? stageNames(s.group.stages) : s.name === undefined ? [] : [s.name]));
}

/** `${...}` parts of a detail text, compiled. */
function templateOf<T>(text: string): (match: Match<T>, event: T, at: number) => string {
  const parts = text.split(/\$\{([^}]*)\}/);
  for (let i = 0; i < parts.length; i += 2) {
    if (parts[i]!.includes('${')) throw new Error(`detail: a "\${" is not closed with "}" in '${text}'`);
  }
  const fns = parts.map((p, i) => (i % 2 === 1 ? expression<T>(p) : undefined));
  return (match, event, at) => {
    const ctx = { eventsForPattern: (name: string) => match[name] ?? [], timestamp: at };
    return parts.map((p, i) => (i % 2 === 1 ? String(fns[i]!(event, ctx)) : p)).join('');
  };
}

/** The Usage an input's event is about. */
const USAGE_OF: Record<PatternInput, (e: never) => Usage> = {
  usage: (u: Usage) => u,
  flagged: (f: Flagged) => f.usage,
  warnings: (w: Warning) => w.usage,
  levels: (l: Level) => l.usage,
};

/** What turns one pattern's matches into alerts. */
interface Raiser {
  readonly raise: (m: DynamicMatch<unknown>) => Alert | undefined;
}

function raiserOf(p: AlertPattern): Raiser {
  const usageOf = USAGE_OF[p.input] as (e: unknown) => Usage;
  const when = p.when === undefined ? undefined : expression<unknown>(p.when);
  const detail = templateOf<unknown>(p.detail);
  const within = minWithin(p.pattern);
  const label = `pattern ${JSON.stringify(p.id)} (version ${p.version})`;
  /** What the file asks for may fail on a match (iso() of a time out of range): it names the pattern. */
  const attempt = <R>(part: string, f: () => R): R => {
    try {
      return f();
    } catch (e) {
      throw new Error(`${label}: ${part}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return {
    raise: (dm) => {
      const m = dm.match;
      const events = Object.values(m).flat();
      const subject = m[p.subject]?.[0];
      if (subject === undefined) return undefined;
      const last = events.reduce((a, b) => (usageOf(b).ts > usageOf(a).ts ? b : a));
      const first = usageOf(subject);
      const atMs = p.at === 'deadline' ? usageOf(events[0]).ts + within : usageOf(last).ts;
      const ctx = { eventsForPattern: (name: string) => m[name] ?? [], timestamp: atMs };
      if (when !== undefined && attempt('when', () => when(last, ctx)) !== true) return undefined;
      return alert(
        p.alert,
        first,
        atMs,
        attempt('detail', () => detail(m, last, atMs)),
      );
    },
  };
}

function minWithin(spec: PatternSpec): number {
  let w = Number.POSITIVE_INFINITY;
  const visit = (stages: PatternSpec['stages']) => {
    for (const s of stages) {
      if (s.within !== undefined) w = Math.min(w, s.within);
      if (s.group) visit(s.group.stages);
    }
  };
  visit(spec.stages);
  return Number.isFinite(w) ? w : 0;
}

/** The streams alert patterns match over (see `PatternInput`). */
export interface PatternInputs {
  readonly usage: DataStream<Usage>;
  readonly flagged: DataStream<Flagged>;
  readonly warnings: DataStream<Warning>;
  readonly levels: DataStream<Level>;
}

/**
 * The alerts of a set of patterns that may change while the job runs: `sets` emits the whole
 * set, first at start and again on every change. Alerts at or after `dataEnd` are dropped (an
 * absence running past the end of the data cannot be judged). A match that fails to become an
 * alert (its `when` or detail throws) is on the returned stream's `INVALID` side output, with
 * a reason that names the pattern.
 */
export function patternAlerts(
  inputs: PatternInputs,
  sets: Observable<readonly AlertPattern[]>,
  dataEnd: number,
): DataStream<Alert> {
  const raisers = new Map<string, Raiser>();
  const updatesFor = (input: PatternInput): Observable<PatternUpdate> =>
    sets.pipe(
      map((set) => {
        for (const p of set) {
          const key = `${p.id}@${p.version}`;
          if (!raisers.has(key)) raisers.set(key, raiserOf(p));
        }
        return {
          op: 'set' as const,
          patterns: set
            .filter((p) => p.input === input)
            .map((p) => ({ id: p.id, version: p.version, pattern: p.pattern })),
        };
      }),
    );
  const matches = (Object.keys(inputs) as PatternInput[]).map((input) =>
    CEP.dynamicPatterns(
      (inputs[input] as DataStream<unknown>).keyBy((e) => USAGE_OF[input](e as never).service_uid),
      updatesFor(input),
      // a pattern from a file cannot make one meter's partial matches grow without bound
      // (followedByAny + oneOrMore + allowCombinations doubles them per event): past the cap the
      // oldest are dropped and counted in the partialMatchesDropped metric
      { maxPartialMatchesPerKey: MAX_PARTIAL_MATCHES_PER_SERVICE },
    ).name(`${input}-patterns`),
  );
  // A match whose `when` or detail fails goes to the INVALID side output with the reason (the
  // pattern's id and version first), and the job goes on.
  return matches[0]!
    .union(...matches.slice(1))
    .name('pattern-matches')
    .flatMap((m) => {
      const a = raisers.get(`${m.patternId}@${m.version}`)?.raise(m);
      return a === undefined || a.at_ms >= dataEnd ? [] : [a];
    })
    .name('alerts')
    .onError('invalid');
}

/** A fixed set, known at start. */
export function fixedPatterns(set: readonly AlertPattern[]): Observable<readonly AlertPattern[]> {
  return of(set);
}
