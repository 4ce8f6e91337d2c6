// The main job (`pnpm start`): a simulated week of New York City smart-meter readings through the
// whole pipeline, outputs under out/, and a summary scored against the generator's labels.
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  unwatchFile,
  watchFile,
  writeSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { redactCredentials, type StopOptions, withCredentialsFrom } from '@eventide/core';
import {
  claimOutputDir,
  OutputPathError,
  openForWriteNoFollow,
  redactStandardStreams,
} from '@eventide/core/node';
import { checkSqlitePath, isPostgresUrl, redactUrl } from '@eventide/sql';
import { SingleBar } from 'cli-progress';
import { BehaviorSubject } from 'rxjs';
import { checkReadingsFile, InputFileError } from '../domain/input';
import { type AlertPattern, DEFAULT_PATTERNS, parsePatternFile } from '../domain/patterns';
import { type MeteringDashboard, serveMeteringDashboard } from './dashboard';
import { OUTPUT_FILES, scoreTable } from './outputs';
import { runMeteringParallel } from './parallel';
import { DEFAULT_START, type MeteringOutput, type MeteringResult, runMetering } from './pipeline';

/** Readings in one run unless --no-limits (100,000 services for a day took 14 minutes on one core). */
const MAX_READINGS = 100_000_000;
const MAX_SERVICES = 1_000_000;

const HELP = `eventide metering job: generate readings, roll them up, raise alerts, score them

Usage: pnpm start [-- options]

  --services <n>   service points (default 1000)
  --days <n>       simulated days (default 7)
  --start <iso>    first interval, UTC (default ${DEFAULT_START}, midnight in New York)
  --seed <int>     random seed (default 42)
  --workers <n>    worker threads (default: the number of CPUs, at most 2). The pipeline runs
                   once per key group of premises (8 groups, spread over the workers); this
                   thread adds the groups' hourly totals up and writes every output, so the
                   outputs are the same for any number of workers, and a run stopped with one
                   number resumes with another. 0 runs the whole pipeline in this thread, with
                   no key groups (what --dashboard, --input and --patterns with --follow do)
  --format <fmt>   csv (default) or ndjson
  --out <dir>      output directory (default out)
  --db <where>     also write the results to a database, exactly once: a SQLite file (default
                   <out>/metering.db), a postgres://user:password@host:port/db URL, or none;
                   EVENTIDE_DB_URL is used when --db is left out, and gives the password of a
                   --db URL written without one (so that ps does not show it)
  --checkpoint-dir <dir>
                   where checkpoints go (default <out>/.checkpoints); run the same command
                   again after a crash or a stop to resume from the latest checkpoint
  --checkpoint-every <s>
                   seconds between checkpoints (default 10)
  --fresh          ignore existing checkpoints and start from the beginning
  --force          write into an --out directory this job did not make, replacing its files
  --dashboard      serve a live view while the job runs (the city map, consumption per
                   borough, alerts, pipeline health, customer pages) and keep serving the
                   finished run until Ctrl-C; prints its address and a few customer pages'
  --port <n>       the dashboard's port (default 4180; 0 picks a free one)
  --host <addr>    the dashboard's interface (default 127.0.0.1: this machine only)
  --input <file>   run on readings from a file in the generator's format (CSV or NDJSON, as
                   eventide-gen writes them; its registrations file beside it gives ZIP codes)
                   instead of generating them; --services, --days, --start and --seed do not
                   apply. Unreadable rows go to invalid with their line and reason
  --labels <file>  with --input: the labels file to score the alerts against
  --patterns <file>
                   the alert patterns, as JSON (default the four built-in ones; see
                   metering/patterns.json); with --follow, a changed file is picked up while the
                   job runs
  --follow         replay the readings in simulated time instead of as fast as possible
                   (without a terminal, a "progress: N%" line goes to stderr every tenth)
  --speed <n>      with --follow: simulated seconds per real second (default 3600, an hour a
                   second; a week then takes about 3 minutes)
  --source <url>   consume readings eventide-gen published to Redis (eventide-gen --to):
                   redis://:<password>@<host>:<port>/<stream> (or without the password, taken
                   from EVENTIDE_REDIS_URL for the same host); one pipeline per partition,
                   checkpoints in Redis, outputs under <out>/partitions/<p>/ and, once every
                   partition has finished, combined in <out>/
  --group <name>   with --source: processes with the same group share the partitions; one that
                   dies is taken over by the others from its checkpoints (default metering)
  --lease-ms <n>   with --source: how long a partition stays with a silent process (default 10000)
  --no-limits      allow runs above ${MAX_READINGS.toLocaleString('en-US')} readings or ${MAX_SERVICES.toLocaleString('en-US')} services
  -h, --help       show this help

Relative paths are taken from the directory pnpm was started in. Output files are never written
through a symbolic link.

Outputs are exactly-once: a line appears in a file only once its checkpoint is durable, and a
resumed run ends with the same lines as an uninterrupted one. Ctrl-C (SIGINT) or SIGTERM stops
after a last checkpoint.
`;

const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();
// Every line printed (the job's own, a library's message, a stack trace) goes out without the
// passwords of the URLs it was given.
redactStandardStreams();

/** One line saying what is wrong, exit 2; `usage` adds where the options are explained. */
function fail(message: string, usage = true): never {
  process.stderr.write(
    `eventide metering: ${message}\n${usage ? 'Run pnpm start -- --help for the options.\n' : ''}`,
  );
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
/** Where pnpm was started: paths the user typed are relative to it. */
const base0 = () => process.env.INIT_CWD ?? process.cwd();
try {
  ({ values } = parseArgs({
    args: argv,
    options: {
      services: { type: 'string', default: '1000' },
      days: { type: 'string', default: '7' },
      start: { type: 'string', default: DEFAULT_START },
      seed: { type: 'string', default: '42' },
      workers: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string', default: 'out' },
      db: { type: 'string' },
      'checkpoint-dir': { type: 'string' },
      'checkpoint-every': { type: 'string', default: '10' },
      fresh: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      'no-limits': { type: 'boolean', default: false },
      dashboard: { type: 'boolean', default: false },
      port: { type: 'string', default: '4180' },
      host: { type: 'string', default: '127.0.0.1' },
      follow: { type: 'boolean', default: false },
      patterns: { type: 'string' },
      input: { type: 'string' },
      labels: { type: 'string' },
      speed: { type: 'string' },
      source: { type: 'string' },
      group: { type: 'string' },
      'lease-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (values.source !== undefined) {
  // the password may come from the environment rather than the command line, where ps shows it
  values.source = withCredentialsFrom(values.source as string, process.env.EVENTIDE_REDIS_URL);
  const { mainFromRedis } = await import('./redis-main');
  process.exit(await mainFromRedis(values, argv, fail));
}
for (const f of ['group', 'lease-ms']) if (values[f] !== undefined) fail(`--${f} goes with --source`);
const int = (name: string, min: number): number => {
  const n = Number(values[name]);
  if (!(Number.isInteger(n) && n >= min))
    fail(`--${name} must be an integer ≥ ${min}, got '${values[name]}'`);
  return n;
};
const inputFile = values.input === undefined ? undefined : resolve(base0(), values.input as string);
if (inputFile === undefined && values.labels !== undefined)
  fail('--labels scores a run on --input: add --input');
if (inputFile !== undefined) {
  const given = ['services', 'days', 'start', 'seed'].filter((f) =>
    argv.some((a) => a === `--${f}` || a.startsWith(`--${f}=`)),
  );
  if (given.length > 0)
    fail(`--input reads its readings from the file: leave out ${given.map((f) => `--${f}`).join(', ')}`);
  if (values.workers !== undefined && values.workers !== '0') {
    fail('--input runs in this thread: leave out --workers');
  }
}
const services = int('services', 1);
const seed = int('seed', -2147483648);
const dashboardOn = values.dashboard as boolean;
const reloading = values.follow === true && values.patterns !== undefined;
const workersGiven = values.workers !== undefined && values.workers !== '0';
if (dashboardOn && workersGiven) fail('--dashboard runs the job in this thread: leave out --workers');
if (reloading && workersGiven)
  fail('--patterns with --follow reloads the file in this thread: leave out --workers');
/** The whole pipeline in this thread (no key groups): what the dashboard, a file and live patterns need. */
values.workers ??= String(Math.min(2, availableParallelism()));
const workers = int('workers', 0);
const inThread = dashboardOn || reloading || inputFile !== undefined || workers === 0;
const port = int('port', 0);
if (port > 65535) fail(`--port must be at most 65535, got '${values.port}'`);
if (values.speed !== undefined && !values.follow) fail('--speed paces a replay: add --follow');
const speed = values.follow ? Number(values.speed ?? 3600) : undefined;
if (speed !== undefined && !(Number.isFinite(speed) && speed > 0)) {
  fail(`--speed must be a positive number, got '${values.speed}'`);
}
const days = Number(values.days);
if (!(Number.isFinite(days) && days > 0)) fail(`--days must be a positive number, got '${values.days}'`);
const format = values.format as string;
if (format !== 'csv' && format !== 'ndjson') fail(`--format must be csv or ndjson, got '${format}'`);
// `pnpm start` runs in examples/: paths the user typed are relative to where pnpm was started.
const base = process.env.INIT_CWD ?? process.cwd();
const dir = resolve(base, values.out as string);
/** A path as the user would type it from where they are. */
const shown = (p: string) => {
  const r = relative(base, p);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
};
const readingsEstimate = services * days * 288;
if (!values['no-limits'] && (services > MAX_SERVICES || readingsEstimate > MAX_READINGS)) {
  fail(
    `${services.toLocaleString('en-US')} services × ${days} days is about ${Math.round(readingsEstimate).toLocaleString('en-US')} readings, above the limit of ${MAX_READINGS.toLocaleString('en-US')} readings and ${MAX_SERVICES.toLocaleString('en-US')} services; pass --no-limits to run it anyway`,
  );
}
const dbEnv = process.env.EVENTIDE_DB_URL;
const dbFlag = (values.db as string | undefined) ?? (dbEnv || undefined) ?? join(dir, 'metering.db');
if (dbFlag.length === 0) fail('--db needs a SQLite file, a postgres:// URL or none');
const db =
  dbFlag === 'none'
    ? undefined
    : isPostgresUrl(dbFlag)
      ? withCredentialsFrom(dbFlag, dbEnv)
      : resolve(base, dbFlag);
if (inputFile !== undefined) {
  // a file that cannot be read at all stops here, before anything runs
  try {
    checkReadingsFile(inputFile, shown(inputFile));
    if (values.labels !== undefined && !existsSync(resolve(base, values.labels as string))) {
      throw new InputFileError(`${values.labels}: no such labels file`);
    }
  } catch (e) {
    if (e instanceof InputFileError) fail(e.message, false);
    throw e;
  }
}
try {
  const files = (['zip', 'borough', 'daily', 'alerts', 'late', 'invalid'] as const).map(
    (name) => `${OUTPUT_FILES[name].file}.${format}`,
  );
  if (db !== undefined && dirname(db) === dir) files.push(basename(db));
  claimOutputDir(dir, files, { marker: '.eventide-metering', force: values.force as boolean });
} catch (e) {
  if (e instanceof OutputPathError) fail(e.message, false);
  throw e;
}
if (db !== undefined && !isPostgresUrl(db)) {
  // a link, a directory or another program's file is refused before anything runs
  try {
    checkSqlitePath(db);
  } catch (e) {
    fail(`--db ${(e as Error).message.replace(/^SQLite /, '')}`, false);
  }
}
const patternsFile = values.patterns === undefined ? undefined : resolve(base, values.patterns as string);
let initialPatterns: readonly AlertPattern[] = DEFAULT_PATTERNS;
if (patternsFile !== undefined) {
  try {
    initialPatterns = parsePatternFile(readFileSync(patternsFile, 'utf8'), shown(patternsFile));
  } catch (e) {
    fail((e as Error).message, false);
  }
}
// With --follow a changed file replaces the set while the job runs (a bad edit is reported and
// the running patterns stay).
const patternSets = new BehaviorSubject<readonly AlertPattern[]>(initialPatterns);
if (patternsFile !== undefined && values.follow) {
  watchFile(patternsFile, { interval: 500 }, () => {
    try {
      const next = parsePatternFile(readFileSync(patternsFile, 'utf8'), shown(patternsFile));
      patternSets.next(next);
      process.stderr.write(`\npatterns: ${next.length} from ${shown(patternsFile)} applied\n`);
    } catch (e) {
      process.stderr.write(`\npatterns: kept the running ones: ${(e as Error).message}\n`);
    }
  });
}
const every = Number(values['checkpoint-every']);
if (!(Number.isFinite(every) && every > 0)) {
  fail(`--checkpoint-every must be a positive number of seconds, got '${values['checkpoint-every']}'`);
}

const bar = process.stderr.isTTY
  ? new SingleBar({
      format: 'metering [{bar}] {percentage}% | {value}/{total} intervals | {rows} readings | eta {eta}s',
      stream: process.stderr,
    })
  : null;
let barStarted = false;
let signalled: string | undefined;
let ended = false;
let dashboard: MeteringDashboard | undefined;
const output: MeteringOutput = {
  dir,
  format,
  checkpointDir:
    values['checkpoint-dir'] === undefined
      ? join(dir, '.checkpoints')
      : resolve(base, values['checkpoint-dir'] as string),
  fresh: values.fresh as boolean,
  checkpointInterval: { ms: every * 1000 },
  db,
  onStart: (stop: (o?: StopOptions) => Promise<void>) => {
    let signals = 0;
    const onSignal = (signal: string) => {
      // After the run, a signal closes the dashboard (below).
      if (ended) return;
      // Ctrl-C reaches every process of the group (pnpm, tsx and this one): a repeat within the
      // same second is that echo; a third signal forces the exit.
      if (++signals >= 3) process.exit(130);
      if (signalled !== undefined) return;
      signalled = signal;
      bar?.stop();
      process.stderr.write(`\n${signal}: stopping after a last checkpoint…\n`);
      void stop({ checkpoint: true });
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  },
  ...(dashboardOn
    ? {
        onLive: async (live) => {
          try {
            dashboard = await serveMeteringDashboard(live, {
              port,
              host: values.host as string,
              db,
            });
          } catch (e) {
            const err = e as NodeJS.ErrnoException;
            if (err.code === 'EADDRINUSE') fail(`--port ${port} is in use; pick another with --port`, false);
            throw e;
          }
          const lines = [
            `dashboard: ${dashboard.dashboard.url}`,
            ...dashboard.samples.map((x) => `  customer page of ${x.service}: ${x.url}`),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
          if (!isLoopback(values.host as string)) {
            process.stderr.write(
              `warning: the dashboard listens on ${values.host} over plain HTTP, and its address carries the access token: anyone on that network who sees the traffic can open it. Put it behind TLS (a reverse proxy) or keep --host 127.0.0.1\n`,
            );
          }
        },
      }
    : {}),
};
// Checkpoints belong to one configuration: resuming a run of other options would mix two runs.
const runOptions = {
  ...(inputFile === undefined ? {} : { input: inputFile, labels: values.labels ?? null }),
  services,
  days,
  seed,
  start: values.start as string,
  // state is kept per key group: the number of workers may change between runs, not the mode
  mode: inThread ? 'thread' : 'key-groups',
  format,
  db: db === undefined ? 'none' : redactUrl(db),
};
const stamp = join(output.checkpointDir!, 'run.json');
// the stamp is read and written without following a link planted in its place
if (existsSync(stamp) && lstatSync(stamp).isSymbolicLink()) {
  fail(
    `${shown(stamp)} is a symbolic link; not following it (remove it, or use another --checkpoint-dir)`,
    false,
  );
}
if (!output.fresh && existsSync(stamp)) {
  const before = readFileSync(stamp, 'utf8');
  if (before !== JSON.stringify(runOptions)) {
    fail(
      `the checkpoints in ${output.checkpointDir} are of a run with other options (${before}); add --fresh to start over, or use another --checkpoint-dir`,
    );
  }
}
try {
  mkdirSync(output.checkpointDir!, { recursive: true });
  const fd = openForWriteNoFollow(stamp);
  try {
    writeSync(fd, JSON.stringify(runOptions));
  } finally {
    closeSync(fd);
  }
} catch (e) {
  const code = (e as NodeJS.ErrnoException).code ?? 'an error';
  fail(
    `the checkpoint directory ${shown(output.checkpointDir!)} cannot be written (${code}): check that it is a directory you may write to, or pick another with --checkpoint-dir`,
    false,
  );
}
let result: MeteringResult;
try {
  // worker threads get the set as data; one thread follows the file
  const options = {
    services,
    days,
    seed,
    start: values.start as string,
    speed,
    patterns: inThread ? patternSets : initialPatterns,
    ...(inputFile === undefined
      ? {}
      : {
          input: {
            readings: inputFile,
            ...(values.labels === undefined ? {} : { labels: resolve(base, values.labels as string) }),
          },
        }),
  };
  // Without a terminal, a live replay (--follow) says how far it is every tenth of the run, so a
  // log (or a test waiting for a moment of the run) can follow it.
  let tenths = 0;
  const progress = (done: number, total: number, rows: number) => {
    if (bar) {
      if (!barStarted) bar.start(total, 0, { rows: 0 });
      barStarted = true;
      bar.setTotal(total);
      bar.update(Math.floor(done), { rows });
    } else if (values.follow && total > 0) {
      while (tenths < 10 && done >= (total * (tenths + 1)) / 10) {
        tenths += 1;
        process.stderr.write(
          `progress: ${tenths * 10}% (${Math.floor(done)} of ${total} intervals, ${rows} readings)\n`,
        );
      }
    }
  };
  result = inThread
    ? await runMetering(options, { progress }, output)
    : await runMeteringParallel(options, workers, output, { progress });
} catch (e) {
  bar?.stop();
  // the job failed (a database refused a connection, a disk filled up): one line; exit 2 when it
  // is the setup to check (a database or broker that cannot be reached or opened), else 1
  process.stderr.write(`eventide metering: ${(e as Error).message}\n`);
  await dashboard?.close();
  const name = (e as Error).name;
  process.exit(name === 'SqlConnectionError' || name === 'RedisConnectionError' ? 2 : 1);
}
ended = true;
if (patternsFile !== undefined) unwatchFile(patternsFile);
bar?.stop();
// A finished run leaves nothing to resume: the next run may use other options.
if (!result.stopped) rmSync(stamp, { force: true });
if (result.stopped) {
  const again = process.argv.slice(2).filter((a) => a !== '--fresh' && a !== '--');
  const resume = redactCredentials(`pnpm start${again.length > 0 ? ` -- ${again.join(' ')}` : ''}`);
  process.stdout.write(
    `stopped by ${signalled ?? 'request'} after checkpoint ${result.checkpoints.lastId ?? '(none)'}; resume with: ${resume}\n` +
      (resume.includes(':***@')
        ? '(passwords are not printed: give them again, or keep them in EVENTIDE_DB_URL / EVENTIDE_REDIS_URL)\n'
        : ''),
  );
  await dashboard?.close();
  process.exit(130);
}

const n = (x: number) => x.toLocaleString('en-US');
const r = result;
const lines = [
  ...(r.resumedFrom === undefined
    ? []
    : [`resumed from checkpoint ${r.resumedFrom} (${output.checkpointDir})`]),
  inputFile === undefined
    ? `${n(r.records)} readings from ${n(r.services)} service points over ${days} day(s) in ${r.seconds.toFixed(1)} s (${n(Math.round(r.records / r.seconds))} readings/s, ${inThread ? 'one thread' : `${workers} worker${workers === 1 ? '' : 's'}`})`
    : `${n(r.records)} rows from ${shown(inputFile)} (${((r.dataEnd - r.dataStart) / 86_400_000).toFixed(1)} days${r.services > 0 ? `, ${n(r.services)} registered service points` : ', no registrations beside it: ZIP codes unknown'}) in ${r.seconds.toFixed(1)} s (${n(Math.round(r.records / r.seconds))} rows/s)`,
  `late: ${n(r.late)} behind the hourly windows (late-readings), ${n(r.lateForDay)} too late for their day; invalid: ${n(r.invalid)}; duplicates dropped: ${n(r.duplicates)}; revisions applied: ${n(r.corrections)}`,
  `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB; ${r.checkpoints.completed} checkpoint(s), last ${n(r.checkpoints.lastSizeBytes)} bytes in ${r.checkpoints.lastDurationMs} ms`,
  '',
  ...(r.scores.length === 0
    ? [`${n(r.alerts)} alerts, not scored: give --labels to score them`]
    : [...scoreTable(r.scores)]),
  '',
  `outputs in ${shown(dir)}/: hourly-by-zip, hourly-by-borough, daily-use, alerts, late-readings, invalid (.${format})`,
  ...(db === undefined
    ? []
    : [
        `and in ${isPostgresUrl(db) ? redactUrl(db) : shown(db)}: tables hourly_by_zip, hourly_by_borough, daily_use, alerts, late_readings, invalid`,
      ]),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (dashboard !== undefined) {
  process.stdout.write(
    `\ndashboard: still serving the finished run at ${dashboard.dashboard.url} — Ctrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await dashboard.close();
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
