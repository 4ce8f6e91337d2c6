import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Checkpoint } from '@eventide/core';
import { FileCheckpointStorage } from '@eventide/core/node';
import { mergeScores } from '../domain/scoring';
import { resetStore } from '../domain/store';
import { type Format, formatRows, headerOf, type OutputName, outputPath, readRows } from './outputs';
import {
  type MeteringOptions,
  type MeteringOutput,
  type MeteringResult,
  type MeteringSinks,
  startsOver,
} from './pipeline';

/**
 * The metering job on several cores: each worker thread runs the whole pipeline on its share of
 * the services (service i goes to worker i mod n; the generator produces any share alone), with
 * its own exactly-once files and checkpoints under `<out>/.workers/`. When every worker has
 * finished, their files are combined into the job's outputs: rows keyed by service are
 * concatenated, hourly totals per ZIP and borough add the workers' last firing of each window.
 * Each worker's watermark follows its own services.
 */

type Message =
  | { kind: 'progress'; done: number; total: number; rows: number }
  | { kind: 'done'; result: MeteringResult };

/** Where worker `index` of `count` keeps its files and checkpoints; `startOver` as decided for all. */
export function workerOutput(
  output: MeteringOutput,
  index: number,
  count: number,
  startOver?: boolean,
): MeteringOutput {
  const name = `${index}-of-${count}`;
  return {
    dir: join(output.dir, '.workers', name),
    format: output.format,
    checkpointDir:
      output.checkpointDir === undefined ? undefined : join(output.checkpointDir, `worker-${name}`),
    fresh: output.fresh,
    startOver,
    checkpointInterval: output.checkpointInterval,
    db: output.db,
  };
}

/** The latest checkpoint of each worker (none without a checkpoint directory). */
async function workersLatest(output: MeteringOutput, count: number): Promise<(Checkpoint | undefined)[]> {
  if (output.checkpointDir === undefined) return [];
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      new FileCheckpointStorage(workerOutput(output, i, count).checkpointDir!).latest(),
    ),
  );
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

/** Combines the workers' committed files into the job's output files. */
export function mergeOutputs(output: MeteringOutput, count: number): void {
  const dirs = Array.from({ length: count }, (_, i) => workerOutput(output, i, count).dir);
  mergeOutputDirs(dirs, output.dir, output.format);
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

export async function runMeteringParallel(
  options: MeteringOptions,
  workers: number,
  output: MeteringOutput,
  sinks: Pick<MeteringSinks, 'progress'> = {},
): Promise<MeteringResult> {
  const started = performance.now();
  const progress = new Array<{ done: number; total: number; rows: number }>(workers).fill({
    done: 0,
    total: 1,
    rows: 0,
  });
  // One decision for every worker: all start over, or all resume (a worker that had finished
  // resumes its finished checkpoint and has nothing left to do).
  const startOver = startsOver(output.fresh === true, await workersLatest(output, workers));
  if (output.db !== undefined && startOver) await resetStore(output.db);
  const threads: Worker[] = [];
  let stopped = false;
  output.onStart?.(async () => {
    stopped = true;
    for (const w of threads) w.postMessage({ kind: 'stop' });
  });
  const results = await Promise.all(
    Array.from({ length: workers }, (_, index) => {
      return new Promise<MeteringResult>((resolve, reject) => {
        const share = workerOutput(output, index, workers, startOver);
        const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
          workerData: { options: { ...options, partition: { index, count: workers } }, output: share },
          execArgv: ['--conditions=@eventide/source'],
        });
        threads.push(worker);
        if (stopped) worker.postMessage({ kind: 'stop' });
        worker.on('message', (m: Message) => {
          switch (m.kind) {
            case 'progress': {
              progress[index] = m;
              const done = progress.reduce((a, p) => a + p.done, 0);
              const total = progress.reduce((a, p) => a + p.total, 0);
              sinks.progress?.(
                done / workers,
                Math.max(1, total / workers),
                progress.reduce((a, p) => a + p.rows, 0),
              );
              break;
            }
            case 'done':
              resolve(m.result);
              break;
            default: {
              const never: never = m;
              reject(new Error(`unknown message ${JSON.stringify(never)}`));
            }
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`metering worker ${index} exited with code ${code}`));
        });
      });
    }),
  );
  const anyStopped = stopped || results.some((r) => r.stopped);
  if (!anyStopped) mergeOutputs(output, workers);
  const add = (f: (r: MeteringResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const resumed = results.map((r) => r.resumedFrom).filter((x): x is number => x !== undefined);
  return {
    services: add((r) => r.services),
    records: add((r) => r.records),
    seconds: (performance.now() - started) / 1000,
    invalid: add((r) => r.invalid),
    late: add((r) => r.late),
    lateForDay: add((r) => r.lateForDay),
    duplicates: add((r) => r.duplicates),
    corrections: add((r) => r.corrections),
    alerts: add((r) => r.alerts),
    scores: mergeScores(results.map((r) => r.scores)),
    dataStart: results[0]!.dataStart,
    dataEnd: results[0]!.dataEnd,
    resumedFrom: resumed.length > 0 ? Math.min(...resumed) : undefined,
    stopped: anyStopped,
    checkpoints: {
      completed: add((r) => r.checkpoints.completed),
      lastId: results[0]!.checkpoints.lastId,
      lastDurationMs: Math.max(...results.map((r) => r.checkpoints.lastDurationMs)),
      lastSizeBytes: add((r) => r.checkpoints.lastSizeBytes),
      restoredFrom: resumed.length > 0 ? Math.min(...resumed) : undefined,
    },
  };
}
