// Build check: every package's built entries import as ESM and require as CJS, expose the same
// names, and pass publint. Run after `pnpm build` (the test command does both).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['core', 'cep', 'generator', 'sql', 'dashboard', 'redis'];
const expectations = {
  core: ['DataStream', 'WatermarkStrategy', 'TumblingEventTimeWindows', 'OutputTag', 'connect', 'execute'],
  cep: ['Pattern', 'CEP', 'AfterMatchSkipStrategy', 'MalformedPatternError', 'WithinType', 'NFA', 'compile'],
  dashboard: ['serveDashboard', 'Board', 'applyDelta', 'healthOf', 'usCounties', 'usZipCentroids', 'drawMap'],
  redis: [
    'RedisStreamSource',
    'RedisStreamSink',
    'RedisCheckpointStorage',
    'PartitionLeases',
    'runPartitions',
    'decodeEntry',
  ],
  sql: ['SqlSink', 'defineTable', 'openDatabase', 'ensureTables', 'resetTables', 'SchemaMismatchError'],
  generator: [
    'createFleet',
    'readings',
    'ReadingSchema',
    'ReadingGenerator',
    'NYC_ZIP_CODES',
    'readingsToCsv',
  ],
};
let failed = false;
const fail = (msg) => {
  failed = true;
  console.error(`✗ ${msg}`);
};

for (const name of packages) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const exp = pkg.exports['.'];
  const esmPath = join(dir, exp.import.default);
  const cjsPath = join(dir, exp.require.default);
  for (const [cond, entry] of [
    ['import', exp.import],
    ['require', exp.require],
  ]) {
    if (Object.keys(entry)[0] !== 'types') fail(`${pkg.name}: exports["."].${cond} must list "types" first`);
  }
  if (pkg.sideEffects !== false) fail(`${pkg.name}: sideEffects must be false`);
  const esm = await import(pathToFileURL(esmPath).href);
  const cjs = createRequire(import.meta.url)(cjsPath);
  for (const key of expectations[name]) {
    if (!(key in esm)) fail(`${pkg.name}: ESM entry lacks ${key}`);
    if (!(key in cjs)) fail(`${pkg.name}: CJS entry lacks ${key}`);
  }
  const esmKeys = Object.keys(esm)
    .filter((k) => k !== 'default')
    .sort()
    .join(',');
  const cjsKeys = Object.keys(cjs).sort().join(',');
  if (esmKeys !== cjsKeys) fail(`${pkg.name}: ESM and CJS export different names`);
  if (name === 'core') {
    // the built engine runs: a tiny windowed job through each format
    for (const [fmt, lib] of [
      ['esm', esm],
      ['cjs', cjs],
    ]) {
      const out = await lib.DataStream.fromTimeline([
        { value: 2, timestamp: 1 },
        { value: 3, timestamp: 4 },
        { value: 5, timestamp: 12 },
      ])
        .windowAll(lib.TumblingEventTimeWindows.of(10))
        .reduce((a, b) => a + b)
        .collect();
      if (JSON.stringify(out) !== '[5,5]') fail(`core (${fmt}): expected [5,5], got ${JSON.stringify(out)}`);
    }
    // the ./operator and ./node subpaths, and an exactly-once file written through the built runtime
    const { mkdtempSync, readFileSync: read } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    for (const [fmt, lib] of [
      ['esm', esm],
      ['cjs', cjs],
    ]) {
      const load = async (subpath) => {
        const e = pkg.exports[subpath];
        return fmt === 'esm'
          ? import(pathToFileURL(join(dir, e.import.default)).href)
          : createRequire(import.meta.url)(join(dir, e.require.default));
      };
      const operator = await load('./operator');
      const node = await load('./node');
      if (typeof operator.Operator !== 'function' || typeof operator.TimerQueue !== 'function')
        fail(`core/operator (${fmt}): Operator or TimerQueue missing`);
      if ('Operator' in lib || 'TimerQueue' in lib)
        fail(`core (${fmt}): the root entry exports operator internals`);
      const tmp = mkdtempSync(join(tmpdir(), `check-build-${fmt}-`));
      const job = lib.connect(
        {
          out: lib.DataStream.from([1, 2, 3]).sinkTo(
            new node.FileSink(join(tmp, 'out.txt'), { format: (v) => v.join('\n') + '\n' }),
          ),
        },
        { checkpoints: { storage: new node.FileCheckpointStorage(join(tmp, 'cp')) } },
      );
      job.start();
      await job.done;
      const text = read(join(tmp, 'out.txt'), 'utf8');
      if (text !== '1\n2\n3\n') fail(`core/node (${fmt}): FileSink wrote ${JSON.stringify(text)}`);
      // worker threads: the built parallel-worker file is found and runs a module's key groups
      const { writeFileSync: write } = await import('node:fs');
      const module = join(tmp, 'pipeline.mjs');
      write(
        module,
        `import { DataStream, keyGroupOf } from ${JSON.stringify(pathToFileURL(join(dir, 'dist/index.js')).href)};
export default ({ keyGroup, keyGroups }) => ({ n: DataStream.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((x) => keyGroupOf(x, keyGroups) === keyGroup)) });\n`,
      );
      let sum = 0;
      const pj = await node.connectParallel(pathToFileURL(module), {
        workers: 2,
        keyGroups: 4,
        outputs: {
          n: (s) =>
            s.sinkTo({
              write: (v) => {
                for (const x of v) sum += x.value;
              },
            }),
        },
      });
      pj.start();
      await pj.done;
      if (sum !== 55) fail(`core/node (${fmt}): connectParallel added up ${sum}, not 55`);
    }
  }
  if (name === 'dashboard') {
    // the built server finds its page and assets, from either format
    const { of } = await import('rxjs');
    for (const [fmt, lib] of [
      ['esm', esm],
      ['cjs', cjs],
    ]) {
      const d = await lib.serveDashboard({ metrics$: of() }, { port: 0 });
      try {
        const page = await fetch(d.url);
        const body = await page.text();
        if (page.status !== 200 || !body.includes('id="map"'))
          fail(`dashboard (${fmt}): the page was ${page.status}`);
        for (const asset of ['app.js', 'common.js', 'uPlot.iife.min.js', 'style.css']) {
          const res = await fetch(new URL(`/assets/${asset}`, d.url));
          if (res.status !== 200) fail(`dashboard (${fmt}): /assets/${asset} was ${res.status}`);
        }
      } finally {
        await d.close();
      }
    }
  }
  if (name === 'cep') {
    // the ./testing subpath, and a pattern matched through the built harness in both formats
    const sub = pkg.exports['./testing'];
    const tEsm = await import(pathToFileURL(join(dir, sub.import.default)).href);
    const tCjs = createRequire(import.meta.url)(join(dir, sub.require.default));
    for (const [fmt, lib, testing] of [
      ['esm', esm, tEsm],
      ['cjs', cjs, tCjs],
    ]) {
      const h = testing.NFATestHarness.forPattern(
        lib.Pattern.begin('a')
          .where((x) => x > 0)
          .next('b'),
      );
      h.process(1, 1);
      const got = JSON.stringify(h.process(2, 2));
      if (got !== '[{"a":[1],"b":[2]}]') fail(`cep (${fmt}): harness gave ${got}`);
    }
  }
  if (name === 'generator') {
    // the same readings from both formats, the ./node subpath, and the bin runs
    const digest = (lib) =>
      JSON.stringify([
        ...lib.readings(lib.createFleet({ seed: 3, services: 4 }), {
          start: '2026-01-05T05:00:00Z',
          days: 0.5,
        }),
      ]);
    if (digest(esm) !== digest(cjs)) fail('generator: ESM and CJS builds generate different readings');
    const sub = pkg.exports['./node'];
    const nEsm = await import(pathToFileURL(join(dir, sub.import.default)).href);
    const nCjs = createRequire(import.meta.url)(join(dir, sub.require.default));
    if (typeof nEsm.writeRun !== 'function' || typeof nCjs.writeRun !== 'function')
      fail('generator/node: writeRun missing');
    const help = execFileSync(process.execPath, [join(dir, pkg.bin['eventide-gen']), '--help'], {
      encoding: 'utf8',
    });
    if (!help.includes('--services')) fail('generator: eventide-gen --help did not print the options');
  }
  if (name === 'sql') {
    // rows written exactly once to a SQLite file through the built runtime, in both formats
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const coreDir = join(root, 'packages', 'core');
    const corePkg = JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8'));
    for (const [fmt, lib] of [
      ['esm', esm],
      ['cjs', cjs],
    ]) {
      const core =
        fmt === 'esm'
          ? await import(pathToFileURL(join(coreDir, corePkg.exports['.'].import.default)).href)
          : createRequire(import.meta.url)(join(coreDir, corePkg.exports['.'].require.default));
      const db = await lib.openDatabase(
        join(mkdtempSync(join(tmpdir(), `check-build-sql-${fmt}-`)), 'out.db'),
      );
      const table = lib.defineTable('numbers', { n: 'integer' }, { key: ['n'] });
      const job = core.connect(
        { out: core.DataStream.from([1, 2, 3]).sinkTo(new lib.SqlSink(db, table, { row: (n) => ({ n }) })) },
        { checkpoints: { storage: new core.InMemoryCheckpointStorage() } },
      );
      job.start();
      await job.done;
      const got = JSON.stringify((await db.query('SELECT n FROM numbers ORDER BY n')).map((r) => r.n));
      await db.close();
      if (got !== '[1,2,3]') fail(`sql (${fmt}): SqlSink wrote ${got}`);
    }
  }
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), '--strict', dir], {
      stdio: 'pipe',
    });
  } catch (err) {
    fail(`${pkg.name}: publint\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`);
  }
  if (!failed)
    console.log(
      `✓ ${pkg.name}: ESM and CJS entries import (${esmKeys.split(',').length} exports), publint clean`,
    );
}
process.exit(failed ? 1 : 0);
