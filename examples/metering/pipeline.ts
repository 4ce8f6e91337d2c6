import type {
  Checkpoint,
  CheckpointInterval,
  CheckpointStats,
  CheckpointStorage,
  JobMetrics,
  Json,
  StopOptions,
  TwoPhaseCommitSink,
} from '@eventide/core';
import {
  connect,
  DataStream,
  INVALID,
  type InvalidRecord,
  keyGroupOf,
  type Source,
  type SourceReader,
} from '@eventide/core';
import { FileCheckpointStorage } from '@eventide/core/node';
import {
  createFleet,
  type Label,
  type MeterReading,
  premiseKey,
  type ReadingConfig,
  type Registration,
  readings,
  registrationOf,
} from '@eventide/generator';
import {
  decodeEntry,
  openRedis,
  parseRedisUrl,
  partitionOf,
  RedisStreamSource,
  readDocument,
  readStreamMeta,
} from '@eventide/redis';
import { openDatabase } from '@eventide/sql';
import type { Observable } from 'rxjs';
import { ALERT_TYPES, type Alert } from '../domain/alerts';
import { loadLabels, loadRegistry, type ReadingsSpan, readingsFromFile, scanReadings } from '../domain/input';
import { levelsOf } from '../domain/levels';
import { type AlertPattern, DEFAULT_PATTERNS, fixedPatterns, patternAlerts } from '../domain/patterns';
import {
  type DailyUse,
  dailyUse,
  type HourlyTotal,
  hourlyByBorough,
  hourlyByZip,
  LATE_FOR_DAY,
  LATE_READINGS,
} from '../domain/rollups';
import { type Score, score, TRUTH } from '../domain/scoring';
import { flagHigh, spikeWarnings } from '../domain/spike';
import { partOf, resetStore } from '../domain/store';
import { theftAlerts, theftDays } from '../domain/theft';
import { registryOf, type Usage, usageOf } from '../domain/usage';
import { callbackSink, type Format, fileSinkOf, type OutputName, readAlerts, sqlSinkOf } from './outputs';

/**
 * The main job: generated readings of a New York City fleet → validation, event time, settled
 * usage → hourly rollups per ZIP and borough, daily use and cost per service, and CEP alerts,
 * scored against the generator's labels. Outputs stream to sinks as they are produced, so memory
 * stays flat however large the fleet: exactly-once files with checkpoints (`output`), or
 * callbacks (tests).
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
  /**
   * Run only the premises of key group `index` of `count` (`keyGroupOf(premiseKey, count)`): one
   * key group's share; default all.
   */
  readonly partition?: { readonly index: number; readonly count: number };
  /** Replay in simulated time at `speed` × real time (3600: an hour a second); default as fast as possible. */
  readonly speed?: number;
  /**
   * Readings from a file in the generator's format (CSV or NDJSON) instead of a generated run,
   * scored against `labels` when given. `services`, `days`, `start` and `seed` are not used then.
   */
  readonly input?:
    | { readonly readings: string; readonly labels?: string }
    | { readonly redis: RedisReadings };
  /**
   * The alert patterns: a fixed set (default the four built-in ones, `DEFAULT_PATTERNS`), or sets
   * that change while the job runs (each emission is the whole set; the first one at start).
   */
  readonly patterns?: readonly AlertPattern[] | Observable<readonly AlertPattern[]>;
}

export const DEFAULT_START = '2026-01-05T05:00:00Z';

/** One partition of a readings stream that `eventide-gen --to redis://…` published. */
export interface RedisReadings {
  /** `redis://[:password@]host:port/<stream>` */
  readonly url: string;
  readonly partition: number;
  /** Keep reading as readings arrive, until the publisher ends the stream. */
  readonly follow?: boolean;
}

/**
 * Whether a run starts over rather than resumes: asked to (`fresh`), or none of its checkpoint
 * stores (one, or one per worker) holds an unfinished run. Then its database tables are emptied
 * first.
 */
export function startsOver(fresh: boolean, latest: readonly (Checkpoint | undefined)[]): boolean {
  return fresh || latest.every((c) => c === undefined || c.finished);
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

/** Exactly-once output files and checkpoints (the main job). */
export interface MeteringOutput {
  readonly dir: string;
  readonly format: Format;
  /** Checkpoints go here; a later run with the same directory resumes from the latest. */
  readonly checkpointDir?: string;
  /** Ignore existing checkpoints and start from the beginning. */
  readonly fresh?: boolean;
  /**
   * Set by a caller that decided for several runs at once (the parallel job for its workers):
   * true starts over, false resumes the latest checkpoint even when it is a finished one (a
   * worker that had finished when the job was killed stays finished, and writes nothing twice).
   * Unset: `startsOver` decides.
   */
  readonly startOver?: boolean;
  /** Default every 10 s. */
  readonly checkpointInterval?: CheckpointInterval;
  /** Checkpoints go here instead of `checkpointDir` (Redis, for a partition of a shared stream). */
  readonly checkpointStorage?: CheckpointStorage;
  /** Alerts also go to this exactly-once sink (a Redis stream). */
  readonly alertSink?: TwoPhaseCommitSink<Alert, unknown, Json>;
  /**
   * Also write every output to this database, exactly once: a SQLite file path or a
   * `postgres://` URL (see `store.ts`). A run that starts over empties its tables first.
   */
  readonly db?: string;
  /** Called once the job runs, with a way to stop it (a signal handler). */
  readonly onStart?: (stop: (options?: StopOptions) => Promise<void>) => void;
  /**
   * Called with the job's live outputs before it starts (a dashboard subscribes here). Values
   * are seen as they leave the pipeline, before the files and tables commit them.
   */
  readonly onLive?: (live: MeteringLive) => void | Promise<void>;
}

/** What a live view can watch of a running metering job (`MeteringOutput.onLive`). */
export interface MeteringLive {
  readonly metrics$: Observable<JobMetrics>;
  readonly zip: Observable<HourlyTotal>;
  readonly borough: Observable<HourlyTotal>;
  readonly daily: Observable<DailyUse>;
  readonly alerts: Observable<Alert>;
  /** Settled readings (first versions), for customer pages. */
  readonly readings: Observable<Usage>;
  /** Every service of the fleet by id. */
  readonly registry: ReadonlyMap<string, Registration>;
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
  /** The checkpoint this run resumed from. */
  readonly resumedFrom: number | undefined;
  /** Stopped before the end of the input (a signal): outputs hold what was checkpointed. */
  readonly stopped: boolean;
  readonly checkpoints: CheckpointStats;
}

/** Labels the scoring needs (anomalies and block faults); per-reading fault labels are counted only. */
const SCORED = new Set(Object.values(TRUTH).flat());

export async function runMetering(
  options: MeteringOptions,
  sinks: MeteringSinks = {},
  output?: MeteringOutput,
): Promise<MeteringResult> {
  const input =
    options.input === undefined
      ? undefined
      : 'redis' in options.input
        ? await redisInput(options.input.redis)
        : await fileInput(options.input);
  const generated = input === undefined ? generatedInput(options, sinks) : undefined;
  const { start: dataStart, end: dataEnd, intervalMs } = (input ?? generated!).span;
  const registry = (input ?? generated!).registry;
  const labels = (input ?? generated!).labels;

  const { streams, firstVersions } = meteringStreams(
    input ?? generated!,
    options.patterns ?? DEFAULT_PATTERNS,
  );
  const collected: Alert[] = [];
  const sink = <K extends OutputName>(name: K, each: ((v: never) => void) | undefined) =>
    output === undefined
      ? callbackSink(each as (v: unknown) => void)
      : fileSinkOf(output.dir, name, output.format);
  const storage =
    output?.checkpointStorage ??
    (output?.checkpointDir === undefined ? undefined : new FileCheckpointStorage(output.checkpointDir));
  // A run that finished leaves a finished checkpoint: the next run starts over rather than
  // resuming a run with nothing left to do.
  const startOver = output?.startOver ?? startsOver(output?.fresh === true, [await storage?.latest()]);
  // A worker's share leaves the database to the parent, which empties it once for all workers.
  if (output?.db !== undefined && options.partition === undefined && startOver) await resetStore(output.db);
  const db = output?.db === undefined ? undefined : await openDatabase(output.db);
  const part = partOf(options.partition);
  const tables =
    db === undefined
      ? {}
      : Object.fromEntries(
          (['zip', 'borough', 'daily', 'alerts', 'late', 'invalid'] as const).map((name) => [
            `${name}-db`,
            (streams[name] as DataStream<unknown>).sinkTo(sqlSinkOf(db, name, part)).name(`${name}-db`),
          ]),
        );
  const job = connect(
    {
      ...tables,
      zip: streams.zip.sinkTo(sink('zip', sinks.hourlyZip)).name('zip-sink'),
      borough: streams.borough.sinkTo(sink('borough', sinks.hourlyBorough)).name('borough-sink'),
      daily: streams.daily.sinkTo(sink('daily', sinks.dailyUse)).name('daily-sink'),
      alerts: streams.alerts
        .sinkTo(
          sink('alerts', (a: Alert) => {
            collected.push(a);
            sinks.alert?.(a);
          }),
        )
        .name('alerts-sink'),
      ...(output?.alertSink === undefined
        ? {}
        : { alertsOut: streams.alerts.sinkTo(output.alertSink).name('alerts-stream') }),
      late: streams.late.sinkTo(sink('late', sinks.late)).name('late-sink'),
      invalid: streams.invalid.sinkTo(sink('invalid', sinks.invalid)).name('invalid-sink'),
      // Read too late for their day: counted by the daily window, not written.
      lateForDay: streams.lateForDay.sinkTo(callbackSink(undefined)).name('late-for-day'),
      // A live view watches the streams themselves (a sink passes nothing on); outputs that are
      // only watched add no operator, so checkpoints stay the same with or without one.
      ...(output?.onLive === undefined
        ? {}
        : {
            liveZip: streams.zip,
            liveBorough: streams.borough,
            liveDaily: streams.daily,
            liveAlerts: streams.alerts,
            liveReadings: firstVersions,
          }),
    },
    {
      // A database round trip need not stop the pipeline: up to 4 staging writes may be in flight.
      maxPendingWrites: db === undefined ? 1 : 4,
      ...(storage === undefined
        ? {}
        : {
            checkpoints: {
              storage,
              interval: output?.checkpointInterval ?? { ms: 10_000 },
              restore: startOver ? 'none' : 'latest',
            },
          }),
    },
  );
  if (output?.onLive !== undefined) {
    const live = job.outputs as unknown as Record<string, Observable<never>>;
    await output.onLive({
      metrics$: job.metrics$,
      zip: live.liveZip!,
      borough: live.liveBorough!,
      daily: live.liveDaily!,
      alerts: live.liveAlerts!,
      readings: live.liveReadings!,
      registry,
    });
  }
  let stopped = false;
  const started = performance.now();
  job.start();
  output?.onStart?.((o) => {
    stopped = true;
    return job.stop(o);
  });
  try {
    await job.done;
  } finally {
    await db?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const m = job.metrics();
  const count = (op: string, f: 'recordsIn' | 'recordsOut' | 'invalid' | 'lateSideOutput') => m[op]?.[f] ?? 0;
  const alertsSeen = output === undefined ? collected : readAlerts(output.dir, output.format);
  return {
    services: (input ?? generated!).services,
    records: count('readings', 'recordsOut'),
    seconds,
    // rows the schema refused, and rows a readings file could not parse
    invalid: count('validate', 'invalid') + count('parse', 'invalid'),
    late: count('hourly-zip', 'lateSideOutput'),
    lateForDay: count('daily-use', 'lateSideOutput'),
    // every reading the settle stage takes is either passed on or a duplicate
    duplicates: count('settle', 'recordsIn') - count('settle', 'recordsOut'),
    corrections: count('settle', 'recordsOut') - count('first-versions', 'recordsOut'),
    alerts: alertsSeen.length,
    scores:
      labels === undefined
        ? []
        : ALERT_TYPES.map((t) => score(t, alertsSeen, labels, dataStart, dataEnd, intervalMs)),
    dataStart,
    dataEnd,
    resumedFrom: job.restoredFrom,
    stopped,
    checkpoints: job.checkpoints,
  };
}

/** The metering pipeline over one input: the streams the job writes out. */
export function meteringStreams(
  input: RunInput & { readonly parsed?: Pick<DataStream<unknown>, 'getSideOutput'> },
  patterns: readonly AlertPattern[] | Observable<readonly AlertPattern[]>,
  /**
   * `'whole'`: theft alerts are among `alerts`. `'days'`: theft stops after its first stage, and
   * `theftDays` is where a stage over every key group judges peers (worker threads).
   */
  theft: 'whole' | 'days' = 'whole',
) {
  const { end: dataEnd, intervalMs } = input.span;
  const { usage, validated } = usageOf(input.readings, input.registry, intervalMs, input.span);
  // rows a readings file could not even parse join the invalid ones
  const invalid: DataStream<InvalidRecord<unknown>> =
    input.parsed === undefined
      ? validated.getSideOutput(INVALID)
      : validated.getSideOutput(INVALID).union(input.parsed.getSideOutput(INVALID));
  const firstVersions = usage.filter((u) => !u.correction).name('first-versions');
  const zip = hourlyByZip(usage);
  const daily = dailyUse(usage);
  const flagged = flagHigh(firstVersions, intervalMs);
  const patterned = patternAlerts(
    { usage: firstVersions, flagged, warnings: spikeWarnings(flagged), levels: levelsOf(firstVersions) },
    Array.isArray(patterns)
      ? fixedPatterns(patterns as readonly AlertPattern[])
      : (patterns as Observable<readonly AlertPattern[]>),
    dataEnd,
  );
  // a match whose detail cannot be written (a template failing on its values) is invalid, named
  const invalidAll = invalid.union(patterned.getSideOutput(INVALID));
  const days = theft === 'days' ? theftDays(firstVersions, input.registry, intervalMs) : undefined;
  const alerts =
    days === undefined
      ? // Theft compares days with days and peers with peers: code, not a pattern.
        patterned.union(theftAlerts(firstVersions, input.registry, intervalMs, dataEnd)).name('all-alerts')
      : patterned;
  return {
    streams: {
      zip,
      borough: hourlyByBorough(usage),
      daily,
      alerts,
      late: zip.getSideOutput(LATE_READINGS),
      invalid: invalidAll,
      lateForDay: daily.getSideOutput(LATE_FOR_DAY),
      ...(days === undefined ? {} : { theftDays: days }),
    },
    firstVersions,
  };
}

/** Where a run's readings come from, and what goes with them. */
export interface RunInput {
  readonly readings: DataStream<MeterReading>;
  readonly span: ReadingsSpan;
  readonly registry: ReadonlyMap<string, Registration>;
  /** The labels to score against, or undefined when there are none (a file without --labels). */
  readonly labels: Label[] | undefined;
  /** Service points in the run (for the summary); 0 when unknown. */
  readonly services: number;
}

/**
 * A generated run (the default): readings, labels and registrations from the generator. With
 * `labelsInBand`, the labels also travel in the stream, as the generator makes them (`labels`):
 * a key group's task hands them to the main thread that way, at the right cut for checkpoints.
 */
export function generatedInput(
  options: MeteringOptions,
  sinks: MeteringSinks,
  labelsInBand = false,
): RunInput & { readonly labelStream?: DataStream<Label> } {
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
      ? fleet.services.filter(
          (svc) =>
            keyGroupOf(premiseKey(registrationOf(svc)), options.partition!.count) ===
            options.partition!.index,
        )
      : undefined,
  });
  const { start, end, intervalMs } = run.resolved;
  const steps = Math.round((end - start) / intervalMs);
  const labels: Label[] = [];
  let fresh: Label[] = [];
  const generated = run.source({
    onLabel: (l) => {
      if (!SCORED.has(l.type)) return;
      labels.push(l);
      if (labelsInBand) fresh.push(l);
    },
    ...(options.speed === undefined ? {} : { pace: { speed: options.speed } }),
  });
  type Item = MeterReading | { readonly label: Label };
  // The generator's own position says how far the run is: the progress bar follows it.
  const source: Source<Item> = {
    open(position) {
      const reader = generated.open(position);
      const at = () => reader.position!() as { interval: number; rows: number };
      const withLabels = (batch: readonly MeterReading[] | null): readonly Item[] | null => {
        const p = at();
        sinks.progress?.(p.interval, steps, p.rows);
        if (fresh.length === 0) return batch;
        const out: Item[] = fresh.map((label) => ({ label }));
        fresh = [];
        if (batch !== null) out.push(...batch);
        return out;
      };
      return {
        read() {
          const r = reader.read();
          return r !== null && typeof (r as PromiseLike<unknown>).then === 'function'
            ? (r as PromiseLike<readonly MeterReading[] | null>).then(withLabels)
            : withLabels(r as readonly MeterReading[] | null);
        },
        position: reader.position,
        close: reader.close,
      } satisfies SourceReader<Item>;
    },
  };
  const items = DataStream.from(source);
  return {
    readings: labelsInBand
      ? items
          .name('generated')
          .filter((x): x is MeterReading => !('label' in x))
          .name('readings')
      : (items.name('readings') as DataStream<MeterReading>),
    ...(labelsInBand
      ? {
          labelStream: items
            .filter((x): x is { readonly label: Label } => 'label' in x)
            .map((x) => x.label)
            .name('labels'),
        }
      : {}),
    span: { start, end, intervalMs },
    registry: registryOf(fleet),
    labels,
    services: run.resolved.services.length,
  };
}

/**
 * Readings from a file in the generator's format: its span found by reading it once, the
 * registrations beside it (if any), labels from `labels` (if given).
 */
async function fileInput(input: {
  readonly readings: string;
  readonly labels?: string;
}): Promise<RunInput & { readonly parsed: ReturnType<typeof readingsFromFile>['parsed'] }> {
  const span = await scanReadings(input.readings);
  const registry = loadRegistry(input.readings);
  const { readings: rows, parsed } = readingsFromFile(input.readings);
  const labels =
    input.labels === undefined ? undefined : loadLabels(input.labels).filter((l) => SCORED.has(l.type));
  return { readings: rows, parsed, span, registry, labels, services: registry.size };
}

/**
 * One partition of a readings stream in Redis: the span from the stream's meta, registrations and
 * labels from the documents the publisher stored beside it (the labels of this partition's
 * services only). Entries that are not readings go to invalid with the reason.
 */
async function redisInput(
  input: RedisReadings,
): Promise<RunInput & { readonly parsed: DataStream<Record<string, unknown>> }> {
  const { options: connection, path } = parseRedisUrl(input.url);
  const stream = path === '' ? 'readings' : path;
  const client = await openRedis(connection);
  let meta: Record<string, string>;
  let registrations: Registration[];
  let allLabels: Label[];
  try {
    meta = await readStreamMeta(client, stream);
    registrations = (await readDocument<Registration[]>(client, stream, 'registrations')) ?? [];
    allLabels = (await readDocument<Label[]>(client, stream, 'labels')) ?? [];
  } finally {
    client.disconnect();
  }
  const partitions = Number(meta.partitions);
  if (meta.start === undefined || !(partitions > 0)) {
    throw new Error(
      `stream "${stream}" was not published by eventide-gen --to (its meta has no start or partitions)`,
    );
  }
  const source = new RedisStreamSource({
    connection,
    stream,
    partitions: [input.partition],
    follow: input.follow === true,
  });
  const parsed = DataStream.from(source)
    .name('readings')
    .map((e) => decodeEntry<Record<string, unknown>>(e))
    .onError('invalid')
    .name('parse');
  const registry = new Map(registrations.map((r) => [r.ServiceId, r]));
  // the publisher partitions by premise (eventide-gen --to)
  const mine = (service: string) => {
    const r = registry.get(service);
    return partitionOf(r === undefined ? service : premiseKey(r), partitions) === input.partition;
  };
  return {
    readings: parsed as unknown as DataStream<MeterReading>,
    parsed,
    span: { start: Date.parse(meta.start), end: Date.parse(meta.end!), intervalMs: Number(meta.intervalMs) },
    registry,
    labels: allLabels.filter((l) => SCORED.has(l.type) && mine(l.service_uid)),
    services: registrations.filter((r) => mine(r.ServiceId)).length,
  };
}
