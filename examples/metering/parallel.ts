import { type DataStream, keyGroupOf } from '@eventide/core';
import {
  combineKeyGroups,
  connectParallel,
  FileCheckpointStorage,
  type FromKeyGroup,
} from '@eventide/core/node';
import { createFleet, type Label, readings } from '@eventide/generator';
import { openDatabase } from '@eventide/sql';
import { ALERT_TYPES } from '../domain/alerts';
import type { AlertPattern } from '../domain/patterns';
import { ALLOWED_LATENESS_MS, type HourlyTotal } from '../domain/rollups';
import { score } from '../domain/scoring';
import { partOf, resetStore } from '../domain/store';
import { judgeTheft } from '../domain/theft';
import type meteringKeyGroup from './key-group';
import type { KeyGroupOptions } from './key-group';
import { callbackSink, fileSinkOf, type OutputName, readAlerts, sqlSinkOf } from './outputs';
import {
  DEFAULT_START,
  type MeteringOptions,
  type MeteringOutput,
  type MeteringResult,
  type MeteringSinks,
  startsOver,
} from './pipeline';

/**
 * The main job's key groups: premises hash to one of these (`keyGroupOf(premiseKey, 8)`), each
 * group's pipeline runs in one worker. Fixed for a checkpoint directory's life; the number of
 * workers is not.
 */
export const KEY_GROUPS = 8;

/** Hourly totals of the key groups added up: every group's last firing of a window, summed. */
function addHourly(parts: readonly HourlyTotal[]): HourlyTotal {
  let quantity = 0;
  let count = 0;
  for (const p of parts) {
    quantity += p.quantity;
    count += p.readings;
  }
  return { ...parts[0]!, quantity: Number(quantity.toFixed(4)), readings: count };
}

/**
 * A total's parts are kept while a group may still correct its part: a window fires again for
 * readings up to ALLOWED_LATENESS_MS behind the watermark (an hour more, to be safe).
 */
const RETAIN_MS = ALLOWED_LATENESS_MS + 3_600_000;

const hourlyKey = (t: HourlyTotal) => `${t.area}|${t.commodity}|${t.hour_start}`;

/**
 * The metering job on worker threads (`connectParallel`): the pipeline is written once
 * (key-group.ts) and runs per key group of premises; the main thread adds the groups' hourly
 * totals up (`combineKeyGroups`), writes every output exactly once, and checkpoints the whole job,
 * each group's state apart, so that a run stopped with one number of workers resumes with another.
 * The outputs are the same for any number of workers.
 */
export async function runMeteringParallel(
  options: MeteringOptions,
  workers: number,
  output: MeteringOutput,
  sinks: Pick<MeteringSinks, 'progress'> = {},
): Promise<MeteringResult> {
  const started = performance.now();
  const run = readings(createFleet({ seed: options.seed, services: options.services }), {
    start: options.start ?? DEFAULT_START,
    days: options.days,
    intervalMinutes: options.intervalMinutes ?? 5,
  });
  const { start: dataStart, end: dataEnd, intervalMs } = run.resolved;
  const storage =
    output.checkpointDir === undefined ? undefined : new FileCheckpointStorage(output.checkpointDir);
  const startOver = startsOver(output.fresh === true, [await storage?.latest()]);
  if (output.db !== undefined && startOver) await resetStore(output.db);
  const db = output.db === undefined ? undefined : await openDatabase(output.db);
  const part = partOf(undefined);
  /** An output to its file, and to its table when there is a database. */
  const write = <T>(name: OutputName, s: DataStream<T>) => [
    s.sinkTo(fileSinkOf(output.dir, name, output.format)).name(`${name}-sink`),
    ...(db === undefined ? [] : [s.sinkTo(sqlSinkOf(db, name, part)).name(`${name}-db`)]),
  ];
  const values = <T>(s: DataStream<FromKeyGroup<T>>, name: string) => s.map((p) => p.value).name(name);
  const labels: Label[] = [];
  const taskOptions: KeyGroupOptions = {
    services: options.services,
    days: options.days,
    start: options.start,
    seed: options.seed,
    intervalMinutes: options.intervalMinutes,
    anomalies: options.anomalies,
    faults: options.faults,
    speed: options.speed,
    ...(Array.isArray(options.patterns) ? { patterns: options.patterns as readonly AlertPattern[] } : {}),
  };
  const job = await connectParallel<KeyGroupOptions, ReturnType<typeof meteringKeyGroup>>(
    new URL('./key-group.ts', import.meta.url),
    {
      workers,
      keyGroups: KEY_GROUPS,
      options: taskOptions,
      outputs: {
        zip: (s) =>
          write(
            'zip',
            combineKeyGroups(s, hourlyKey, addHourly, { name: 'zip-totals', retainMs: RETAIN_MS }),
          ),
        borough: (s) =>
          write(
            'borough',
            combineKeyGroups(s, hourlyKey, addHourly, { name: 'borough-totals', retainMs: RETAIN_MS }),
          ),
        daily: (s) => write('daily', values(s, 'daily')),
        late: (s) => write('late', values(s, 'late')),
        invalid: (s) => write('invalid', values(s, 'invalid')),
        labels: (s) =>
          values(s, 'labels-values')
            .sinkTo(callbackSink((l: Label) => labels.push(l)))
            .name('labels'),
      },
      // Alerts: the groups' own, and theft judged over every group's days (peers across the fleet).
      stage: (merged) => {
        const theft = judgeTheft(values(merged.theftDays, 'theft-days-all'), intervalMs, dataEnd);
        const all = values(merged.alerts, 'alerts').union(theft).name('all-alerts');
        return Object.fromEntries(write('alerts', all).map((n, i) => [`alerts#${i}`, n]));
      },
      ...(storage === undefined
        ? {}
        : {
            checkpoints: {
              storage,
              intervalMs: output.checkpointInterval?.ms ?? 10_000,
              restore: startOver ? ('none' as const) : ('latest' as const),
            },
          }),
      maxPendingWrites: db === undefined ? 1 : 4,
    },
  );
  let stopped = false;
  output.onStart?.((o) => {
    stopped = true;
    return job.stop(o);
  });
  // Progress: how far event time has come in every group (the merged watermark).
  const steps = Math.round((dataEnd - dataStart) / intervalMs);
  const progress = setInterval(() => {
    const wm = job.metrics()['key-groups']?.currentWatermark ?? Number.NEGATIVE_INFINITY;
    const done = Number.isFinite(wm)
      ? Math.max(0, Math.min(steps, Math.floor((wm - dataStart) / intervalMs)))
      : 0;
    sinks.progress?.(done, steps, job.keyGroupMetrics().readings?.recordsOut ?? 0);
  }, 200);
  job.start();
  try {
    await job.done;
  } finally {
    clearInterval(progress);
    await db?.close();
  }
  const m = job.keyGroupMetrics();
  const count = (op: string, f: string) => m[op]?.[f] ?? 0;
  sinks.progress?.(steps, steps, count('readings', 'recordsOut'));
  const alerts = readAlerts(output.dir, output.format);
  return {
    services: run.resolved.services.length,
    records: count('readings', 'recordsOut'),
    seconds: (performance.now() - started) / 1000,
    invalid: count('validate', 'invalid'),
    late: count('hourly-zip', 'lateSideOutput'),
    lateForDay: count('daily-use', 'lateSideOutput'),
    duplicates: count('settle', 'recordsIn') - count('settle', 'recordsOut'),
    corrections: count('settle', 'recordsOut') - count('first-versions', 'recordsOut'),
    alerts: alerts.length,
    scores: ALERT_TYPES.map((t) => score(t, alerts, labels, dataStart, dataEnd, intervalMs)),
    dataStart,
    dataEnd,
    resumedFrom: job.restoredFrom,
    stopped,
    checkpoints: job.checkpoints,
  };
}

/** Which key group a premise's services are in. */
export function keyGroupOfPremise(premise: string): number {
  return keyGroupOf(premise, KEY_GROUPS);
}
