// The main job (`pnpm start`): a simulated week of New York City smart-meter readings through the
// whole pipeline, outputs under out/, and a summary scored against the generator's labels.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { csvHeader, csvLine } from '@eventide/generator';
import { SingleBar } from 'cli-progress';
import { ALERT_TYPES } from './alerts';
import { runMeteringParallel } from './parallel';
import { DEFAULT_START, type InvalidRow, invalidRow, type MeteringResult, runMetering } from './pipeline';

const HELP = `eventide metering job: generate readings, roll them up, raise alerts, score them

Usage: pnpm start [-- options]

  --services <n>   service points (default 1000)
  --days <n>       simulated days (default 7)
  --start <iso>    first interval, UTC (default ${DEFAULT_START}, midnight in New York)
  --seed <int>     random seed (default 42)
  --workers <n>    worker threads, each running the pipeline on a share of the services
                   (default: the number of CPUs, at most 2; 1 runs in this thread)
  --format <fmt>   csv (default) or ndjson
  --out <dir>      output directory (default out)
  -h, --help       show this help
`;

const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();

function fail(message: string): never {
  process.stderr.write(`eventide metering: ${message}\nRun pnpm start -- --help for the options.\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    args: argv,
    options: {
      services: { type: 'string', default: '1000' },
      days: { type: 'string', default: '7' },
      start: { type: 'string', default: DEFAULT_START },
      seed: { type: 'string', default: '42' },
      workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string', default: 'out' },
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
const int = (name: string, min: number): number => {
  const n = Number(values[name]);
  if (!(Number.isInteger(n) && n >= min))
    fail(`--${name} must be an integer ≥ ${min}, got '${values[name]}'`);
  return n;
};
const services = int('services', 1);
const seed = int('seed', -2147483648);
const workers = int('workers', 1);
const days = Number(values.days);
if (!(Number.isFinite(days) && days > 0)) fail(`--days must be a positive number, got '${values.days}'`);
const format = values.format as string;
if (format !== 'csv' && format !== 'ndjson') fail(`--format must be csv or ndjson, got '${format}'`);
const dir = values.out as string;
mkdirSync(dir, { recursive: true });

/** One output file; rows are written as the job produces them. */
function output<T extends object>(
  name: string,
  fields: readonly string[],
): { write: (row: T) => void; stream: WriteStream } {
  const stream = createWriteStream(join(dir, `${name}.${format}`));
  if (format === 'csv') stream.write(csvHeader(fields));
  return {
    stream,
    write: (row) => stream.write(format === 'csv' ? csvLine(row, fields) : `${JSON.stringify(row)}\n`),
  };
}

const hourlyFields = ['area', 'commodity', 'unit', 'hour_start', 'quantity', 'readings'];
const files = {
  hourlyZip: output('hourly-by-zip', hourlyFields),
  hourlyBorough: output('hourly-by-borough', hourlyFields),
  daily: output('daily-use', ['service_uid', 'date', 'hours', 'commodity', 'unit', 'quantity', 'cost_usd']),
  alerts: output('alerts', ['type', 'service_uid', 'commodity', 'at', 'since', 'detail']),
  late: output('late-readings', [
    'service_uid',
    'commodity',
    'unit',
    'quantity',
    'ts',
    'zip',
    'borough',
    'correction',
  ]),
  invalid: output<InvalidRow>('invalid', ['reason', 'operator', 'row']),
};

const bar = process.stderr.isTTY
  ? new SingleBar({
      format: 'metering [{bar}] {percentage}% | {value}/{total} intervals | {rows} readings | eta {eta}s',
      stream: process.stderr,
    })
  : null;
bar?.start(1, 0, { rows: 0 });
let result: MeteringResult;
try {
  const options = { services, days, seed, start: values.start as string };
  const common = {
    hourlyZip: files.hourlyZip.write,
    hourlyBorough: files.hourlyBorough.write,
    dailyUse: files.daily.write,
    alert: files.alerts.write,
    late: files.late.write,
    progress: (done: number, total: number, rows: number) => {
      if (bar) {
        bar.setTotal(total);
        bar.update(Math.floor(done), { rows });
      }
    },
  };
  result =
    workers === 1
      ? await runMetering(options, {
          ...common,
          invalid: (r) => files.invalid.write(invalidRow(r)),
        })
      : await runMeteringParallel(options, workers, { ...common, invalid: files.invalid.write });
} catch (e) {
  bar?.stop();
  fail((e as Error).message);
}
bar?.stop();
await Promise.all(Object.values(files).map((f) => new Promise((resolve) => f.stream.end(resolve))));

const n = (x: number) => x.toLocaleString('en-US');
const r = result;
const lines = [
  `${n(r.records)} readings from ${n(r.services)} service points over ${days} day(s) in ${r.seconds.toFixed(1)} s (${n(Math.round(r.records / r.seconds))} readings/s, ${workers} worker${workers === 1 ? '' : 's'})`,
  `late: ${n(r.late)} behind the hourly windows (out/late-readings), ${n(r.lateForDay)} too late for their day; invalid: ${n(r.invalid)}; duplicates dropped: ${n(r.duplicates)}; revisions applied: ${n(r.corrections)}`,
  `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  '',
  'alert               alerts  true+  labels  caught  precision  recall',
  ...ALERT_TYPES.map((t) => {
    const s = r.scores.find((x) => x.type === t)!;
    return `${t.padEnd(18)} ${String(s.alerts).padStart(7)} ${String(s.truePositives).padStart(6)} ${String(s.labels).padStart(7)} ${String(s.detected).padStart(7)}  ${s.precision.toFixed(2).padStart(9)}  ${s.recall.toFixed(2).padStart(6)}`;
  }),
  '',
  `outputs in ${dir}/: hourly-by-zip, hourly-by-borough, daily-use, alerts, late-readings, invalid (.${format})`,
];
process.stdout.write(`${lines.join('\n')}\n`);
