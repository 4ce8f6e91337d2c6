import { connect, DataStream, INVALID, type InvalidRecord, type Source } from '@eventide/core';
import {
  createFleet,
  type Label,
  type MeterReading,
  type ReadingConfig,
  readings,
} from '@eventide/generator';
import { ALERT_TYPES, type Alert, leakAlerts, spikeAlerts, stoppedReporting, stuckAlerts } from './alerts';
import {
  type DailyUse,
  dailyUse,
  type HourlyTotal,
  hourlyByBorough,
  hourlyByZip,
  LATE_FOR_DAY,
  LATE_READINGS,
} from './rollups';
import { type Score, score, TRUTH } from './scoring';
import { DUPLICATES, registryOf, type Usage, usageOf } from './usage';

/**
 * The main job: generated readings of a New York City fleet → validation, event time, settled
 * usage → hourly rollups per ZIP and borough, daily use and cost per service, and CEP alerts,
 * scored against the generator's labels. Outputs stream to the given sinks as they are produced,
 * so memory stays flat however large the fleet.
 */

export interface MeteringOptions {
  readonly services: number;
  readonly days: number;
  /** First interval, UTC ISO (default Monday 2026-01-05, midnight in New York). */
  readonly start?: string;
  readonly seed: number;
  readonly intervalMinutes?: number;
  readonly anomalies?: ReadingConfig['anomalies'];
  readonly faults?: ReadingConfig['faults'];
  /** Run only services `i` with `i mod count = index` (one worker's share); default all. */
  readonly partition?: { readonly index: number; readonly count: number };
}

export const DEFAULT_START = '2026-01-05T05:00:00Z';

/** An invalid record as an output row (the record itself as JSON). */
export interface InvalidRow {
  readonly reason: string;
  readonly operator: string;
  readonly row: string;
}

export function invalidRow(r: InvalidRecord<unknown>): InvalidRow {
  return { reason: r.reason, operator: r.operator, row: JSON.stringify(r.value) };
}

/** Where the job's outputs go, each value as soon as it is produced. */
export interface MeteringSinks {
  readonly hourlyZip?: (t: HourlyTotal) => void;
  readonly hourlyBorough?: (t: HourlyTotal) => void;
  readonly dailyUse?: (d: DailyUse) => void;
  readonly alert?: (a: Alert) => void;
  readonly late?: (u: Usage) => void;
  readonly invalid?: (r: InvalidRecord<unknown>) => void;
  readonly progress?: (stepsDone: number, steps: number, rows: number) => void;
}

export interface MeteringResult {
  readonly services: number;
  readonly records: number;
  readonly seconds: number;
  readonly invalid: number;
  readonly late: number;
  readonly lateForDay: number;
  readonly duplicates: number;
  readonly corrections: number;
  readonly alerts: number;
  readonly scores: readonly Score[];
  readonly dataStart: number;
  readonly dataEnd: number;
}

/** Labels the scoring needs (anomalies and block faults); per-reading fault labels are counted only. */
const SCORED = new Set(Object.values(TRUTH).flat());

export async function runMetering(
  options: MeteringOptions,
  sinks: MeteringSinks = {},
): Promise<MeteringResult> {
  const fleet = createFleet({ seed: options.seed, services: options.services });
  const run = readings(fleet, {
    start: options.start ?? DEFAULT_START,
    days: options.days,
    intervalMinutes: options.intervalMinutes ?? 5,
    anomalies: options.anomalies ?? true,
    faults: options.faults ?? true,
    // A reading is a pure function of (seed, service, interval): a share of the services is
    // generated alone, exactly as in the whole fleet.
    services: options.partition
      ? fleet.services.filter((_, i) => i % options.partition!.count === options.partition!.index)
      : undefined,
  });
  const { start: dataStart, end: dataEnd, intervalMs } = run.resolved;
  const registry = registryOf(fleet);
  const labels: Label[] = [];
  let rows = 0;
  const source: Source<MeterReading> = {
    open() {
      const g = run.generator((l) => {
        if (SCORED.has(l.type)) labels.push(l);
      });
      let lastYield = performance.now();
      return {
        read() {
          const batch = g.next();
          if (batch !== null) {
            rows += batch.length;
            sinks.progress?.(g.stepsDone, g.steps, rows);
          }
          // The generator never waits, so the whole job would run in one synchronous turn: every
          // 50 ms hand the event loop a turn (output files flush, the progress bar redraws).
          if (performance.now() - lastYield < 50) return batch;
          return new Promise<typeof batch>((resolve) =>
            setImmediate(() => {
              lastYield = performance.now();
              resolve(batch);
            }),
          );
        },
      };
    },
  };

  const { usage, validated } = usageOf(DataStream.from(source), registry, intervalMs);
  const firstVersions = usage.filter((u) => !u.correction).name('first-versions');
  const zip = hourlyByZip(usage);
  const daily = dailyUse(usage);
  const alerts = spikeAlerts(firstVersions, intervalMs).union(
    stoppedReporting(firstVersions, dataEnd),
    leakAlerts(firstVersions, intervalMs),
    stuckAlerts(firstVersions, intervalMs),
  );
  const job = connect({
    zip,
    borough: hourlyByBorough(usage),
    daily,
    alerts,
    late: zip.getSideOutput(LATE_READINGS),
    lateForDay: daily.getSideOutput(LATE_FOR_DAY),
    invalid: validated.getSideOutput(INVALID),
    duplicates: usage.getSideOutput(DUPLICATES),
  });
  const collected: Alert[] = [];
  let late = 0;
  let lateForDay = 0;
  let invalid = 0;
  let duplicates = 0;
  job.outputs.zip.subscribe((t) => sinks.hourlyZip?.(t));
  job.outputs.borough.subscribe((t) => sinks.hourlyBorough?.(t));
  job.outputs.daily.subscribe((d) => sinks.dailyUse?.(d));
  job.outputs.alerts.subscribe((a) => {
    collected.push(a);
    sinks.alert?.(a);
  });
  job.outputs.late.subscribe((u) => {
    late++;
    sinks.late?.(u);
  });
  job.outputs.lateForDay.subscribe(() => {
    lateForDay++;
  });
  job.outputs.invalid.subscribe((r) => {
    invalid++;
    sinks.invalid?.(r);
  });
  job.outputs.duplicates.subscribe(() => {
    duplicates++;
  });
  const started = performance.now();
  job.start();
  await job.done;
  const seconds = (performance.now() - started) / 1000;
  const metrics = job.metrics();
  const corrections = (metrics.settle?.recordsOut ?? 0) - (metrics['first-versions']?.recordsOut ?? 0);
  return {
    services: run.resolved.services.length,
    records: rows,
    seconds,
    invalid,
    late,
    lateForDay,
    duplicates,
    corrections,
    alerts: collected.length,
    scores: ALERT_TYPES.map((t) => score(t, collected, labels, dataStart, dataEnd, intervalMs)),
    dataStart,
    dataEnd,
  };
}
