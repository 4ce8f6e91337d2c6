import {
  asyncScheduler,
  concat,
  interval,
  map,
  Observable,
  ReplaySubject,
  type SchedulerLike,
  Subscription,
  takeUntil,
} from 'rxjs';
import { IllegalArgumentError } from '../errors';
import type { OperatorMetrics } from '../metrics';
import type { Batch, StreamElement, TimelineItem } from '../types';
import { type Checkpoint, CheckpointError, type CheckpointStorage } from './checkpoint';
import {
  CheckpointCoordinator,
  type CheckpointInterval,
  type CheckpointStats,
  cutOf,
  restoreCheckpoint,
} from './coordinator';
import { type HasNode, PhysicalPlan } from './plan';
import { type PumpControl, SLICE_MS, SourcePump } from './pump';

type ValueOf<S> = S extends HasNode<infer T> ? T : never;

/** Plain-data state of every stateful operator of a job, keyed by operator name (`job.snapshot()`). */
export interface PipelineSnapshot {
  readonly version: 1;
  readonly operators: Readonly<Record<string, unknown>>;
}

/** Durable checkpoints (see `Checkpoint`). */
export interface CheckpointOptions {
  readonly storage: CheckpointStorage;
  /** Default: every 10 s of the job's clock. */
  readonly interval?: CheckpointInterval;
  /**
   * `'latest'` (the default) resumes from the storage's newest checkpoint when it has one;
   * `'none'` starts from the beginning (checkpoint ids continue after the storage's newest).
   */
  readonly restore?: 'latest' | 'none';
  /** Operators, sources or sinks whose saved state is dropped on restore (they start empty). */
  readonly dropState?: readonly string[];
}

/** How `connect` runs a job: restore, checkpoints, backpressure, the clock, metrics and source slices. */
export interface ConnectOptions {
  /** Restores operator state from `job.snapshot()` of an earlier run, or from a checkpoint object. */
  readonly restore?: PipelineSnapshot | Checkpoint;
  /** Takes checkpoints to durable storage as the job runs and resumes from them. */
  readonly checkpoints?: CheckpointOptions;
  /**
   * Sink writes that may be pending (unsettled Promises) before the sources stop reading
   * (default 1): bounded in-flight work.
   */
  readonly maxPendingWrites?: number;
  /** Processing time for checkpoint intervals and `metrics$` (default RxJS's `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
  /** Milliseconds between `metrics$` snapshots (default 1000). */
  readonly metricsInterval?: number;
  /**
   * Milliseconds a source reads synchronously before it hands the event loop a turn (default
   * 100): how soon timers, I/O and `stop()` from a signal run while a fast source is busy.
   */
  readonly sliceMs?: number;
  /**
   * Asked before each source read, like a pending sink write: a Promise holds the sources back
   * until it settles, `undefined` lets them read. For runtimes that pace a job from outside (the
   * worker threads of `connectParallel` wait for the main thread to take their outputs).
   */
  readonly gate?: () => PromiseLike<void> | undefined;
}

/**
 * The state of a job at one cut between batches, as a checkpoint holds it, without sinks
 * (`job.cut()`).
 */
export type JobCut = Pick<Checkpoint, 'operators' | 'sources' | 'metrics'>;

/** How `job.stop()` ends a job. */
export interface StopOptions {
  /** Take a last checkpoint and commit the exactly-once sinks before stopping (needs `checkpoints`). */
  readonly checkpoint?: boolean;
}

/** One operator in a `JobMetrics` snapshot. */
export interface OperatorMetricsSnapshot extends Readonly<OperatorMetrics> {
  /**
   * How far this operator's watermark is behind the furthest watermark in the job (event-time
   * milliseconds; 0 at the front, `Infinity` before its first watermark).
   */
  readonly watermarkLag: number;
}

/** What `job.metrics$` emits. */
export interface JobMetrics {
  /** The job's clock when taken. */
  readonly at: number;
  readonly operators: Readonly<Record<string, OperatorMetricsSnapshot>>;
  readonly checkpoints: Readonly<CheckpointStats>;
  readonly state: 'created' | 'running' | 'finished' | 'stopped' | 'failed';
}

/**
 * One run of a pipeline: every operator built once, its outputs multicast, so a main output and
 * its side outputs observed together share one run. Build with `connect`, subscribe to `outputs`,
 * then `start()`. Outputs are hot: subscribe before `start()` (a small synchronous source may
 * finish inside `start()`).
 *
 * The sources are pulled one batch at a time; a source hands the event loop a turn every few
 * milliseconds, so `stop()` from a timer or a signal handler is honoured promptly, also for an
 * infinite synchronous input.
 *
 * @example
 * const job = connect({ totals, late: totals.getSideOutput(lateTag) });
 * job.outputs.totals.subscribe((t) => console.log('total', t));
 * job.outputs.late.subscribe((r) => console.log('late', r));
 * job.start();
 * await job.done;
 */
export class Job<S extends Record<string, HasNode<unknown>>> {
  /** Each output's values. */
  readonly outputs: { readonly [K in keyof S]: Observable<ValueOf<S[K]>> };
  /** Each output as a timeline: records with timestamps and watermarks, in order. */
  readonly timelines: { readonly [K in keyof S]: Observable<TimelineItem<ValueOf<S[K]>>> };
  /** Settles when the job ends: resolves on completion or `stop()`, rejects with the first error. */
  readonly done: Promise<void>;
  /**
   * Metric snapshots on the job's clock, every `metricsInterval` ms, and a last one once the job
   * has ended (after its last checkpoint), just before `done` settles.
   */
  readonly metrics$: Observable<JobMetrics>;

  private readonly plan: PhysicalPlan;
  private readonly running = new Subscription();
  private readonly wiring = new Subscription();
  private readonly pending = new Set<PromiseLike<void>>();
  private waiters: (() => void)[] = [];
  private pumps: SourcePump[] = [];
  private readonly coordinator: CheckpointCoordinator;
  private readonly scheduler: SchedulerLike;
  /** Fires when the job starts ending (stop, completion, failure). */
  private readonly ended$ = new ReplaySubject<void>(1);
  /** Fires when it has ended: `done` is about to settle. */
  private readonly settled$ = new ReplaySubject<void>(1);
  private state: JobMetrics['state'] = 'created';
  private resolveDone!: () => void;
  private rejectDone!: (err: unknown) => void;
  private ending: Promise<void> | undefined;
  /** An error that arrived while the job was already ending (a checkpoint in flight failed): it still fails the job. */
  private endingError: unknown;
  /** Source positions of the restored checkpoint, for opening the readers. */
  private restoredPositions: Checkpoint['sources'] | undefined;
  private endedMarked = false;
  private readonly maxPendingWrites: number;
  private readonly control: PumpControl;

  constructor(
    streams: S,
    private readonly options: ConnectOptions = {},
  ) {
    this.maxPendingWrites = options.maxPendingWrites ?? 1;
    if (!(Number.isInteger(this.maxPendingWrites) && this.maxPendingWrites > 0)) {
      throw new IllegalArgumentError(
        `connect: maxPendingWrites must be a positive integer, got ${options.maxPendingWrites}`,
      );
    }
    this.scheduler = options.scheduler ?? asyncScheduler;
    const sliceMs = options.sliceMs ?? SLICE_MS;
    if (!(typeof sliceMs === 'number' && sliceMs > 0)) {
      throw new IllegalArgumentError(`connect: sliceMs must be a number > 0, got ${options.sliceMs}`);
    }
    this.plan = new PhysicalPlan({ track: (w) => this.track(w) }, this.wiring);
    const outputs: Record<string, Observable<unknown>> = {};
    const timelines: Record<string, Observable<unknown>> = {};
    const channels: Observable<Batch<unknown>>[] = [];
    for (const [key, stream] of Object.entries(streams)) {
      const channel = this.plan.channel(stream.node);
      channels.push(channel);
      outputs[key] = values(channel);
      timelines[key] = timeline(channel);
    }
    this.outputs = outputs as Job<S>['outputs'];
    this.timelines = timelines as Job<S>['timelines'];

    const cp = options.checkpoints;
    const every = cp?.interval ?? { ms: 10_000 };
    for (const [k, n] of Object.entries(every)) {
      if (n !== undefined && !(typeof n === 'number' && n > 0)) {
        throw new IllegalArgumentError(
          `connect: checkpoints.interval.${k} must be a positive number, got ${n}`,
        );
      }
    }
    this.coordinator = new CheckpointCoordinator(
      this.plan,
      () => this.pumps,
      cp?.storage,
      every,
      this.scheduler,
      () => this.settle(),
    );
    const restore = options.restore;
    if (restore !== undefined && !isCheckpoint(restore)) this.restoreSnapshot(restore);

    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A job nobody awaits must not report an unhandled rejection; awaiting `done` still throws.
    this.done.catch(() => {});
    let remaining = channels.length;
    if (remaining === 0) this.end(undefined);
    for (const channel of channels) {
      this.wiring.add(
        channel.subscribe({
          error: (err) => this.end(err),
          complete: () => {
            if (--remaining === 0) this.end(undefined);
          },
        }),
      );
    }
    const self = this;
    this.control = {
      get stopped() {
        return self.state !== 'running';
      },
      ready: () => this.ready(),
      afterBatch: (records) => {
        // A batch that failed an operator has ended the job: its cut would hold half a batch.
        if (this.state === 'running') this.coordinator.afterBatch(records, (err) => this.end(err));
      },
      fail: (err) => this.end(err),
      sliceMs,
      get checkpointing() {
        return self.coordinator.busy;
      },
    };
    // Ticks stop when the job starts ending; the last snapshot waits until it has ended (after
    // its last checkpoint), so it counts everything.
    this.metrics$ = concat(
      interval(options.metricsInterval ?? 1000, this.scheduler).pipe(
        takeUntil(this.ended$),
        map(() => this.jobMetrics()),
      ),
      this.settled$.pipe(map(() => this.jobMetrics())),
    );
  }

  /** Counters of the checkpoints taken so far. */
  get checkpoints(): Readonly<CheckpointStats> {
    return { ...this.coordinator.stats };
  }

  /** The checkpoint this run resumed from (known once the job has started). */
  get restoredFrom(): number | undefined {
    return this.coordinator.stats.restoredFrom;
  }

  /**
   * Restores the latest checkpoint if asked, opens the operators and starts pulling the sources.
   * Idempotent. Errors (a checkpoint that does not fit the pipeline, say) reject `done`.
   */
  start(): this {
    if (this.state !== 'created') return this;
    this.state = 'running';
    try {
      const prepared = this.prepare();
      if (prepared === undefined) this.launch();
      else
        prepared.then(
          () => {
            try {
              if (this.state === 'running') this.launch();
            } catch (err) {
              this.end(err);
            }
          },
          (err) => this.end(err),
        );
    } catch (err) {
      this.end(err);
    }
    return this;
  }

  /**
   * Stops reading the sources and closes every operator; `done` resolves (outputs do not
   * complete). With `{ checkpoint: true }` a last checkpoint is taken and the exactly-once sinks
   * commit first, so a later run resumes exactly here. Resolves when the job has ended.
   */
  stop(options: StopOptions = {}): Promise<void> {
    if (this.state === 'running' || this.state === 'created') {
      const wasRunning = this.state === 'running';
      this.state = 'stopped';
      for (const p of this.pumps) p.close();
      this.markEnded();
      this.ending = this.finish(
        wasRunning && options.checkpoint === true && this.options.checkpoints !== undefined,
        false,
      ).then(
        () => this.settleDone(this.endingError),
        (err) => this.settleDone(err),
      );
    }
    return this.done.catch(() => {});
  }

  /** Takes a checkpoint now (the job must be running with `checkpoints`). Resolves once committed. */
  async checkpoint(): Promise<void> {
    if (this.options.checkpoints === undefined) {
      throw new IllegalArgumentError('Job.checkpoint: the job was connected without checkpoints');
    }
    await this.coordinator.trigger(false, true);
  }

  /**
   * The state of every stateful operator, the position of every source and every counter, now
   * (between batches: call it outside a callback), as plain data: a checkpoint without sinks. For
   * runtimes that checkpoint several jobs together; `connect(…, { restore })` takes it back in a
   * `Checkpoint`.
   */
  cut(): JobCut {
    return structuredClone(cutOf(this.plan, this.pumps));
  }

  /** Live counters of every operator, in pipeline order (sources first). */
  metrics(): Record<string, Readonly<OperatorMetrics>> {
    const all: Record<string, OperatorMetrics> = {};
    for (const v of this.plan.vertices) all[v.name] = { ...v.metrics, custom: { ...v.metrics.custom } };
    return all;
  }

  /** The state of every stateful operator, as plain data. Take it between batches (any time outside a callback). */
  snapshot(): PipelineSnapshot {
    const operators: Record<string, unknown> = {};
    for (const v of this.plan.vertices) {
      if (v.type !== 'operator') continue;
      const state = v.operator?.snapshot();
      if (state !== undefined) operators[v.name] = state;
    }
    return { version: 1, operators: structuredClone(operators) };
  }

  private jobMetrics(): JobMetrics {
    let front = Number.NEGATIVE_INFINITY;
    for (const v of this.plan.vertices) {
      const w = v.metrics.currentWatermark;
      if (Number.isFinite(w) && w > front) front = w;
    }
    const operators: Record<string, OperatorMetricsSnapshot> = {};
    for (const [name, m] of Object.entries(this.metrics())) {
      const w = m.currentWatermark;
      const watermarkLag =
        w === Number.POSITIVE_INFINITY ? 0 : Number.isFinite(front) ? Math.max(0, front - w) : 0;
      operators[name] = { ...m, watermarkLag };
    }
    return {
      at: this.scheduler.now(),
      operators,
      checkpoints: { ...this.coordinator.stats },
      state: this.state,
    };
  }

  /** Ends `metrics$` (at once, not after the asynchronous finish, so virtual-time tests end too). */
  private markEnded(): void {
    if (this.endedMarked) return;
    this.endedMarked = true;
    this.ended$.next();
    this.ended$.complete();
  }

  private restoreSnapshot(snapshot: PipelineSnapshot): void {
    for (const [name, state] of Object.entries(snapshot.operators)) {
      const v = this.plan.vertex(name);
      if (v?.operator === undefined) {
        throw new IllegalArgumentError(
          `connect: the snapshot holds state for operator "${name}", which this pipeline does not have (name stateful operators with .name() to keep them stable)`,
        );
      }
      v.operator.restore(structuredClone(state));
    }
  }

  /** Restores a checkpoint and recovers the sinks; `undefined` when nothing asynchronous is needed. */
  private prepare(): Promise<void> | undefined {
    const cp = this.options.checkpoints;
    const given = this.options.restore;
    const transactional = this.plan.sinks.some((s) => s.transactional);
    const givenCheckpoint = given !== undefined && isCheckpoint(given) ? given : undefined;
    if (cp === undefined && !transactional && givenCheckpoint === undefined) return undefined;
    return (async () => {
      let checkpoint = givenCheckpoint;
      if (checkpoint === undefined && cp !== undefined) {
        const latest = await cp.storage.latest();
        if ((cp.restore ?? 'latest') === 'latest') checkpoint = latest;
        else if (latest !== undefined) this.coordinator.nextId = latest.id + 1;
      }
      if (checkpoint !== undefined) {
        restoreCheckpoint(
          this.plan,
          checkpoint,
          this.plan.sources.map((s) => s.vertex.name),
          cp?.dropState ?? [],
        );
        this.coordinator.stats.restoredFrom = checkpoint.id;
        this.coordinator.nextId = checkpoint.id + 1;
      }
      for (const s of this.plan.sinks) {
        await s.recover(checkpoint?.sinks[s.name], this.coordinator.nextId);
      }
      this.restoredPositions = checkpoint?.sources;
    })();
  }

  private launch(): void {
    for (const v of this.plan.vertices) {
      if (v.operator === undefined) continue;
      // an operator that alone reads a source's fresh records may update them in place
      const only = v.inputs.length === 1 ? v.inputs[0]! : undefined;
      v.operator.exclusiveSourceInput = only !== undefined && only.type === 'source' && only.consumers === 1;
      v.operator.open();
    }
    for (const source of this.plan.sources) {
      const position = this.restoredPositions?.[source.vertex.name] ?? undefined;
      const reader = source.node.open(position === null ? undefined : position);
      const pump = new SourcePump(source, reader, this.control, position);
      this.pumps.push(pump);
      if (this.options.checkpoints !== undefined && reader.position() === undefined) {
        throw new IllegalArgumentError(
          `connect: checkpoints need sources that report a position; source "${source.vertex.name}" does not (an Observable, or a Source whose reader has no position())`,
        );
      }
    }
    this.running.add(() => {
      for (const p of this.pumps) p.close();
    });
    for (const p of this.pumps) {
      if (this.state !== 'running') break;
      p.start();
    }
  }

  private track(write: PromiseLike<void>): void {
    this.pending.add(write);
    const settled = (): void => {
      this.pending.delete(write);
      if (this.pending.size < this.maxPendingWrites) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      }
    };
    write.then(settled, (err) => {
      settled();
      this.end(err);
    });
  }

  private ready(): PromiseLike<void> | undefined {
    if (this.pending.size < this.maxPendingWrites) return this.options.gate?.();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when every write issued so far has settled. */
  private async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** The pipeline completed (`err` undefined) or failed. */
  private end(err: unknown): void {
    if (this.ending !== undefined || this.state === 'finished' || this.state === 'failed') {
      if (err !== undefined) this.endingError ??= err;
      return;
    }
    const wasRunning = this.state === 'running';
    if (err === undefined && wasRunning) {
      this.state = 'finished';
      this.markEnded();
      this.ending = this.finish(this.options.checkpoints !== undefined, true).then(
        () => this.settleDone(this.endingError),
        (e) => this.settleDone(e),
      );
      return;
    }
    this.state = err === undefined ? 'finished' : 'failed';
    for (const p of this.pumps) p.close();
    this.markEnded();
    this.ending = this.finish(false, false).then(
      () => this.settleDone(err),
      () => this.settleDone(err),
    );
  }

  /**
   * Ends the run: waits for writes and the checkpoint in flight, then either takes a last
   * checkpoint (committing the exactly-once sinks) or, without checkpoints, commits them directly
   * at completion, or aborts their open transactions; closes operators and sinks.
   */
  private async finish(lastCheckpoint: boolean, completed: boolean): Promise<void> {
    this.running.unsubscribe();
    try {
      await this.settle();
      await this.coordinator.idle();
      if (lastCheckpoint) await this.coordinator.trigger(completed, false);
      else if (completed) {
        for (const s of this.plan.sinks) {
          if (!s.transactional) continue;
          await s.commit(await s.preCommit(s.roll(undefined)));
        }
      }
      for (const s of this.plan.sinks) await s.abortOpen();
    } finally {
      for (const v of this.plan.vertices) v.operator?.close();
      for (const s of this.plan.sinks) await s.closeSink().catch(() => {});
    }
  }

  private settleDone(err: unknown): void {
    this.wiring.unsubscribe();
    this.markEnded();
    this.settled$.next();
    this.settled$.complete();
    if (err === undefined) this.resolveDone();
    else this.rejectDone(err);
  }
}

function isCheckpoint(x: PipelineSnapshot | Checkpoint): x is Checkpoint {
  return 'sources' in x && 'id' in x;
}

function values<T>(channel: Observable<Batch<T>>): Observable<T> {
  return new Observable<T>((subscriber) =>
    channel.subscribe({
      next(batch) {
        for (let i = 0; i < batch.length; i++) {
          const el = batch[i]!;
          if (el.kind === 'record') subscriber.next(el.value);
        }
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    }),
  );
}

function timeline<T>(channel: Observable<Batch<T>>): Observable<TimelineItem<T>> {
  return new Observable<TimelineItem<T>>((subscriber) =>
    channel.subscribe({
      next(batch: readonly StreamElement<T>[]) {
        for (const el of batch) {
          if (el.kind === 'record') subscriber.next({ value: el.value, timestamp: el.timestamp });
          else if (el.kind === 'watermark') subscriber.next({ watermark: el.timestamp });
        }
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    }),
  );
}

/**
 * Builds a job over named output streams (see `Job`). Nothing runs until `start()`.
 *
 * @example
 * const job = connect({ out: totals.sinkTo(new FileSink('out/totals.csv', { format: csv })) }, {
 *   checkpoints: { storage: new FileCheckpointStorage('state'), interval: { ms: 10_000 } },
 * });
 * job.start();
 * await job.done;
 */
export function connect<S extends Record<string, HasNode<unknown>>>(
  streams: S,
  options?: ConnectOptions,
): Job<S> {
  return new Job(streams, options);
}

/** The result of `execute`: every output's values, and the operators' final metrics. */
export interface ExecutionResult<S extends Record<string, HasNode<unknown>>> {
  readonly outputs: { readonly [K in keyof S]: ValueOf<S[K]>[] };
  readonly metrics: Record<string, Readonly<OperatorMetrics>>;
}

/**
 * Runs a pipeline over bounded inputs once and collects every named output: the way to read a
 * main output and its side outputs together.
 *
 * @example
 * const { outputs, metrics } = await execute({ totals, late: totals.getSideOutput(lateTag) });
 */
export async function execute<S extends Record<string, HasNode<unknown>>>(
  streams: S,
  options?: ConnectOptions,
): Promise<ExecutionResult<S>> {
  const job = new Job(streams, options);
  const outputs: Record<string, unknown[]> = {};
  for (const key of Object.keys(streams)) {
    const sink: unknown[] = [];
    outputs[key] = sink;
    // Errors reach the caller through `done`.
    (job.outputs as Record<string, Observable<unknown>>)[key]!.subscribe({
      next: (v) => sink.push(v),
      error: () => {},
    });
  }
  job.start();
  await job.done;
  return { outputs: outputs as ExecutionResult<S>['outputs'], metrics: job.metrics() };
}

export { CheckpointError };
