// Pack check: the tarballs users would install. Each package is packed with pnpm (which turns
// workspace:* into versions), its file list is checked for strays, @arethetypeswrong/cli checks its
// types resolve for every module system, and the tarballs are installed with npm into a scratch
// project that imports them as ESM, requires them as CJS, type-checks against them with tsc
// (NodeNext, skipLibCheck false) and runs the eventide-gen bin. A second scratch project installs
// the generator alone and checks that no broker client comes with it. Run after `pnpm build`.
//
// The same commit must give the same answer on any day: by default every third-party package the
// scratch projects install is pinned (npm `overrides`) to the version pnpm-lock.yaml resolved, so a
// new release of a dependency cannot turn the test command red overnight. `--latest` installs the
// newest versions the published ranges allow instead, as a user installing today would get them:
// that is `pnpm test:latest`, run on its own (not part of `pnpm test`), to learn early what a
// release upstream breaks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['core', 'cep', 'generator', 'sql', 'dashboard', 'redis'];
const latest = process.argv.includes('--latest');
/** A user's project as strict as they come: NodeNext, and the libraries' own types checked too. */
const USER_TSCONFIG = JSON.stringify({
  compilerOptions: {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
  },
  files: ['check.ts'],
});
/** What the scratch projects depend on directly, beside the tarballs. */
const extras = ['rxjs', 'typescript', '@types/node'];

/**
 * Every third-party package reachable from the published packages' dependencies (and the scratch
 * projects' own), at the version pnpm-lock.yaml resolved: name → version.
 */
function lockedVersions() {
  const lock = parse(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8'));
  const found = new Map();
  const todo = [];
  const add = (name, version) => {
    if (version.startsWith('link:')) return;
    const key = `${name}@${version}`;
    const plain = version.replace(/\(.*$/, '');
    const known = found.get(name);
    if (known !== undefined && known !== plain)
      throw new Error(
        `pnpm-lock.yaml resolves ${name} to ${known} and ${plain}; one npm override cannot pin both (nest the override under its parent here)`,
      );
    if (known === undefined) found.set(name, plain);
    if (!todo.includes(key)) todo.push(key);
  };
  for (const n of packages)
    for (const [name, dep] of Object.entries(lock.importers[`packages/${n}`].dependencies ?? {}))
      add(name, dep.version);
  for (const name of extras) add(name, lock.importers['.'].devDependencies[name].version);
  for (let i = 0; i < todo.length; i++) {
    const snapshot = lock.snapshots[todo[i]] ?? {};
    for (const [name, version] of Object.entries({
      ...snapshot.dependencies,
      ...snapshot.optionalDependencies,
    }))
      add(name, version);
  }
  return found;
}
const locked = latest ? new Map() : lockedVersions();
/** The version a scratch project asks for directly: the locked one, or the workspace's range with --latest. */
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const wanted = (name) => locked.get(name) ?? rootManifest.devDependencies[name];
const work = mkdtempSync(join(tmpdir(), 'eventide-pack-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let failed = false;
const fail = (msg) => {
  failed = true;
  console.error(`✗ ${msg}`);
};

const ALLOWED =
  /^package\/(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/[^/]+|src\/.+\.ts|assets\/[\w.-]+\.(html|js|css)|schema\/[\w.-]+\.json)$/;
const tarballs = {};
for (const name of packages) {
  const dir = join(root, 'packages', name);
  run('pnpm', ['pack', '--pack-destination', work], dir);
  const tgz = readdirSync(work).find((f) => f.startsWith(`eventide-${name}-`) && f.endsWith('.tgz'));
  tarballs[name] = join(work, tgz);
  const files = run('tar', ['tzf', tarballs[name]]).trim().split('\n');
  const stray = files.filter((f) => !ALLOWED.test(f) || /cli\.(cjs|d\.c?ts)$/.test(f));
  if (stray.length > 0) fail(`@eventide/${name}: stray files in the tarball: ${stray.join(', ')}`);
  for (const needed of ['package/README.md', 'package/LICENSE', 'package/CHANGELOG.md'])
    if (!files.includes(needed)) fail(`@eventide/${name}: the tarball lacks ${needed.slice(8)}`);
  const manifest = JSON.parse(run('tar', ['xzOf', tarballs[name], 'package/package.json']));
  if (JSON.stringify(manifest).includes('workspace:'))
    fail(`@eventide/${name}: workspace: left in package.json`);
  try {
    run(
      join(root, 'node_modules/.bin/attw'),
      [tarballs[name], '--format', 'ascii', '--profile', 'node16'],
      root,
    );
  } catch (e) {
    fail(`@eventide/${name}: are the types wrong?\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

// a scratch project, as a user would have it
const app = join(work, 'app');
execFileSync('mkdir', ['-p', app]);
const file = (name) => `file:${tarballs[name]}`;
/** Our tarballs wherever they are asked for, and every third-party package at its locked version. */
const overrides = (names) => ({
  ...Object.fromEntries(locked),
  ...Object.fromEntries(names.map((n) => [`@eventide/${n}`, file(n)])),
});
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({
    name: 'scratch',
    private: true,
    dependencies: Object.fromEntries([
      ...packages.map((n) => [`@eventide/${n}`, file(n)]),
      ...extras.map((n) => [n, wanted(n)]),
    ]),
    overrides: overrides(packages),
  }),
);
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);
// the pinning holds: what npm installed is what the lockfile says, wherever it sits in the tree
const strays = [];
for (const line of run('npm', ['ls', '--all', '--parseable', '--long'], app).trim().split('\n').slice(1)) {
  const at = line.split(':')[1] ?? '';
  const cut = at.lastIndexOf('@');
  const [name, version] = [at.slice(0, cut), at.slice(cut + 1)];
  if (locked.has(name) && locked.get(name) !== version)
    strays.push(`${name}@${version} (locked ${locked.get(name)})`);
}
if (strays.length > 0) fail(`npm installed versions other than pnpm-lock.yaml's: ${strays.join(', ')}`);
writeFileSync(
  join(app, 'esm.mjs'),
  `import { DataStream, TumblingEventTimeWindows } from '@eventide/core';
import { FileSink } from '@eventide/core/node';
import { Operator } from '@eventide/core/operator';
import { Pattern } from '@eventide/cep';
import { NFATestHarness } from '@eventide/cep/testing';
import { createFleet, readings } from '@eventide/generator';
import { writeRun } from '@eventide/generator/node';
import { defineTable } from '@eventide/sql';
import { serveDashboard } from '@eventide/dashboard';
import { decodeEntry } from '@eventide/redis';
import { of } from 'rxjs';
const d = await serveDashboard({ metrics$: of() }, { port: 0 });
const pages = await Promise.all([d.url, new URL('/assets/app.js', d.url).href].map(async (u) => (await fetch(u)).status));
await d.close();
const sums = await DataStream.fromTimeline([{ value: 2, timestamp: 1 }, { value: 3, timestamp: 4 }, { value: 5, timestamp: 12 }])
  .windowAll(TumblingEventTimeWindows.of(10)).reduce((a, b) => a + b).collect();
const h = NFATestHarness.forPattern(Pattern.begin('a').where((x) => x > 0).next('b'));
h.process(1, 1);
const rows = [...readings(createFleet({ seed: 1, services: 2 }), { start: '2026-01-05T05:00:00Z', days: 0.1 })].length;
console.log(JSON.stringify({ sums, match: h.process(2, 2).length, rows, pages, fns: [FileSink, Operator, writeRun, defineTable, decodeEntry].map((f) => typeof f) }));
`,
);
writeFileSync(
  join(app, 'cjs.cjs'),
  `const core = require('@eventide/core');
const cep = require('@eventide/cep');
const gen = require('@eventide/generator');
const sql = require('@eventide/sql');
const dash = require('@eventide/dashboard');
const redis = require('@eventide/redis');
require('@eventide/core/node'); require('@eventide/core/operator'); require('@eventide/cep/testing'); require('@eventide/generator/node');
console.log([core.DataStream, cep.Pattern, gen.createFleet, sql.SqlSink, dash.serveDashboard, redis.RedisStreamSink].map((f) => typeof f).join(','));
`,
);
writeFileSync(
  join(app, 'check.ts'),
  `import { DataStream, type Source, WatermarkStrategy } from '@eventide/core';
import { FileSink } from '@eventide/core/node';
import { Operator } from '@eventide/core/operator';
import { Pattern } from '@eventide/cep';
import { NFATestHarness } from '@eventide/cep/testing';
import { createFleet, type MeterReading, readings } from '@eventide/generator';
import { writeRun } from '@eventide/generator/node';
import { defineTable, type RowOf, SqlSink } from '@eventide/sql';
import { type DashboardOptions, serveDashboard } from '@eventide/dashboard';
import { RedisStreamSource, type StreamEntry } from '@eventide/redis';
const opts: DashboardOptions = { port: 0, title: 'x' };
void [opts, serveDashboard];
const entries: DataStream<StreamEntry> = DataStream.from(new RedisStreamSource({ connection: 'redis://:pw@127.0.0.1:6379', stream: 'readings' }));
void entries;
const t = defineTable('t', { a: 'text', n: 'integer' }, { key: ['a'] });
const row: RowOf<{ a: 'text'; n: 'integer' }> = { a: 'x', n: 1 };
const s: Source<MeterReading> = readings(createFleet({ seed: 1, services: 1 }), { start: '2026-01-05T05:00:00Z', days: 1 }).source();
const w = WatermarkStrategy.forBoundedOutOfOrderness<MeterReading>(1000).withTimestampAssigner((r) => r.interval_start_ms);
void [t, row, s, w, DataStream, FileSink, Operator, Pattern, NFATestHarness, writeRun, SqlSink];
`,
);
writeFileSync(join(app, 'tsconfig.json'), USER_TSCONFIG);
try {
  const esm = JSON.parse(run('node', ['esm.mjs'], app));
  if (
    JSON.stringify(esm.sums) !== '[5,5]' ||
    esm.match !== 1 ||
    !(esm.rows > 0) ||
    JSON.stringify(esm.pages) !== '[200,200]' ||
    esm.fns.some((f) => f !== 'function')
  )
    fail(`installed ESM gave ${JSON.stringify(esm)}`);
  const cjs = run('node', ['cjs.cjs'], app).trim();
  if (cjs !== 'function,function,function,function,function,function') fail(`installed CJS gave ${cjs}`);
  run(join(app, 'node_modules/.bin/tsc'), ['-p', '.'], app);
  const help = run(join(app, 'node_modules/.bin/eventide-gen'), ['--help'], app);
  if (!help.includes('--services')) fail('the installed eventide-gen bin did not print its help');
} catch (e) {
  fail(`the installed packages: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
}

// the generator alone: runs anywhere JavaScript runs, so it brings no broker client with it
const solo = join(work, 'generator-alone');
execFileSync('mkdir', ['-p', solo]);
writeFileSync(
  join(solo, 'package.json'),
  JSON.stringify({
    name: 'generator-alone',
    private: true,
    type: 'module',
    dependencies: Object.fromEntries([
      ['@eventide/generator', file('generator')],
      ...extras.map((n) => [n, wanted(n)]),
    ]),
    overrides: overrides(['core', 'generator']),
  }),
);
writeFileSync(
  join(solo, 'check.ts'),
  `import { createFleet, readings } from '@eventide/generator';
import { writeRun } from '@eventide/generator/node';
const n: number = [...readings(createFleet({ seed: 1, services: 1 }), { start: '2026-01-05T05:00:00Z', days: 0.1 })].length;
void [n, writeRun];
`,
);
writeFileSync(join(solo, 'tsconfig.json'), USER_TSCONFIG);
let soloPackages = 0;
try {
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], solo);
  const clients = ['ioredis', '@eventide/redis', 'pg', 'better-sqlite3'].filter((n) =>
    existsSync(join(solo, 'node_modules', n)),
  );
  if (clients.length > 0) fail(`installing @eventide/generator alone brought ${clients.join(', ')}`);
  // the first line is the project itself
  soloPackages = run('npm', ['ls', '--all', '--parseable'], solo).trim().split('\n').length - 1;
  run(join(solo, 'node_modules/.bin/tsc'), ['-p', '.'], solo);
  try {
    run(
      join(solo, 'node_modules/.bin/eventide-gen'),
      ['--to', 'redis://127.0.0.1:1/x', '--services', '1', '--days', '0.01'],
      solo,
    );
    fail('eventide-gen --to redis:// without @eventide/redis exited 0');
  } catch (e) {
    const said = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    if (e.status !== 2 || !said.includes('npm i @eventide/redis') || said.includes('    at '))
      fail(`eventide-gen --to redis:// without @eventide/redis: exit ${e.status}, said: ${said}`);
  }
} catch (e) {
  fail(`the generator installed alone: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
}

if (!failed)
  console.log(
    `✓ tarballs of ${packages.map((n) => `@eventide/${n}`).join(', ')}: no strays, types right, installed and used as ESM, CJS, NodeNext types and a bin, ` +
      (latest
        ? 'with the newest versions their ranges allow today'
        : `with the ${locked.size} third-party packages pinned to pnpm-lock.yaml`) +
      `; the generator alone installs ${soloPackages} packages and no broker client`,
  );
process.exit(failed ? 1 : 0);
