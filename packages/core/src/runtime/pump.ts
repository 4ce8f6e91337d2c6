import type { SourcePosition } from '../connectors';
import type { Batch, StreamElement } from '../types';
import type { ElementReader, SourceVertex } from './plan';

/** What a source loop asks the job between batches. */
export interface PumpControl {
  /** The job was stopped: read nothing more. */
  readonly stopped: boolean;
  /** `undefined` when the source may read now; otherwise resolves when it may (a slow sink). */
  ready(): PromiseLike<void> | undefined;
  /** A batch of `records` records went through the pipeline (a checkpoint may be due). */
  afterBatch(records: number): void;
  /** The source failed: the job errors. */
  fail(err: unknown): void;
  /** How long a source reads synchronously before it hands the event loop a turn (ms). */
  readonly sliceMs: number;
  /** A checkpoint is being completed: let its microtasks run between batches. */
  readonly checkpointing: boolean;
}

const END: StreamElement<never> = Object.freeze({ kind: 'watermark', timestamp: Number.POSITIVE_INFINITY });

/**
 * How long a source reads synchronously, by default, before it hands the event loop a turn:
 * timers, I/O, a `job.stop()` from a signal handler and progress output all run between slices.
 * Not shorter: with a turn every 10 ms the windows benchmark ran at half speed in about half of
 * its runs (V8 then finalised incremental marking in tasks between slices: 16 mark-compacts in
 * place of 3, and objects promoted to old space early), at 100 ms it does not.
 */
export const SLICE_MS = 100;

const now: () => number = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

const yieldTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

function isThenable<T>(x: unknown): x is PromiseLike<T> {
  return x !== null && typeof x === 'object' && typeof (x as PromiseLike<T>).then === 'function';
}

/**
 * Pulls one source through the pipeline, one batch at a time: synchronously while reads are
 * synchronous, for at most `SLICE_MS` at a stretch, awaiting reads that return a Promise and
 * sinks that hold the source back. Each batch is pushed into the pipeline synchronously right
 * after the read that produced it, and the reader's position is taken at that moment, so the
 * job's state and `position` always describe the same cut.
 */
export class SourcePump {
  /** Position after the last batch pushed (what a checkpoint stores). */
  position: SourcePosition | undefined;
  private ended = false;
  /** When the current slice began: also across reads that resolve as microtasks, which would otherwise never let timers run. */
  private sliceStart = now();

  constructor(
    readonly source: SourceVertex,
    private readonly reader: ElementReader<unknown>,
    private readonly control: PumpControl,
    initialPosition: SourcePosition | undefined,
  ) {
    this.position = initialPosition;
  }

  /** Starts the loop; its first slice runs before `start` returns. */
  start(): void {
    if (this.reader.push === undefined) {
      this.loop();
      return;
    }
    this.reader.push(
      (batch) => {
        if (!this.control.stopped && !this.ended) this.deliver(batch);
      },
      (err) => {
        if (!this.control.stopped) this.source.vertex.main.error(err);
      },
    );
  }

  /** Closes the reader (once). */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.reader.close();
    } catch {
      // a failing close must not hide why the job ended
    }
  }

  private readonly loop = (): void => {
    const control = this.control;
    try {
      for (;;) {
        if (control.stopped || this.ended) return;
        const wait = control.ready();
        if (wait !== undefined) {
          wait.then(this.loop, (err) => control.fail(err));
          return;
        }
        if (now() - this.sliceStart > control.sliceMs) {
          yieldTurn(this.nextSlice);
          return;
        }
        const r = this.reader.read();
        if (isThenable<Batch<unknown> | null>(r)) {
          r.then(
            (batch) => {
              if (control.stopped || this.ended) return;
              try {
                if (this.deliver(batch)) this.loop();
              } catch (err) {
                control.fail(err);
              }
            },
            (err) => {
              if (!control.stopped) this.source.vertex.main.error(err);
            },
          );
          return;
        }
        if (!this.deliver(r)) return;
        if (control.checkpointing) {
          // The checkpoint's asynchronous steps (pre-commit, save, commit) are microtasks: let
          // them interleave with the next batches instead of waiting for the end of the slice.
          queueMicrotask(this.loop);
          return;
        }
      }
    } catch (err) {
      this.source.vertex.main.error(err);
    }
  };

  private readonly nextSlice = (): void => {
    this.sliceStart = now();
    this.loop();
  };

  private deliver(batch: Batch<unknown> | null): boolean {
    const { main, metrics } = this.source.vertex;
    if (batch === null) {
      this.position = this.reader.position();
      this.close();
      if (metrics.currentWatermark !== Number.POSITIVE_INFINITY) {
        metrics.currentWatermark = Number.POSITIVE_INFINITY;
        main.next([END]);
      }
      main.complete();
      return false;
    }
    this.position = this.reader.position();
    let records = 0;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') records++;
      else if (el.kind === 'watermark') metrics.currentWatermark = el.timestamp;
    }
    metrics.recordsOut += records;
    if (batch.length > 0) main.next(batch);
    this.control.afterBatch(records);
    return true;
  }
}
