import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Observable, SchedulerLike } from 'rxjs';
import { DataStream } from '../api/data-stream';
import { IllegalArgumentError } from '../errors';
import type { CheckpointStorage } from '../runtime/checkpoint';
import { connect, type Job, type JobMetrics, type StopOptions } from '../runtime/job';
import type { ElementReader, HasNode, SourceNode } from '../runtime/plan';
import { type MapState, MapStateDescriptor, ValueStateDescriptor } from '../state/keyed-state';
import type { Batch, StreamElement } from '../types';
import type { FromWorker, Tagged, TaskState, ToWorker, WorkerSetup } from './parallel-protocol';

/** What the pipeline module's function is given: which key group its pipeline is for. */
export interface KeyGroupContext<O = unknown> {
  /** This task's key group, 0 … keyGroups − 1. */
  readonly keyGroup: number;
  readonly keyGroups: number;
  /** The `options` given to `connectParallel` (structured-cloned into each worker). */
  readonly options: O;
}

/**
 * A pipeline module's export: builds the pipeline of one key group, reading only that group's
 * share of the input (the records whose key `keyGroupOf(key, keyGroups)` maps to `keyGroup`),
 * and returns its outputs by name. It is called once per key group, in the worker that runs it.
 */
export type ParallelPipeline<O, S extends Record<string, HasNode<unknown>>> = (
  context: KeyGroupContext<O>,
) => S;

/** A pipeline module's output values, by name. */
export type OutputsOf<S> = { [K in keyof S]: S[K] extends HasNode<infer T> ? T : never };

/** Each output of the key groups, merged in the main thread (`ParallelOptions.stage`). */
export type MergedOutputs<S> = { readonly [K in keyof S]: DataStream<FromKeyGroup<OutputsOf<S>[K]>> };

/** An output value with the key group it came from (for combining the groups' partial results). */
export interface FromKeyGroup<T> {
  readonly keyGroup: number;
  readonly value: T;
}

/** How `connectParallel` splits, runs and checkpoints a pipeline module. */
export interface ParallelOptions<O, S extends Record<string, HasNode<unknown>>> {
  /** Worker threads (default 2). Key groups go to workers round-robin: group g to worker g mod n. */
  readonly workers?: number;
  /**
   * Key groups: the job's maximum parallelism, and the unit its state is kept in. Fixed for a job's
   * whole history: checkpoints taken with one number restore only with the same number (any number
   * of workers). Default 8.
   */
  readonly keyGroups?: number;
  /** Given to the module's function in every worker (plain data). */
  readonly options?: O;
  /**
   * What the main thread does with each output of the key groups: its stream (the groups' records
   * merged, with timestamps, and a watermark that is the minimum over the groups) to a sink, or
   * through a combining stage first (totals over all groups). Outputs not listed are dropped.
   */
  readonly outputs?: {
    readonly [K in keyof S]?: (
      merged: DataStream<FromKeyGroup<OutputsOf<S>[K]>>,
    ) => HasNode<unknown> | readonly HasNode<unknown>[];
  };
  /**
   * The main thread's stage over several outputs at once (a total that needs two of them, a
   * second keyed step over every group's results): given each output's merged stream, it returns
   * what to run (sinks, or streams to watch). Only the outputs it reads come from the workers.
   */
  readonly stage?: (merged: MergedOutputs<S>) => Record<string, HasNode<unknown>>;
  /** Checkpoints of the whole job: the main thread's state and sinks, and every key group's task. */
  readonly checkpoints?: {
    readonly storage: CheckpointStorage;
    /** Milliseconds between checkpoints (default 10 000). */
    readonly intervalMs?: number;
    readonly restore?: 'latest' | 'none';
  };
  /** Unacknowledged output chunks per task before its sources wait (default 8). */
  readonly maxChunksInFlight?: number;
  /** The main thread's clock for `metrics$` (default RxJS's `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
  /** Sink writes the main thread may have pending (`ConnectOptions.maxPendingWrites`, default 1). */
  readonly maxPendingWrites?: number;
}

interface ReaderSlot {
  queue: Entry[];
  wake: (() => void) | undefined;
  /** The position the main job's checkpoint stores for this group. */
  position: TaskState | undefined;
  ended: boolean;
  /** Waiting at a barrier: the id. */
  atBarrier: number | undefined;
  failed: Error | undefined;
}

type Entry =
  | { readonly kind: 'items'; readonly items: readonly Tagged[] }
  | { readonly kind: 'barrier'; readonly id: number; readonly state: TaskState }
  | { readonly kind: 'end'; readonly state: TaskState };

/** A record from a key group in the main thread: which output it belongs to, and the value. */
type FromGroup = FromKeyGroup<unknown> & { readonly o: number };

/**
 * A job split by key group over worker threads (`connectParallel`). Its main thread runs what the
 * `outputs` stages do with the groups' outputs, and the sinks; `done`, `stop()` and `metrics$`
 * behave as a `Job`'s.
 */
export class ParallelJob {
  /** Settles when the job ends, like `Job.done`. */
  readonly done: Promise<void>;
  private readonly job: Job<Record<string, HasNode<unknown>>>;
  private readonly workers: Worker[] = [];
  private readonly slots: ReaderSlot[];
  private readonly latestMetrics = new Map<number, Record<string, Record<string, number>>>();
  private barrierId = 0;
  private aligning: { id: number; resolve: () => void } | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private checkpointing: Promise<void> | undefined;
  private ending = false;
  private failure: Error | undefined;

  /** How many outputs the workers send (those the main thread's stages read). */
  private readonly outputCount: number;

  private constructor(
    private readonly options: ParallelOptions<unknown, Record<string, HasNode<unknown>>>,
    workers: readonly Worker[],
    outputNames: readonly string[],
    groups: number,
  ) {
    this.slots = Array.from({ length: groups }, () => ({
      queue: [],
      wake: undefined,
      position: undefined,
      ended: false,
      atBarrier: undefined,
      failed: undefined,
    }));
    for (const worker of workers) {
      this.workers.push(worker);
      worker.on('message', (m: FromWorker) => this.onMessage(m));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.ending) this.fail(new Error(`a worker thread exited with code ${code}`));
      });
    }
    // The main thread's job: one source per key group (its position is the group's task state),
    // merged; each output taken out of the merged stream and given to its stage.
    const sources = this.slots.map((_, g) =>
      new DataStream<FromGroup>(this.groupSource(g)).name(`key-group-${g}`),
    );
    const merged =
      sources.length === 1 ? sources[0]! : sources[0]!.union(...sources.slice(1)).name('key-groups');
    // An output is taken out of the merged stream when a stage first reads it; its index tags its
    // items in the workers.
    const wanted: string[] = [];
    const taken = new Map<string, DataStream<FromKeyGroup<unknown>>>();
    const take = (name: string): DataStream<FromKeyGroup<unknown>> => {
      let out = taken.get(name);
      if (out === undefined) {
        if (!outputNames.includes(name)) {
          throw new IllegalArgumentError(
            `connectParallel: the module has no output "${name}" (its outputs: ${outputNames.join(', ')})`,
          );
        }
        const o = wanted.length;
        wanted.push(name);
        // the record already is a FromKeyGroup (with its output's index beside)
        out = merged.filter((t) => t.o === o).name(`output:${name}`) as unknown as DataStream<
          FromKeyGroup<unknown>
        >;
        taken.set(name, out);
      }
      return out;
    };
    const streams: Record<string, HasNode<unknown>> = {};
    for (const [name, stage] of Object.entries(options.outputs ?? {})) {
      if (stage === undefined) continue;
      const ends = stage(take(name) as never);
      if (Array.isArray(ends)) {
        ends.forEach((e: HasNode<unknown>, i) => {
          streams[`${name}#${i}`] = e;
        });
      } else streams[name] = ends as HasNode<unknown>;
    }
    if (options.stage !== undefined) {
      const all = Object.defineProperties(
        {},
        Object.fromEntries(outputNames.map((n) => [n, { get: () => take(n), enumerable: true }])),
      );
      for (const [name, node] of Object.entries(options.stage(all as never))) {
        if (name in streams) {
          throw new IllegalArgumentError(`connectParallel: "${name}" is named by both outputs and stage`);
        }
        streams[name] = node;
      }
    }
    this.outputCount = wanted.length;
    for (const w of this.workers) w.postMessage({ kind: 'outputs', names: wanted } satisfies ToWorker);
    const cp = options.checkpoints;
    this.job = connect(streams, {
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
      ...(options.maxPendingWrites === undefined ? {} : { maxPendingWrites: options.maxPendingWrites }),
      ...(cp === undefined
        ? {}
        : {
            checkpoints: {
              storage: cp.storage,
              // taken when every key group has reached a barrier, not on the job's own interval
              interval: { records: Number.MAX_SAFE_INTEGER },
              restore: cp.restore ?? 'latest',
            },
          }),
    });
    this.done = this.job.done.finally(() => this.shutdown());
    this.done.catch(() => {});
  }

  /** Metric snapshots of the main thread's job (the key groups' counters: `keyGroupMetrics()`). */
  get metrics$(): Observable<JobMetrics> {
    return this.job.metrics$;
  }

  /** The main thread's job's outputs (streams given to `outputs` stages that are not sinks). */
  get outputs(): Job<Record<string, HasNode<unknown>>>['outputs'] {
    return this.job.outputs;
  }

  /** The checkpoint this run resumed from. */
  get restoredFrom(): number | undefined {
    return this.job.restoredFrom;
  }

  get checkpoints(): Job<Record<string, HasNode<unknown>>>['checkpoints'] {
    return this.job.checkpoints;
  }

  /** The main thread's operators' counters. */
  metrics(): ReturnType<Job<Record<string, HasNode<unknown>>>['metrics']> {
    return this.job.metrics();
  }

  /**
   * Every key group's operators' counters, added up by operator name, as of each group's last
   * barrier or its end (exact once the job has finished).
   */
  keyGroupMetrics(): Record<string, Record<string, number>> {
    const sum: Record<string, Record<string, number>> = {};
    for (const m of this.latestMetrics.values()) {
      for (const [op, counters] of Object.entries(m)) {
        const s = (sum[op] ??= {});
        for (const [k, n] of Object.entries(counters)) s[k] = (s[k] ?? 0) + n;
      }
    }
    return sum;
  }

  /**
   * Starts the workers (`workers` threads, each importing the module) and waits until each has
   * built the pipeline once; then the job can be started. Use `connectParallel`.
   */
  static async create<O, S extends Record<string, HasNode<unknown>>>(
    moduleUrl: string | URL,
    options: ParallelOptions<O, S>,
  ): Promise<ParallelJob> {
    const workers = options.workers ?? 2;
    const groups = options.keyGroups ?? 8;
    if (!(Number.isInteger(workers) && workers > 0)) {
      throw new IllegalArgumentError(
        `connectParallel: workers must be a positive integer, got ${options.workers}`,
      );
    }
    if (!(Number.isInteger(groups) && groups > 0)) {
      throw new IllegalArgumentError(
        `connectParallel: keyGroups must be a positive integer, got ${options.keyGroups}`,
      );
    }
    const module = String(moduleUrl);
    const setup: Omit<WorkerSetup, 'describe'> = {
      module,
      keyGroups: groups,
      options: options.options,
      maxChunksInFlight: options.maxChunksInFlight ?? 8,
      ...tsxFor(module),
    };
    const threads = Array.from({ length: Math.min(workers, groups) }, (_, i) =>
      spawnWorker({ ...setup, describe: i === 0 }),
    );
    let names: readonly string[] = [];
    try {
      const ready = await Promise.all(
        threads.map(
          (w) =>
            new Promise<readonly string[] | undefined>((resolve, reject) => {
              const onMessage = (m: FromWorker) => {
                if (m.kind === 'ready') {
                  w.off('message', onMessage);
                  resolve(m.outputs);
                } else if (m.kind === 'failed') reject(new Error(`${module}: ${m.message}`));
              };
              w.on('message', onMessage);
              w.once('error', reject);
            }),
        ),
      );
      names = ready[0]!;
    } catch (err) {
      for (const w of threads) void w.terminate();
      throw err;
    }
    try {
      return new ParallelJob(
        options as ParallelOptions<unknown, Record<string, HasNode<unknown>>>,
        threads,
        names,
        groups,
      );
    } catch (err) {
      for (const w of threads) void w.terminate();
      throw err;
    }
  }

  /** Starts the main thread's job, and the key groups' tasks with it. */
  start(): this {
    this.job.start();
    const every = this.options.checkpoints?.intervalMs ?? 10_000;
    if (this.options.checkpoints !== undefined) {
      this.timer = setInterval(() => {
        if (this.checkpointing === undefined && !this.ending)
          void this.checkpoint().catch((e) => this.fail(e));
      }, every);
    }
    return this;
  }

  /**
   * Takes a checkpoint of the whole job now: every key group's task is cut at a barrier, the main
   * thread waits until it has taken each group's outputs up to its barrier, then checkpoints its
   * own job (sinks commit once it is durable). Resolves once committed.
   */
  checkpoint(): Promise<void> {
    this.checkpointing ??= (async () => {
      try {
        const id = ++this.barrierId;
        const aligned = new Promise<void>((resolve) => {
          this.aligning = { id, resolve };
        });
        for (const w of this.workers) w.postMessage({ kind: 'barrier', id } satisfies ToWorker);
        this.checkAligned();
        await aligned;
        await this.job.checkpoint();
      } finally {
        this.aligning = undefined;
        this.checkpointing = undefined;
        for (const s of this.slots) {
          s.atBarrier = undefined;
          s.wake?.();
        }
      }
    })();
    return this.checkpointing;
  }

  /**
   * Stops the job. With `{ checkpoint: true }` a last checkpoint is taken at a barrier first, so a
   * later run resumes exactly there.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    clearInterval(this.timer);
    if (options.checkpoint === true && this.options.checkpoints !== undefined && !this.ending) {
      await this.checkpoint();
    }
    this.ending = true;
    await this.job.stop();
  }

  private shutdown(): void {
    this.ending = true;
    clearInterval(this.timer);
    for (const w of this.workers) {
      w.postMessage({ kind: 'stop' } satisfies ToWorker);
      setTimeout(() => void w.terminate(), 5000).unref();
    }
  }

  private fail(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    for (const s of this.slots) {
      s.failed = this.failure;
      s.wake?.();
    }
  }

  private workerOf(group: number): Worker {
    return this.workers[group % this.workers.length]!;
  }

  private onMessage(m: FromWorker): void {
    switch (m.kind) {
      case 'items':
        this.push(m.group, { kind: 'items', items: m.items });
        return;
      case 'barrier':
        if (m.state.kind === 'cut') this.latestMetrics.set(m.group, m.state.cut.metrics);
        this.push(m.group, { kind: 'barrier', id: m.id, state: m.state });
        return;
      case 'end':
        this.latestMetrics.set(m.group, m.state.metrics);
        this.push(m.group, { kind: 'end', state: m.state });
        return;
      case 'failed': {
        const e = new Error(`key group ${m.group ?? '(worker)'}: ${m.message}`);
        e.stack = m.stack;
        this.fail(e);
        return;
      }
      case 'ready':
        return;
    }
  }

  private push(group: number, entry: Entry): void {
    const s = this.slots[group]!;
    s.queue.push(entry);
    s.wake?.();
  }

  private checkAligned(): void {
    const a = this.aligning;
    if (a === undefined) return;
    if (this.slots.every((s) => s.ended || s.atBarrier === a.id)) a.resolve();
  }

  /** The main job's source of one key group: the task's outputs, in order, with its watermark. */
  private groupSource(g: number): SourceNode<FromGroup> {
    const slot = this.slots[g]!;
    return {
      type: 'source',
      kind: 'key-group',
      name: undefined,
      errorPolicy: 'fail',
      open: (position): ElementReader<FromGroup> => {
        const state = position as TaskState | undefined;
        slot.position = state;
        this.workerOf(g).postMessage({ kind: 'start', group: g, state } satisfies ToWorker);
        /** Per output index, its watermark; the group's is their minimum. */
        const marks = new Map<number, number>();
        let emitted = Number.NEGATIVE_INFINITY;
        const self = this;
        return {
          read(): Batch<FromGroup> | null | Promise<Batch<FromGroup> | null> {
            const take = (): Batch<FromGroup> | null | undefined => {
              if (slot.failed !== undefined) throw slot.failed;
              if (slot.atBarrier !== undefined) return undefined;
              const batch: StreamElement<FromGroup>[] = [];
              let chunks = 0;
              while (slot.queue.length > 0) {
                const e = slot.queue[0]!;
                if (e.kind === 'items') {
                  slot.queue.shift();
                  chunks++;
                  for (const t of e.items) {
                    const item = t.item as { value?: unknown; timestamp?: number; watermark?: number };
                    if (item.watermark !== undefined) {
                      if (item.watermark > (marks.get(t.o) ?? Number.NEGATIVE_INFINITY))
                        marks.set(t.o, item.watermark);
                    } else {
                      batch.push({
                        kind: 'record',
                        value: { o: t.o, keyGroup: g, value: item.value },
                        timestamp: item.timestamp ?? Number.NaN,
                      });
                    }
                  }
                  continue;
                }
                if (e.kind === 'barrier') {
                  // everything before the barrier goes out with the task's cut as position
                  if (batch.length > 0 || chunks > 0) break;
                  slot.queue.shift();
                  slot.position = e.state;
                  slot.atBarrier = e.id;
                  setImmediate(() => self.checkAligned());
                  return [];
                }
                // end
                if (batch.length > 0 || chunks > 0) break;
                slot.queue.shift();
                slot.position = e.state;
                slot.ended = true;
                setImmediate(() => self.checkAligned());
                return null;
              }
              if (chunks > 0)
                self.workerOf(g).postMessage({ kind: 'ack', group: g, chunks } satisfies ToWorker);
              // the group's watermark: the least of its outputs' (once every output has one)
              if (marks.size > 0) {
                let min = Number.POSITIVE_INFINITY;
                for (const w of marks.values()) if (w < min) min = w;
                if (marks.size < self.outputCount) min = Number.NEGATIVE_INFINITY;
                if (min > emitted) {
                  emitted = min;
                  batch.push({ kind: 'watermark', timestamp: min });
                }
              }
              return chunks > 0 ? batch : undefined;
            };
            const now = take();
            if (now !== undefined) return now;
            return new Promise((resolve, reject) => {
              slot.wake = () => {
                try {
                  const next = take();
                  if (next === undefined) return;
                  slot.wake = undefined;
                  resolve(next);
                } catch (err) {
                  slot.wake = undefined;
                  reject(err);
                }
              };
            });
          },
          position: () => (slot.position ?? null) as never,
          close: () => {},
        };
      },
    };
  }
}

/**
 * Runs a pipeline on several worker threads, split by key group (Flink's key groups): the module
 * at `moduleUrl` exports a function that builds the pipeline of one key group (`ParallelPipeline`,
 * written once); each worker runs the tasks of its groups; their outputs come to the main thread,
 * which merges them (watermark: the minimum over the groups), runs each output's stage (a sink,
 * or a combining step and a sink: see `combineKeyGroups`) and takes the checkpoints.
 *
 * A checkpoint cuts every task at a barrier and stores each group's state separately, with the
 * main thread's state and the sinks' transactions: exactly-once sinks stay exactly-once, and a run
 * restored with another number of workers gives each its groups' state. Results do not depend on
 * the number of workers: each group's task sees the same records in the same order.
 *
 * @example
 * // pipeline.ts
 * export default ({ keyGroup, keyGroups }: KeyGroupContext) => {
 *   const mine = readings.filter((r) => keyGroupOf(r.meter, keyGroups) === keyGroup);
 *   return { totals: DataStream.from(mine).keyBy((r) => r.meter).window(…).reduce(…) };
 * };
 * // main.ts
 * const job = await connectParallel(new URL('./pipeline.ts', import.meta.url), {
 *   workers: 2,
 *   outputs: { totals: (s) => s.map((t) => t.value).sinkTo(new FileSink('totals.csv', { format })) },
 *   checkpoints: { storage: new FileCheckpointStorage('.checkpoints') },
 * });
 * job.start();
 * await job.done;
 */
export function connectParallel<O, S extends Record<string, HasNode<unknown>>>(
  moduleUrl: string | URL,
  options: ParallelOptions<O, S>,
): Promise<ParallelJob> {
  return ParallelJob.create(moduleUrl, options);
}

/** A TypeScript module needs tsx in the worker (found beside this package, if installed). */
function tsxFor(module: string): { tsx?: string } {
  const self = import.meta.url;
  if (!/\.[cm]?tsx?$/.test(module) && !self.endsWith('.ts')) return {};
  try {
    // its ESM entry (the CommonJS one cannot register the ESM loader)
    const pkgPath = createRequire(self).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, unknown> };
    let entry = pkg.exports['./esm/api'] as unknown;
    while (entry !== null && typeof entry === 'object') {
      const e = entry as Record<string, unknown>;
      entry = e.import ?? e.default;
    }
    return { tsx: pathToFileURL(join(dirname(pkgPath), String(entry))).href };
  } catch {
    throw new IllegalArgumentError(
      `connectParallel: ${module} is TypeScript, and worker threads need tsx to load it (npm i -D tsx), or pass the built .js module`,
    );
  }
}

function spawnWorker(setup: WorkerSetup): Worker {
  const self = import.meta.url;
  // From the sources (tests, tsx) the worker is TypeScript too; from dist, its built file.
  const entry = self.endsWith('.ts')
    ? new URL('./parallel-worker.ts', self).href
    : new URL('./parallel-worker.js', self).href;
  const code = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(${JSON.stringify(entry)});
})().catch((err) => { require('node:worker_threads').parentPort.postMessage({ kind: 'failed', group: undefined, message: String(err && err.message || err), stack: err && err.stack }); });`;
  return new Worker(code, {
    eval: true,
    workerData: setup,
    // from the sources, workspace packages resolve to their sources too
    ...(self.endsWith('.ts') ? { execArgv: [...process.execArgv, '--conditions=@eventide/source'] } : {}),
  });
}

const PARTS = new MapStateDescriptor<number, unknown>('parts');
const FIRED = new ValueStateDescriptor<boolean>('fired', false);

/**
 * Combines the key groups' partial results into totals (Flink's two-phase aggregation, second
 * phase): `key` names what a partial is a part of (an area and an hour, say), and a result's
 * timestamp is when it is final in its group (a window's last timestamp). The latest partial of
 * each group is kept; once the merged watermark passes the timestamp (every group is past it),
 * `merge` of the parts is emitted, once. A group's later, corrected partial (a window fired
 * again for late data) replaces its part and the total is emitted again, as a window fires again.
 * A key's parts are dropped `retainMs` after its timestamp (default: kept for the whole run).
 *
 * @example
 * outputs: {
 *   hourly: (s) =>
 *     combineKeyGroups(s, (t) => `${t.area}|${t.hour}`, (parts) => ({ ...parts[0]!, kWh: sum(parts) }))
 *       .sinkTo(sink),
 * }
 */
export function combineKeyGroups<T>(
  merged: DataStream<FromKeyGroup<T>>,
  key: (value: T) => string,
  merge: (parts: readonly T[]) => T,
  options: { readonly retainMs?: number; readonly name?: string } = {},
): DataStream<T> {
  const retain = options.retainMs;
  return merged
    .keyBy((p) => key(p.value))
    .process<T>({
      processElement(p, ctx, out) {
        const parts = ctx.getMapState(PARTS);
        parts.put(p.keyGroup, p.value);
        const fired = ctx.getState(FIRED);
        if (fired.value() === true) {
          out.collect(merge(partsInOrder(parts)));
        } else {
          ctx.timerService.registerEventTimeTimer(ctx.timestamp);
          if (retain !== undefined) ctx.timerService.registerEventTimeTimer(ctx.timestamp + retain);
        }
      },
      onTimer(_timestamp, ctx, out) {
        const fired = ctx.getState(FIRED);
        if (fired.value() !== true) {
          fired.update(true);
          out.collect(merge(partsInOrder(ctx.getMapState(PARTS))));
        } else if (retain !== undefined) {
          ctx.getMapState(PARTS).clear();
          fired.clear();
        }
      },
    })
    .name(options.name ?? 'combine-key-groups');
}

/** The parts by key group, so that a merge adds them up in the same order in every run. */
function partsInOrder<T>(parts: MapState<number, unknown>): T[] {
  return [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v as T);
}
