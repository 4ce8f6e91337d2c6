// `pnpm start -- --source redis://…/readings --group NAME`: the main job as one member of a group
// of processes sharing a Redis stream's partitions (see consume.ts).
import { resolve } from 'node:path';
import { claimOutputDir, OutputPathError } from '@eventide/core/node';
import { describeConnection, isConnectionGone, RedisConnectionError, redactUrl } from '@eventide/redis';
import { consumeFromRedis } from './consume';
import { OUTPUT_FILES, scoreTable } from './outputs';

type Values = Record<string, string | boolean | undefined>;

/** Flags that mean nothing here: the stream decides the run, the group decides the parallelism. */
const NOT_WITH_SOURCE = [
  'services',
  'days',
  'start',
  'seed',
  'workers',
  'input',
  'labels',
  'db',
  'checkpoint-dir',
  'dashboard',
  'speed',
  'patterns',
];

export async function mainFromRedis(
  values: Values,
  argv: readonly string[],
  fail: (message: string, usage?: boolean) => never,
): Promise<number> {
  const given = NOT_WITH_SOURCE.filter((f) => argv.some((a) => a === `--${f}` || a.startsWith(`--${f}=`)));
  if (given.length > 0) {
    fail(
      `--source reads a stream eventide-gen published: leave out ${given.map((f) => `--${f}`).join(', ')} (run more processes with the same --group to use more cores)`,
    );
  }
  const source = values.source as string;
  const group = (values.group as string | undefined) ?? 'metering';
  if (!/^[\w.-]+$/.test(group)) fail(`--group must be letters, digits, '.', '_' or '-', got '${group}'`);
  const format = values.format as string;
  if (format !== 'csv' && format !== 'ndjson') fail(`--format must be csv or ndjson, got '${format}'`);
  const base = process.env.INIT_CWD ?? process.cwd();
  const dir = resolve(base, values.out as string);
  const every = Number(values['checkpoint-every']);
  if (!(Number.isFinite(every) && every > 0)) {
    fail(`--checkpoint-every must be a positive number of seconds, got '${values['checkpoint-every']}'`);
  }
  const leaseMs = Number(values['lease-ms'] ?? 10_000);
  if (!(Number.isInteger(leaseMs) && leaseMs >= 300))
    fail(`--lease-ms must be an integer ≥ 300, got '${values['lease-ms']}'`);
  try {
    const files = (['zip', 'borough', 'daily', 'alerts', 'late', 'invalid'] as const).map(
      (name) => `${OUTPUT_FILES[name].file}.${format}`,
    );
    // several members share the directory: each writes only its partitions' folders
    claimOutputDir(dir, files, {
      marker: '.eventide-metering',
      force: values.force as boolean,
    });
  } catch (e) {
    if (e instanceof OutputPathError) fail(e.message, false);
    throw e;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`member of group "${group}" on ${redactUrl(source)}`);
  let signalled: string | undefined;
  try {
    const r = await consumeFromRedis({
      source,
      group,
      dir,
      format,
      follow: values.follow === true,
      fresh: values.fresh === true,
      checkpointMs: every * 1000,
      leaseMs,
      onChange: log,
      onStart: (leave) => {
        const onSignal = (signal: string) => {
          if (signalled !== undefined) return;
          signalled = signal;
          log(`${signal}: handing the partitions over after a last checkpoint…`);
          void leave();
        };
        process.on('SIGINT', () => onSignal('SIGINT'));
        process.on('SIGTERM', () => onSignal('SIGTERM'));
      },
    });
    const n = (x: number) => x.toLocaleString('en-US');
    // a partition run here twice (given back, then taken over again) counts once: a resumed
    // run's counters continue its checkpoint's
    const lastRun = new Map(r.ran.map((x) => [x.partition, x.result]));
    const records = [...lastRun.values()].reduce((a, x) => a + x.records, 0);
    const mine = [...new Set(r.ran.map((x) => x.partition))].sort((a, b) => a - b);
    const lines = [
      `this process ran partitions ${mine.join(', ') || '(none)'} of ${r.partitions}: ${n(records)} readings in ${r.seconds.toFixed(1)} s`,
    ];
    if (!r.complete) {
      lines.push(`left the group (${signalled ?? 'request'}); the other members take its partitions over`);
      process.stdout.write(`${lines.join('\n')}\n`);
      return 130;
    }
    lines.push(
      '',
      ...scoreTable(r.scores),
      '',
      `every partition has finished; outputs of all ${r.partitions} combined in ${dir}/ (each partition's in partitions/<p>/), alerts also in the Redis stream ${group}:alerts`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (e) {
    if (e instanceof RedisConnectionError) fail(e.message, false);
    // ioredis's words once its retries ran out, from a client that does not explain itself: say
    // where, and what to check
    if (isConnectionGone(e)) {
      fail(
        `Redis at ${describeConnection(source)} went away and did not come back (${(e as Error).message.trim()}): check that the server is running and reachable, then start again (the job resumes from its last checkpoint)`,
        false,
      );
    }
    process.stderr.write(`eventide metering: ${(e as Error).message}\n`);
    return 1;
  }
}
