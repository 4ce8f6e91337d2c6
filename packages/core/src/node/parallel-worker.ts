// A worker thread of `connectParallel`: builds the pipeline module's tasks for the key groups the
// main thread gives it, runs them, and forwards their outputs (see parallel-protocol.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { Observable } from 'rxjs';
import { connect, type Job } from '../index';
import type { Checkpoint } from '../runtime/checkpoint';
import type { HasNode } from '../runtime/plan';
import type { TimelineItem } from '../types';
import type { KeyGroupContext, ParallelPipeline } from './parallel';
import type { FinishedTask, FromWorker, Tagged, TaskState, ToWorker, WorkerSetup } from './parallel-protocol';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const post = (m: FromWorker) => port.postMessage(m);

/** Items gathered before they are posted: one message per turn, not one per item. */
const FLUSH_AT = 2048;

class Task {
  private job: Job<Record<string, HasNode<unknown>>>;
  private buffer: Tagged[] = [];
  private flushQueued = false;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  finished: FinishedTask | undefined;

  constructor(
    readonly group: number,
    build: ParallelPipeline<unknown, Record<string, HasNode<unknown>>>,
    names: readonly string[],
    state: TaskState | undefined,
  ) {
    const context: KeyGroupContext<unknown> = {
      keyGroup: group,
      keyGroups: setup.keyGroups,
      options: setup.options,
    };
    const built = build(context);
    // only what the main thread takes: other outputs are not run
    const outputs = Object.fromEntries(names.map((n) => [n, built[n]!]));
    const restore: Checkpoint | undefined =
      state?.kind === 'cut'
        ? { version: 1, id: 1, takenAt: 0, finished: false, sinks: {}, ...state.cut }
        : undefined;
    this.job = connect(outputs, {
      ...(restore === undefined ? {} : { restore }),
      gate: () =>
        this.inFlight < setup.maxChunksInFlight ? undefined : new Promise((r) => this.waiters.push(r)),
    });
    names.forEach((name, o) => {
      const timeline = this.job.timelines[name] as Observable<TimelineItem<unknown>>;
      timeline.subscribe({
        next: (item) => {
          this.buffer.push({ o, item });
          if (this.buffer.length >= FLUSH_AT) this.flush();
          else if (!this.flushQueued) {
            this.flushQueued = true;
            queueMicrotask(() => this.flush());
          }
        },
        // the job's failure is reported once, from `done`
        error: () => {},
      });
    });
    this.job.done.then(
      () => {
        this.flush();
        const cut = this.job.cut();
        this.finished = { kind: 'finished', metrics: cut.metrics };
        post({ kind: 'end', group, state: this.finished });
      },
      (err: unknown) => {
        this.flush();
        const e = err instanceof Error ? err : new Error(String(err));
        post({ kind: 'failed', group, message: e.message, stack: e.stack });
      },
    );
  }

  start(): void {
    this.job.start();
  }

  flush(): void {
    this.flushQueued = false;
    if (this.buffer.length === 0) return;
    const items = this.buffer;
    this.buffer = [];
    this.inFlight++;
    post({ kind: 'items', group: this.group, items });
  }

  ack(chunks: number): void {
    this.inFlight -= chunks;
    if (this.inFlight < setup.maxChunksInFlight) {
      const w = this.waiters;
      this.waiters = [];
      for (const resolve of w) resolve();
    }
  }

  /** Between batches (a message handler never runs inside one): what a checkpoint needs. */
  barrier(id: number): void {
    this.flush();
    const state: TaskState = this.finished ?? { kind: 'cut', cut: this.job.cut() };
    post({ kind: 'barrier', group: this.group, id, state });
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}

async function main(): Promise<void> {
  const mod = (await import(setup.module)) as {
    default?: ParallelPipeline<unknown, Record<string, HasNode<unknown>>>;
    pipeline?: ParallelPipeline<unknown, Record<string, HasNode<unknown>>>;
  };
  const build = mod.pipeline ?? mod.default;
  if (typeof build !== 'function') {
    throw new Error(
      `${setup.module} exports no pipeline: export default (or export const pipeline =) a function of the key group`,
    );
  }
  // the outputs' names, from a pipeline built once and never run (in one worker only)
  const all = setup.describe
    ? Object.keys(build({ keyGroup: 0, keyGroups: setup.keyGroups, options: setup.options }))
    : undefined;
  let names: readonly string[] = all ?? [];
  const tasks = new Map<number, Task>();
  port.on('message', (m: ToWorker) => {
    try {
      switch (m.kind) {
        case 'outputs':
          names = m.names;
          return;
        case 'start': {
          if (m.state?.kind === 'finished') {
            post({ kind: 'end', group: m.group, state: m.state });
            return;
          }
          const task = new Task(m.group, build, names, m.state);
          tasks.set(m.group, task);
          task.start();
          return;
        }
        case 'ack':
          tasks.get(m.group)?.ack(m.chunks);
          return;
        case 'barrier':
          for (const t of tasks.values()) t.barrier(m.id);
          return;
        case 'stop':
          void Promise.all([...tasks.values()].map((t) => t.stop())).then(() => port.close());
          return;
      }
    } catch (err) {
      const e = err as Error;
      post({ kind: 'failed', group: 'group' in m ? m.group : undefined, message: e.message, stack: e.stack });
    }
  });
  post({ kind: 'ready', outputs: all });
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ kind: 'failed', group: undefined, message: e.message, stack: e.stack });
});
