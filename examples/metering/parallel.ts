import { Worker } from 'node:worker_threads';
import type { Alert } from './alert';
import type { InvalidRow, MeteringOptions, MeteringResult, MeteringSinks } from './pipeline';
import type { DailyUse, HourlyTotal } from './rollups';
import type { Score } from './scoring';
import type { Usage } from './usage';

/**
 * The metering job on several cores: each worker thread runs the whole pipeline on its share of
 * the services (service i goes to worker i mod n; the generator produces any share alone). Outputs
 * keyed by service (daily use, alerts, late and invalid rows) stream through as they come; hourly
 * totals per ZIP and borough add the workers' last firing of each window and are emitted at the
 * end; counts and scores add up. Each worker's watermark follows its own services.
 */

type Message =
  | { kind: 'zip' | 'borough'; rows: HourlyTotal[] }
  | { kind: 'daily'; rows: DailyUse[] }
  | { kind: 'alert'; rows: Alert[] }
  | { kind: 'late'; rows: Usage[] }
  | { kind: 'invalid'; rows: InvalidRow[] }
  | { kind: 'progress'; done: number; total: number; rows: number }
  | { kind: 'done'; result: MeteringResult };

export interface ParallelSinks extends Omit<MeteringSinks, 'invalid'> {
  readonly invalid?: (r: InvalidRow) => void;
}

function mergeHourly(perWorker: Map<string, HourlyTotal>[]): HourlyTotal[] {
  const sum = new Map<string, HourlyTotal>();
  for (const latest of perWorker) {
    for (const [key, t] of latest) {
      const s = sum.get(key);
      sum.set(
        key,
        s === undefined
          ? t
          : {
              ...s,
              quantity: Number((s.quantity + t.quantity).toFixed(4)),
              readings: s.readings + t.readings,
            },
      );
    }
  }
  return [...sum.values()].sort(
    (a, b) =>
      a.hour_start.localeCompare(b.hour_start) ||
      a.area.localeCompare(b.area) ||
      a.commodity.localeCompare(b.commodity),
  );
}

function mergeScores(results: readonly MeteringResult[]): Score[] {
  return results[0]!.scores.map((first) => {
    const all = results.map((r) => r.scores.find((s) => s.type === first.type)!);
    const add = (f: (s: Score) => number) => all.reduce((a, s) => a + f(s), 0);
    const alerts = add((s) => s.alerts);
    const truePositives = add((s) => s.truePositives);
    const labels = add((s) => s.labels);
    const detected = add((s) => s.detected);
    return {
      type: first.type,
      alerts,
      truePositives,
      labels,
      detected,
      precision: alerts === 0 ? 1 : truePositives / alerts,
      recall: labels === 0 ? 1 : detected / labels,
    };
  });
}

export async function runMeteringParallel(
  options: MeteringOptions,
  workers: number,
  sinks: ParallelSinks = {},
): Promise<MeteringResult> {
  const started = performance.now();
  const hourly = { zip: [] as Map<string, HourlyTotal>[], borough: [] as Map<string, HourlyTotal>[] };
  const progress = new Array<{ done: number; total: number; rows: number }>(workers).fill({
    done: 0,
    total: 1,
    rows: 0,
  });
  const results = await Promise.all(
    Array.from({ length: workers }, (_, index) => {
      const latest = { zip: new Map<string, HourlyTotal>(), borough: new Map<string, HourlyTotal>() };
      hourly.zip.push(latest.zip);
      hourly.borough.push(latest.borough);
      return new Promise<MeteringResult>((resolve, reject) => {
        const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
          workerData: { ...options, partition: { index, count: workers } },
          execArgv: ['--conditions=@eventide/source'],
        });
        worker.on('message', (m: Message) => {
          switch (m.kind) {
            case 'zip':
            case 'borough':
              // A late firing replaces the window's earlier total.
              for (const t of m.rows) latest[m.kind].set(`${t.area}|${t.commodity}|${t.hour_start}`, t);
              break;
            case 'daily':
              for (const d of m.rows) sinks.dailyUse?.(d);
              break;
            case 'alert':
              for (const a of m.rows) sinks.alert?.(a);
              break;
            case 'late':
              for (const u of m.rows) sinks.late?.(u);
              break;
            case 'invalid':
              for (const r of m.rows) sinks.invalid?.(r);
              break;
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
  for (const t of mergeHourly(hourly.zip)) sinks.hourlyZip?.(t);
  for (const t of mergeHourly(hourly.borough)) sinks.hourlyBorough?.(t);
  const add = (f: (r: MeteringResult) => number) => results.reduce((a, r) => a + f(r), 0);
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
    scores: mergeScores(results),
    dataStart: results[0]!.dataStart,
    dataEnd: results[0]!.dataEnd,
  };
}
