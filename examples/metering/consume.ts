import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StopOptions } from '@eventide/core';
import type { Label } from '@eventide/generator';
import {
  openRedis,
  type PartitionTask,
  parseRedisUrl,
  RedisCheckpointStorage,
  RedisStreamSink,
  readDocument,
  readStreamMeta,
  runPartitions,
  scanKeys,
} from '@eventide/redis';
import type { Observable } from 'rxjs';
import { ALERT_TYPES, type Alert } from '../domain/alerts';
import type { AlertPattern } from '../domain/patterns';
import { type Score, score, TRUTH } from '../domain/scoring';
import {
  type Format,
  formatRows,
  headerOf,
  type OutputName,
  outputPath,
  readAlerts,
  readRows,
} from './outputs';
import { type MeteringResult, runMetering } from './pipeline';

/**
 * The main job on a Redis stream (`pnpm start -- --source redis://…/readings --group metering`):
 * one pipeline per partition of the stream, run by whichever process of the group holds the
 * partition's lease (`runPartitions`). A partition's checkpoints live in Redis, fenced by its
 * lease, so the process that takes a partition over (its holder died, or a process joined)
 * resumes it from its last checkpoint; its output files are exactly-once files under
 * `<out>/partitions/<p>/`, and its alerts also go, exactly once, to the Redis stream
 * `<group>:alerts`. When every partition has finished (the publisher ended the stream), the
 * partitions' files are combined into `<out>/` and the alerts scored against the labels the
 * publisher stored.
 */
export interface ConsumeOptions {
  /** `redis://[:password@]host:port/<stream>` */
  readonly source: string;
  readonly group: string;
  readonly dir: string;
  readonly format: Format;
  /** Keep reading as readings arrive until the publisher ends the stream. */
  readonly follow?: boolean;
  /** Forget the group's checkpoints, finished partitions and alerts first (no other member may be running). */
  readonly fresh?: boolean;
  readonly checkpointMs?: number;
  readonly leaseMs?: number;
  readonly patterns?: readonly AlertPattern[] | Observable<readonly AlertPattern[]>;
  /** Told when partitions come and go, and as each finishes. */
  readonly onChange?: (line: string) => void;
  /** Called once the member has joined, with a way to leave (a signal handler). */
  readonly onStart?: (leave: () => Promise<void>) => void;
}

export interface ConsumeResult {
  readonly stream: string;
  readonly partitions: number;
  /** What this process ran: per partition, its run (a partition may have run more than once here). */
  readonly ran: readonly { readonly partition: number; readonly result: MeteringResult }[];
  /** False when the member left before every partition had finished. */
  readonly complete: boolean;
  readonly alerts: number;
  readonly scores: readonly Score[];
  readonly seconds: number;
}

const SCORED = new Set(Object.values(TRUTH).flat());

/** The pieces of a stream URL: the connection and the stream's name. */
function streamOf(url: string): { connection: ReturnType<typeof parseRedisUrl>['options']; stream: string } {
  const { options, path } = parseRedisUrl(url);
  return { connection: options, stream: path === '' ? 'readings' : path };
}

/** Forgets a group's progress: checkpoints, finished partitions, alerts and the partitions' files. */
async function resetGroup(options: ConsumeOptions, partitions: number): Promise<void> {
  const { connection } = streamOf(options.source);
  const client = await openRedis(connection);
  try {
    const keys = await scanKeys(client, `${options.group}:*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
  for (let p = 0; p < partitions; p++)
    rmSync(join(options.dir, 'partitions', String(p)), { recursive: true, force: true });
}

export async function consumeFromRedis(options: ConsumeOptions): Promise<ConsumeResult> {
  const started = performance.now();
  const { connection, stream } = streamOf(options.source);
  const client = await openRedis(connection);
  let meta: Record<string, string>;
  try {
    meta = await readStreamMeta(client, stream);
  } finally {
    client.disconnect();
  }
  const partitions = Number(meta.partitions);
  if (!(partitions > 0) || meta.start === undefined) {
    throw new Error(
      `stream "${stream}" has not been published by eventide-gen --to (no partitions or start in ${stream}:meta)`,
    );
  }
  if (!options.follow && meta.complete !== '1') {
    throw new Error(
      `stream "${stream}" is still being published (its end is not marked): add --follow to keep reading as it grows`,
    );
  }
  if (options.fresh) await resetGroup(options, partitions);
  const ran: { partition: number; result: MeteringResult }[] = [];
  const partitionDir = (p: number) => join(options.dir, 'partitions', String(p));

  const start = (p: number, fence: { key: string; token: string }): PartitionTask => {
    let stop: ((o?: StopOptions) => Promise<void>) | undefined;
    let asked: StopOptions | undefined;
    const run = runMetering(
      {
        services: 0,
        days: 0,
        seed: 0,
        input: { redis: { url: options.source, partition: p, follow: options.follow } },
        ...(options.patterns === undefined ? {} : { patterns: options.patterns }),
      },
      {},
      {
        dir: partitionDir(p),
        format: options.format,
        // a partition never starts over on its own: a finished one is skipped, others resume
        startOver: false,
        checkpointStorage: new RedisCheckpointStorage({
          connection,
          prefix: `${options.group}:cp:${p}`,
          fence,
        }),
        checkpointInterval: { ms: options.checkpointMs ?? 10_000 },
        alertSink: new RedisStreamSink<Alert>({
          connection,
          stream: `${options.group}:alerts`,
          writer: `partition-${p}`,
        }),
        onStart: (s) => {
          stop = s;
          if (asked !== undefined) void s(asked);
        },
      },
    ).then((result) => {
      ran.push({ partition: p, result });
      options.onChange?.(
        `partition ${p}: ${result.stopped ? 'stopped' : 'finished'}${result.resumedFrom === undefined ? '' : ` (resumed from checkpoint ${result.resumedFrom})`}, ${result.records.toLocaleString('en-US')} readings`,
      );
      return !result.stopped;
    });
    return {
      done: run,
      stop: async ({ checkpoint }) => {
        asked = { checkpoint };
        await stop?.(asked);
      },
    };
  };

  const member = await runPartitions({
    connection,
    group: options.group,
    partitions,
    leaseMs: options.leaseMs ?? 10_000,
    start,
    onChange: (c) => {
      if (c.kind !== 'finished') options.onChange?.(`partitions ${c.partitions.join(', ')} ${c.kind}`);
    },
  });
  let left = false;
  options.onStart?.(async () => {
    left = true;
    await member.close();
  });
  await member.done;
  if (left) {
    return {
      stream,
      partitions,
      ran,
      complete: false,
      alerts: 0,
      scores: [],
      seconds: (performance.now() - started) / 1000,
    };
  }
  // Every partition has finished, here or elsewhere: combine their files and score.
  mergeOutputDirs(
    Array.from({ length: partitions }, (_, p) => partitionDir(p)),
    options.dir,
    options.format,
  );
  const alerts = readAlerts(options.dir, options.format);
  const labelsClient = await openRedis(connection);
  let labels: Label[];
  try {
    labels = ((await readDocument<Label[]>(labelsClient, stream, 'labels')) ?? []).filter((l) =>
      SCORED.has(l.type),
    );
  } finally {
    labelsClient.disconnect();
  }
  const dataStart = Date.parse(meta.start);
  const dataEnd = Date.parse(meta.end!);
  const intervalMs = Number(meta.intervalMs);
  return {
    stream,
    partitions,
    ran,
    complete: true,
    alerts: alerts.length,
    scores: ALERT_TYPES.map((t) => score(t, alerts, labels, dataStart, dataEnd, intervalMs)),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Writes a file whole, atomically: readers see the old file or the new one. */
function replaceFile(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Hourly totals: each worker's last firing of a window, added up across workers. */
function mergeHourly(dirs: readonly string[], name: OutputName, format: Format): object[] {
  const sum = new Map<
    string,
    { area: string; commodity: string; unit: string; hour_start: string; quantity: number; readings: number }
  >();
  for (const dir of dirs) {
    const latest = new Map<string, Record<string, string>>();
    for (const r of readRows(dir, name, format)) latest.set(`${r.area}|${r.commodity}|${r.hour_start}`, r);
    for (const [key, r] of latest) {
      const s = sum.get(key);
      const quantity = Number(r.quantity);
      const readings = Number(r.readings);
      if (s === undefined) {
        sum.set(key, {
          area: r.area!,
          commodity: r.commodity!,
          unit: r.unit!,
          hour_start: r.hour_start!,
          quantity,
          readings,
        });
      } else {
        s.quantity = Number((s.quantity + quantity).toFixed(4));
        s.readings += readings;
      }
    }
  }
  return [...sum.values()].sort(
    (a, b) =>
      a.hour_start.localeCompare(b.hour_start) ||
      a.area.localeCompare(b.area) ||
      a.commodity.localeCompare(b.commodity),
  );
}

/**
 * Combines the committed files of several runs over disjoint sets of services (workers, or the
 * partitions of a Redis stream) into one set of output files in `dir`.
 */
export function mergeOutputDirs(dirs: readonly string[], dir: string, format: Format): void {
  mkdirSync(dir, { recursive: true });
  for (const name of ['zip', 'borough'] as const) {
    const rows = mergeHourly(dirs, name, format);
    replaceFile(outputPath(dir, name, format), headerOf(name, format) + formatRows(name, format, rows));
  }
  for (const name of ['daily', 'alerts', 'late', 'invalid'] as const) {
    let text = headerOf(name, format);
    for (const d of dirs) text += formatRows(name, format, readRows(d, name, format));
    replaceFile(outputPath(dir, name, format), text);
  }
}
