import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatWithOptions } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import type {} from '../scripts/redis-server';

// The doc test: every TypeScript block of README.md and the package READMEs is written to a file,
// type-checked with tsc and run, so a snippet that drifts from the code turns the suite red.
// Blocks that import './…' (or name a module with new URL('./…')) are run as if they were in
// examples/ (the README says so). The suite's Redis server is in REDIS_URL.
//
// What a block prints is held to what it says it prints: the READMEs' convention is a comment
// after a one-line `console.log(…);`, and that comment is a claim about each time the call prints:
// - values written as JavaScript literals, one per argument (`// 1 1 1`, `// [ 'm1 silent' ]`,
//   `// true`), compared with the values logged; `...` in an array or object stands for further
//   items or properties, and text after a colon that follows the values is a gloss
//   (`// [ … ] [ … ]: the end of the input passes the hour`). When a single string is logged (a
//   template), the claim is text it must contain as a word (`// 100` for `${n} readings …`).
// - a line with <placeholders> (`// http://127.0.0.1:<port>/?token=<operator token>`): the printed
//   text contains it, each placeholder standing for one run of URL characters.
// - prose (`// m1: 0.9 kWh in the first hour, 0.1 in the second`): every number it names is
//   printed (as often as it names it).
// A call with a claim must print at least once. The calls are recorded by a console.log wrapper
// loaded into the block's process (console-claims.mjs), by the line they are made from.

// Loaded with --import into a block's process: records each console.log call made from the
// block's file (EVENTIDE_DOC_BLOCK) with its line and its arguments, written out at exit
// (EVENTIDE_DOC_LOG). Values JSON cannot carry are tagged ({ $: kind, v }).
const CONSOLE_HOOK = `import { writeFileSync } from 'node:fs';
import { formatWithOptions } from 'node:util';
import { isMainThread } from 'node:worker_threads';
const file = process.env.EVENTIDE_DOC_BLOCK;
const log = process.env.EVENTIDE_DOC_LOG;
const calls = [];
function encode(v, seen) {
  if (v === undefined) return { $: 'undefined' };
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $: 'number', v: String(v) };
  if (typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function') return { $: typeof v, v: String(v) };
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return { $: 'cycle' };
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x) => encode(x, seen));
    if (v instanceof Date) return { $: 'date', v: v.toISOString() };
    if (v instanceof Map) return { $: 'map', v: [...v].map(([k, x]) => [encode(k, seen), encode(x, seen)]) };
    if (v instanceof Set) return { $: 'set', v: [...v].map((x) => encode(x, seen)) };
    return { $: 'object', v: Object.entries(v).map(([k, x]) => [k, encode(x, seen)]) };
  } finally {
    seen.delete(v);
  }
}
const original = console.log;
console.log = function (...args) {
  const frame = (new Error().stack ?? '').split('\\n').slice(1).find((l) => l.includes('/' + file + ':'));
  const m = frame === undefined ? null : /:(\\d+):\\d+\\)?$/.exec(frame);
  if (m !== null) {
    const printed = formatWithOptions({ depth: Infinity, breakLength: Infinity, compact: true }, ...args);
    calls.push({ line: Number(m[1]), args: args.map((a) => encode(a, new Set())), printed });
  }
  return original.apply(this, args);
};
// worker threads load this too: the block's own thread writes the record
if (isMainThread) process.on('exit', () => writeFileSync(log, JSON.stringify(calls)));
`;

const examples = dirname(fileURLToPath(import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const root = join(examples, '..');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'README.md')),
].filter((f) => existsSync(join(root, f)));
const out = join(examples, '.doc-tests');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
/** A `console.log(…); // claim` line of a block: its line in the block's file and in the README. */
interface ClaimLine {
  readonly line: number;
  readonly where: string;
  readonly comment: string;
}
const blocks: { name: string; file: string; claims: ClaimLine[] }[] = [];
for (const doc of docs) {
  const text = readFileSync(join(root, doc), 'utf8');
  for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const line = text.slice(0, m.index).split('\n').length;
    const name = `${doc.replace(/[/.]/g, '_')}_line_${line}`;
    const file = join(out, `${name}.ts`);
    writeFileSync(
      file,
      `${m[1]!.replace(/from '\.\//g, "from '../").replace(/new URL\('\.\//g, "new URL('../")}\nexport {};\n`,
    );
    // the block's first line is line 1 of its file, the line after the fence in the README
    const claims = m[1]!.split('\n').flatMap((code, i) => {
      const c = /\bconsole\.log\(.*\);\s*\/\/ ?(.*\S)\s*$/.exec(code);
      return c === null ? [] : [{ line: i + 1, where: `${doc}:${line + i + 1}`, comment: c[1]! }];
    });
    blocks.push({ name: `${doc}:${line}`, file, claims });
  }
}
const hook = join(out, 'console-claims.mjs');
writeFileSync(hook, CONSOLE_HOOK);
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { rootDir: '../..' }, include: ['*.ts'] }),
);

describe('code blocks in the READMEs', () => {
  it('there are blocks to test, and claims about what they print', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    expect(blocks.flatMap((b) => b.claims).length).toBeGreaterThanOrEqual(10);
  });

  it('type-check', () => {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', out], {
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr, 'tsc').toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it.each(blocks)(
    '$name runs and prints what its comments say',
    ({ file, claims }) => {
      const cwd = mkdtempSync(join(tmpdir(), 'doc-test-'));
      const log = join(cwd, '.console-claims.json');
      // run from an empty folder (blocks write to out/), with tsx loaded from the workspace
      const r = spawnSync(
        process.execPath,
        [
          '--conditions=@eventide/source',
          '--import',
          tsx,
          '--import',
          pathToFileURL(hook).href,
          relative(cwd, file),
        ],
        {
          cwd,
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            ...process.env,
            REDIS_URL: inject('redisUrl'),
            EVENTIDE_DOC_BLOCK: basename(file),
            EVENTIDE_DOC_LOG: log,
          },
        },
      );
      expect(r.stderr, r.stdout).not.toMatch(/Error/);
      expect(r.status, r.stderr).toBe(0);
      const calls = JSON.parse(readFileSync(log, 'utf8')) as LoggedCall[];
      const wrong: string[] = [];
      for (const claim of claims) {
        const made = calls.filter((c) => c.line === claim.line);
        if (made.length === 0)
          wrong.push(`${claim.where}: printed nothing; the comment says ${claim.comment}`);
        for (const call of made) {
          const why = checkClaim(claim.comment, call.args.map(decode), call.printed);
          if (why !== undefined) wrong.push(`${claim.where}: ${why}`);
        }
      }
      expect(wrong).toEqual([]);
    },
    90_000,
  );
});

describe('the check of what a block prints (the claims above)', () => {
  const holds = (comment: string, ...args: unknown[]) =>
    checkClaim(
      comment,
      args,
      formatWithOptions(
        { depth: Number.POSITIVE_INFINITY, breakLength: Number.POSITIVE_INFINITY, compact: true },
        ...args,
      ),
    );

  it('accepts what the READMEs claim of what they print', () => {
    expect(holds('1 1 1', 1, 1, 1)).toBeUndefined();
    expect(holds('true', true)).toBeUndefined();
    expect(holds("[ 'm1: 0.9 then 1.1 kWh' ]", ['m1: 0.9 then 1.1 kWh'])).toBeUndefined();
    expect(
      holds(
        "[ { meter: 'm1', at: 600000 } ] [ 'm1 silent' ]: the end of the input passes the hour",
        [{ meter: 'm1', at: 600000 }],
        ['m1 silent'],
      ),
    ).toBeUndefined();
    const partial = Object.assign(Object.create(null) as object, { high: [0.5] });
    expect(
      holds("[ { taken: { high: [ 0.5 ] }, waitingAt: 'higher', deadline: 601000, ... } ]", [
        { taken: partial, waitingAt: 'higher', startedAt: 1000, deadline: 601000, completed: false },
      ]),
    ).toBeUndefined();
    expect(holds('100', '100 readings of m1 written once')).toBeUndefined();
    expect(
      holds('http://127.0.0.1:<port>/?token=<operator token>', 'open http://127.0.0.1:4180/?token=a1-b2'),
    ).toBeUndefined();
    expect(
      holds('m1: 0.9 kWh in the first hour, 0.1 in the second', [
        { meter: 'm1', ts: 0, kWh: 0.9 },
        { meter: 'm1', ts: 3900000, kWh: 0.1 },
      ]),
    ).toBeUndefined();
  });

  it('refuses a print that differs from its claim', () => {
    expect(holds('1 1 1', 1, 1, 2)).toMatch(/printed 1 1 2/);
    expect(holds('1 1 1', 1, 1)).toBeDefined();
    expect(holds('0', 1)).toBeDefined();
    expect(holds("[ 'm1: 0.9 then 1.1 kWh' ]", ['m1: 0.9 then 1.2 kWh'])).toBeDefined();
    expect(holds("[ 'a' ]", ['a', 'b'])).toBeDefined();
    // without `...` an object has exactly the properties claimed
    expect(holds("[ { meter: 'm1', at: 600000 } ]", [{ meter: 'm1', at: 600000, extra: 1 }])).toBeDefined();
    expect(
      holds("[ { meter: 'm1', at: 600000, ... } ]", [{ meter: 'm1', at: 600001, extra: 1 }]),
    ).toBeDefined();
    expect(holds('100', '1000 readings of m1 written once')).toBeDefined();
    expect(
      holds('http://127.0.0.1:<port>/?token=<operator token>', 'open http://localhost:4180/?token=a1'),
    ).toBeDefined();
    expect(
      holds('m1: 0.9 kWh in the first hour, 0.1 in the second', [{ meter: 'm1', kWh: 0.30000000000000004 }]),
    ).toBeDefined();
    expect(holds('m1 0.5 kWh and 0.5 in hour 0', [{ meter: 'm1', hour: 0, kWh: 0.5 }])).toBeDefined();
  });
});

/** One `console.log` call of a block: the line it was made from, its arguments, what it printed. */
interface LoggedCall {
  readonly line: number;
  readonly args: unknown[];
  readonly printed: string;
}

/** A logged value back from the hook's encoding. */
function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v === null || typeof v !== 'object') return v;
  const t = v as { $: string; v: unknown };
  switch (t.$) {
    case 'undefined':
      return undefined;
    case 'number':
      return Number(t.v);
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of t.v as [string, unknown][])
        Object.defineProperty(o, k, {
          value: decode(x),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return o;
    }
    case 'map':
      return new Map((t.v as [unknown, unknown][]).map(([k, x]) => [decode(k), decode(x)]));
    case 'set':
      return new Set((t.v as unknown[]).map(decode));
    default:
      return `[${t.$} ${String(t.v)}]`;
  }
}

/** A value a claim writes down: a literal, or an array or object (`more`: it ended in `...`). */
type Pattern =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null | undefined }
  | { readonly kind: 'array'; readonly items: readonly Pattern[]; readonly more: boolean }
  | {
      readonly kind: 'object';
      readonly props: readonly (readonly [string, Pattern])[];
      readonly more: boolean;
    };

class NotAValue extends Error {}

/** Reads the JavaScript literals a claim starts with; `rest` is what follows them. */
function parseValues(text: string): { values: Pattern[]; written: string; rest: string } {
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const eat = (s: string) => {
    space();
    if (!text.startsWith(s, i)) throw new NotAValue(`${s} expected at ${i}`);
    i += s.length;
  };
  const ellipsis = () => {
    space();
    for (const e of ['...', '…']) {
      if (text.startsWith(e, i)) {
        i += e.length;
        return true;
      }
    }
    return false;
  };
  const quoted = (): string => {
    const q = text[i]!;
    let s = '';
    for (i++; i < text.length && text[i] !== q; i++) s += text[i] === '\\' ? text[++i] : text[i];
    if (i >= text.length) throw new NotAValue('unterminated string');
    i++;
    return s;
  };
  const value = (): Pattern => {
    space();
    const c = text[i];
    if (c === '[') {
      i++;
      const items: Pattern[] = [];
      let more = false;
      for (space(); text[i] !== ']'; space()) {
        if (ellipsis()) more = true;
        else items.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') throw new NotAValue(`, or ] expected at ${i}`);
      }
      i++;
      return { kind: 'array', items, more };
    }
    if (c === '{') {
      i++;
      const props: [string, Pattern][] = [];
      let more = false;
      for (space(); text[i] !== '}'; space()) {
        if (ellipsis()) more = true;
        else {
          const key =
            text[i] === "'" || text[i] === '"' ? quoted() : /^[A-Za-z_$][\w$]*/.exec(text.slice(i))?.[0];
          if (key === undefined) throw new NotAValue(`a key expected at ${i}`);
          if (text[i - 1] !== "'" && text[i - 1] !== '"') i += key.length;
          eat(':');
          props.push([key, value()]);
        }
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new NotAValue(`, or } expected at ${i}`);
      }
      i++;
      return { kind: 'object', props, more };
    }
    if (c === "'" || c === '"') return { kind: 'literal', value: quoted() };
    const word =
      /^(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|-?Infinity|NaN|true|false|null|undefined)(?![\w$.])/i.exec(
        text.slice(i),
      );
    if (word === null) throw new NotAValue(`a value expected at ${i}`);
    i += word[0].length;
    const w = word[0];
    const literal =
      w === 'true'
        ? true
        : w === 'false'
          ? false
          : w === 'null'
            ? null
            : w === 'undefined'
              ? undefined
              : Number(w);
    return { kind: 'literal', value: literal };
  };
  const values: Pattern[] = [];
  for (;;) {
    space();
    if (i >= text.length || (values.length > 0 && text[i] === ':')) break;
    values.push(value());
  }
  return { values, written: text.slice(0, i).trim(), rest: text.slice(i) };
}

function matches(p: Pattern, v: unknown): boolean {
  switch (p.kind) {
    case 'literal':
      return Object.is(p.value, v) || p.value === v;
    case 'array':
      return (
        Array.isArray(v) &&
        (p.more ? v.length >= p.items.length : v.length === p.items.length) &&
        p.items.every((item, k) => matches(item, v[k]))
      );
    case 'object': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
      const o = v as Record<string, unknown>;
      if (!p.props.every(([k, x]) => Object.hasOwn(o, k) && matches(x, o[k]))) return false;
      return p.more || Object.keys(o).length === p.props.length;
    }
  }
}

const literally = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const numbersIn = (s: string) => (s.match(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi) ?? []).map(Number);

/**
 * Whether one `console.log` call (its arguments, and the text it printed) holds what the comment
 * after it says; undefined when it does, else why not.
 */
function checkClaim(comment: string, args: readonly unknown[], printed: string): string | undefined {
  const says = `printed ${printed}, the comment says ${comment}`;
  if (/<[^<>]+>/.test(comment)) {
    const pattern = comment
      .split(/(<[^<>]+>)/)
      .map((part) => (/^<[^<>]+>$/.test(part) ? "[\\w.~%!$&'()*+,;=:@-]+" : literally(part)))
      .join('');
    return new RegExp(pattern).test(printed) ? undefined : says;
  }
  let parsed: ReturnType<typeof parseValues> | undefined;
  try {
    parsed = parseValues(comment);
    if (parsed.rest.trim() !== '' && !parsed.rest.trimStart().startsWith(':')) parsed = undefined;
  } catch (e) {
    if (!(e instanceof NotAValue)) throw e;
  }
  if (parsed !== undefined && parsed.values.length > 0) {
    const { values, written } = parsed;
    if (values.length === args.length && values.every((p, k) => matches(p, args[k]))) return undefined;
    if (args.length === 1 && typeof args[0] === 'string') {
      return new RegExp(`(?<![\\w.])${literally(written)}(?![\\w.])`).test(args[0]) ? undefined : says;
    }
    return says;
  }
  // prose: each number it names, as often as it names it, is among the printed numbers
  const left = numbersIn(printed);
  for (const n of numbersIn(comment)) {
    const k = left.indexOf(n);
    if (k < 0) return `${says} (${n} is not printed)`;
    left.splice(k, 1);
  }
  return undefined;
}
