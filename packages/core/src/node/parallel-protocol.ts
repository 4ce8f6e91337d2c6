import type { JobCut } from '../runtime/job';
import type { TimelineItem } from '../types';

/**
 * The messages between `connectParallel`'s main thread and its worker threads. A worker runs the
 * tasks of the key groups it is given (one pipeline each); their outputs travel to the main thread
 * as chunks of timeline items, in order, and the main thread acknowledges each chunk once its job
 * has taken it (so a slow main thread holds the workers back).
 */

/** What a key group's task is resumed from: a cut of an earlier run, or the mark of a finished one. */
export type TaskState = { readonly kind: 'cut'; readonly cut: JobCut } | FinishedTask;

export interface FinishedTask {
  readonly kind: 'finished';
  readonly metrics: JobCut['metrics'];
}

export type ToWorker =
  /** The outputs the main thread takes, in the order their items are tagged with (sent once, first). */
  | { readonly kind: 'outputs'; readonly names: readonly string[] }
  | { readonly kind: 'start'; readonly group: number; readonly state: TaskState | undefined }
  | { readonly kind: 'ack'; readonly group: number; readonly chunks: number }
  | { readonly kind: 'barrier'; readonly id: number }
  | { readonly kind: 'stop' };

/** One output item: `o` is the index of the output among the module's outputs. */
export type Tagged = { readonly o: number; readonly item: TimelineItem<unknown> };

export type FromWorker =
  | { readonly kind: 'ready'; readonly outputs: readonly string[] | undefined }
  | { readonly kind: 'items'; readonly group: number; readonly items: readonly Tagged[] }
  | { readonly kind: 'barrier'; readonly group: number; readonly id: number; readonly state: TaskState }
  | { readonly kind: 'end'; readonly group: number; readonly state: FinishedTask }
  | {
      readonly kind: 'failed';
      readonly group: number | undefined;
      readonly message: string;
      readonly stack?: string;
    };

/** What a worker is started with (`workerData`). */
export interface WorkerSetup {
  readonly module: string;
  readonly keyGroups: number;
  readonly options: unknown;
  /** Chunks a task may have unacknowledged before its sources wait. */
  readonly maxChunksInFlight: number;
  /** Registers tsx first (a TypeScript pipeline module). */
  readonly tsx?: string;
  /** This worker names the module's outputs in its `ready` (one worker is enough). */
  readonly describe: boolean;
}
