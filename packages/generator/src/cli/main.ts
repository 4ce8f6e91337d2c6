import { parseArgs } from 'node:util';
import { IllegalArgumentError, redactCredentials, withCredentialsFrom } from '@eventide/core';
import { OutputPathError } from '@eventide/core/node';
import { SingleBar } from 'cli-progress';
import { GeneratorConfigError } from '../errors';
import { DEFAULT_FAULTS, FAULT_RATES, type FaultConfig } from '../model/config';
import { DEFAULT_ANOMALIES } from '../model/episodes';
import { createFleet } from '../model/fleet';
import { type FileFormat, writeRun } from '../node/index';
import { readings } from '../sources/run';

/** Readings in one run unless --no-limits: about 80 GB of CSV. */
export const MAX_ROWS = 200_000_000;
export const MAX_SERVICES = 10_000_000;

const HELP = `eventide-gen: seeded New York City smart-meter readings

Usage: eventide-gen [options]

  --services <n>      service points to generate (default 1000)
  --start <iso>       first interval start, UTC (default 2026-01-05T05:00:00Z, midnight in New York)
  --days <n>          days to generate (default 7)
  --interval <min>    interval length in minutes, dividing a day (default 5)
  --seed <int>        random seed; the same seed gives the same files (default 42)
  --profile <name>    calibration: nyc (default) or seed
  --anomalies <x>     inject labelled anomalies: on, off (default) or a multiple of the default rates
  --faults <scale>    inject labelled delivery faults: on, off (default) or a multiple of the defaults
  --format <fmt>      csv (default) or ndjson
  --out <dir>         output directory (default ./out); writes readings, labels and registrations
  --force             replace those files even in a directory eventide-gen did not write
                      (with --to: replace a stream that already holds a run)
  --to <url>          publish to a Redis stream instead of writing files:
                      redis://:<password>@<host>:<port>/<stream> (rediss:// for TLS; without the
                      password it is taken from EVENTIDE_REDIS_URL for the same host); readings go
                      to <stream>:0 … <stream>:<p-1> by service, labels and registrations beside
  --partitions <n>    with --to: the stream's partitions (default 8)
  --speed <n>         with --to: publish in simulated time, n simulated seconds per second
                      (default: as fast as Redis takes them)
  --no-limits         allow runs above ${MAX_ROWS.toLocaleString('en-US')} readings or ${MAX_SERVICES.toLocaleString('en-US')} services
  -h, --help          show this help

Output files are never written through a symbolic link. A directory eventide-gen wrote holds a
.eventide-gen marker; its files are replaced by the next run there.

Example: eventide-gen --services 5000 --days 2 --anomalies on --faults on --out data
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function integer(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= min))
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`--${name} must be a positive number, got '${v}'`);
  return n;
}

function onOffOr(name: string, v: string): number | boolean {
  if (v === 'on') return true;
  if (v === 'off') return false;
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= 0))
    throw new UsageError(`--${name} must be on, off or a number ≥ 0, got '${v}'`);
  return n;
}

export interface CliResult {
  readonly code: number;
}

/** Runs the CLI with `argv` (without node and script); output and errors go to the given streams. */
export async function main(
  argv: readonly string[],
  io: {
    stdout: NodeJS.WritableStream & { isTTY?: boolean };
    stderr: NodeJS.WritableStream & { isTTY?: boolean };
  } = process,
): Promise<CliResult> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        services: { type: 'string', default: '1000' },
        start: { type: 'string', default: '2026-01-05T05:00:00Z' },
        days: { type: 'string', default: '7' },
        interval: { type: 'string', default: '5' },
        seed: { type: 'string', default: '42' },
        profile: { type: 'string', default: 'nyc' },
        anomalies: { type: 'string', default: 'off' },
        faults: { type: 'string', default: 'off' },
        format: { type: 'string', default: 'csv' },
        out: { type: 'string', default: 'out' },
        force: { type: 'boolean', default: false },
        to: { type: 'string' },
        partitions: { type: 'string' },
        speed: { type: 'string' },
        'no-limits': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return { code: 0 };
    }
    const format = values.format as FileFormat;
    if (format !== 'csv' && format !== 'ndjson')
      throw new UsageError(`--format must be csv or ndjson, got '${values.format}'`);
    const profile = values.profile;
    if (profile !== 'nyc' && profile !== 'seed')
      throw new UsageError(`--profile must be nyc or seed, got '${profile}'`);
    const anomalies = onOffOr('anomalies', values.anomalies);
    const faults = onOffOr('faults', values.faults);
    const faultConfig: boolean | Partial<FaultConfig> =
      typeof faults === 'number'
        ? Object.fromEntries(FAULT_RATES.map((k) => [k, DEFAULT_FAULTS[k] * faults]))
        : faults;
    const services = integer('services', values.services, 1);
    const days = positive('days', values.days);
    const interval = integer('interval', values.interval, 1);
    const estimate = services * days * (1440 / interval);
    if (!values['no-limits'] && (services > MAX_SERVICES || estimate > MAX_ROWS)) {
      throw new UsageError(
        `${services.toLocaleString('en-US')} services × ${days} days at ${interval}-minute intervals is about ${Math.round(estimate).toLocaleString('en-US')} readings, above the limit of ${MAX_ROWS.toLocaleString('en-US')} readings and ${MAX_SERVICES.toLocaleString('en-US')} services; pass --no-limits to generate it anyway`,
      );
    }
    const fleet = createFleet({ seed: integer('seed', values.seed, -2147483648), services });
    const run = readings(fleet, {
      start: values.start,
      days,
      intervalMinutes: interval,
      profile,
      anomalies: typeof anomalies === 'number' ? { ...DEFAULT_ANOMALIES, rate: anomalies } : anomalies,
      faults: faultConfig,
    });
    if (values.to === undefined && (values.partitions !== undefined || values.speed !== undefined)) {
      throw new UsageError(`--${values.partitions !== undefined ? 'partitions' : 'speed'} goes with --to`);
    }
    const partitions = values.partitions === undefined ? 8 : integer('partitions', values.partitions, 1);
    const speed = values.speed === undefined ? undefined : positive('speed', values.speed);
    const bar = io.stderr.isTTY
      ? new SingleBar({
          format: 'eventide-gen [{bar}] {percentage}% | {value}/{total} intervals | {rows} rows | eta {eta}s',
          stream: io.stderr,
        })
      : null;
    bar?.start(1, 0, { rows: 0 });
    const onProgress = (done: number, total: number, rows: number) => {
      if (bar) {
        bar.setTotal(total);
        bar.update(done, { rows });
      }
    };
    const started = performance.now();
    if (values.to !== undefined) {
      const { publishRun } = await loadPublisher();
      // the password may come from the environment rather than the command line, where ps shows it
      const to = withCredentialsFrom(values.to, process.env.EVENTIDE_REDIS_URL);
      const published = await publishRun(run, to, {
        partitions,
        speed,
        force: values.force,
        onProgress,
      });
      bar?.stop();
      const took = (performance.now() - started) / 1000;
      io.stdout.write(
        `${published.rows.toLocaleString('en-US')} readings for ${fleet.services.length} services published in ${took.toFixed(1)} s ` +
          `(${Math.round(published.rows / took).toLocaleString('en-US')}/s) to ${redactCredentials(values.to)}: ` +
          `${published.partitions} partitions ${published.stream}:0…${published.partitions - 1}, ${published.labels} labels\n`,
      );
      return { code: 0 };
    }
    const summary = await writeRun(run, {
      dir: values.out,
      force: values.force,
      format,
      onProgress,
    });
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    io.stdout.write(
      `${summary.rows.toLocaleString('en-US')} readings for ${fleet.services.length} services in ${seconds.toFixed(1)} s ` +
        `(${Math.round(summary.rows / seconds).toLocaleString('en-US')}/s)\n` +
        `  ${summary.readings}\n  ${summary.labels} (${summary.labelCount} labels)\n  ${summary.registrations}\n`,
    );
    return { code: 0 };
  } catch (e) {
    // by name: @eventide/redis is an optional peer, loaded only for --to redis://
    if (e instanceof IllegalArgumentError || (e instanceof Error && e.name === 'RedisConnectionError')) {
      io.stderr.write(`eventide-gen: ${e.message}\n`);
      return { code: 2 };
    }
    if (e instanceof OutputPathError) {
      io.stderr.write(`eventide-gen: ${e.message}\n`);
      return { code: 2 };
    }
    if (
      e instanceof UsageError ||
      e instanceof GeneratorConfigError ||
      (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr.write(`eventide-gen: ${(e as Error).message}\nRun eventide-gen --help for the options.\n`);
      return { code: 2 };
    }
    // a file system error while writing (disk full, a file vanished): one line, not a stack
    if (typeof (e as { code?: unknown }).code === 'string' || /^writing /.test((e as Error).message ?? '')) {
      io.stderr.write(`eventide-gen: ${(e as Error).message}\n`);
      return { code: 1 };
    }
    throw e;
  }
}

/**
 * The Redis publisher, loaded only when `--to` asks for it: `@eventide/redis` (and its client) is an
 * optional peer of the generator, so that installing the generator pulls in no broker client.
 */
async function loadPublisher(): Promise<typeof import('./redis')> {
  try {
    return await import('./redis');
  } catch (e) {
    if (
      (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' &&
      String((e as Error).message).includes('@eventide/redis')
    ) {
      throw new IllegalArgumentError(
        '--to redis:// publishes through @eventide/redis, which is not installed beside the generator: npm i @eventide/redis',
      );
    }
    throw e;
  }
}
