// Pack check: the tarballs users would install. Each package is packed with pnpm (which turns
// workspace:* into versions), its file list is checked for strays, @arethetypeswrong/cli checks its
// types resolve for every module system, and the four tarballs are installed with npm into a
// scratch project that imports them as ESM, requires them as CJS, type-checks against them with
// tsc (NodeNext, skipLibCheck false) and runs the eventide-gen bin. Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['core', 'cep', 'generator', 'sql', 'dashboard', 'redis'];
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
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({
    name: 'scratch',
    private: true,
    dependencies: Object.fromEntries([
      ...packages.map((n) => [`@eventide/${n}`, file(n)]),
      ['rxjs', '^7.8.2'],
      ['typescript', '~5.9.3'],
      ['@types/node', '^20.19.0'],
    ]),
    overrides: Object.fromEntries(packages.map((n) => [`@eventide/${n}`, file(n)])),
  }),
);
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);
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
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify({
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
  }),
);
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
if (!failed)
  console.log(
    `✓ tarballs of ${packages.map((n) => `@eventide/${n}`).join(', ')}: no strays, types right, installed and used as ESM, CJS, NodeNext types and a bin`,
  );
process.exit(failed ? 1 : 0);
