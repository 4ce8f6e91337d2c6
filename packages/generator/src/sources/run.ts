import type { Source, SourcePosition, SourceReader } from '@eventide/core';
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { type ReadingConfig, type ResolvedReadingConfig, resolveReadingConfig } from '../model/config';
import type { Fleet } from '../model/fleet';
import { ReadingGenerator } from '../model/generator';
import type { Label, MeterReading } from '../model/reading';

/** Real-time pacing: simulated time runs at `speed` × the scheduler's clock. */
export interface Pacing {
  /** Simulated milliseconds per wall-clock millisecond (e.g. 3600: an hour a second). */
  readonly speed: number;
  /** Where waiting happens (default RxJS's `asyncScheduler`; a `TestScheduler` in tests). */
  readonly scheduler?: SchedulerLike;
}

/** Options of a run's source: where its labels go. */
export interface RunOptions {
  /** Rows per batch; default one batch per interval step. Never changes the row sequence. */
  readonly batchSize?: number;
  /** Receives each label as it is found (otherwise `ReadingGenerator.labels` collects them). */
  readonly onLabel?: (label: Label) => void;
  /** Deliver at a simulated pace instead of as fast as possible. */
  readonly pace?: Pacing;
}

/**
 * Readings of a fleet over a time range, pulled in batches. Every adapter starts its own run from
 * the beginning and yields the same rows in the same order: a `Source` for `DataStream.from`, an
 * AsyncIterable and an Iterable of rows, an Observable of rows, and async batches.
 */
export class ReadingRun implements AsyncIterable<MeterReading>, Iterable<MeterReading> {
  /** The validated configuration (defaults filled in). */
  readonly resolved: ResolvedReadingConfig;

  constructor(
    readonly fleet: Fleet,
    readonly config: ReadingConfig,
  ) {
    this.resolved = resolveReadingConfig(fleet, config);
  }

  /** A fresh generator for one run. */
  generator(onLabel?: (label: Label) => void): ReadingGenerator {
    return new ReadingGenerator(this.fleet, this.config, onLabel);
  }

  /**
   * A `Source` for `DataStream.from`: each `open()` is a new run. Its readers report a position
   * (`{ interval, service, rows }`: the interval step and service index reached, and the rows
   * handed out), so a checkpointed job resumes the run where it stood. Opening at a position
   * generates the rows before it again, without handing them out (and reports their labels
   * again): a reading is a pure function of seed, service and interval, but delayed deliveries
   * carry rows across intervals, so the run is replayed rather than jumped into. Replaying costs
   * generation only, a few million rows a second.
   */
  source(options: RunOptions = {}): Source<MeterReading> {
    return { open: (position?: SourcePosition) => this.reader(options, position) };
  }

  /** All labels of the run (generates the whole range once, discarding rows). */
  labels(): Label[] {
    const g = this.generator();
    while (g.next() !== null) {}
    return g.labels;
  }

  *[Symbol.iterator](): Iterator<MeterReading> {
    const g = this.generator();
    for (let b = g.next(); b !== null; b = g.next()) yield* b;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MeterReading> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** Batches as an AsyncIterable, pulled one at a time. */
  async *batches(options: RunOptions = {}): AsyncIterable<readonly MeterReading[]> {
    const reader = this.reader(options);
    try {
      for (let b = await reader.read(); b !== null; b = await reader.read()) yield b;
    } finally {
      reader.close?.();
    }
  }

  /** Rows as a cold Observable; with `pace`, batches are released on the scheduler. */
  observable(options: RunOptions = {}): Observable<MeterReading> {
    return new Observable<MeterReading>((subscriber) => {
      const p = this.pacer(options);
      let pending: Subscription | undefined;
      const pump = (): void => {
        try {
          while (!subscriber.closed) {
            const batch = p.next();
            if (batch === null) {
              subscriber.complete();
              return;
            }
            const wait = p.waitFor();
            if (wait > 0) {
              pending = p.scheduler.schedule(() => {
                for (const row of batch) subscriber.next(row);
                pump();
              }, wait);
              return;
            }
            for (const row of batch) subscriber.next(row);
          }
        } catch (e) {
          subscriber.error(e);
        }
      };
      pump();
      return () => pending?.unsubscribe();
    });
  }

  private reader(options: RunOptions, position?: SourcePosition): SourceReader<MeterReading> {
    const p = this.pacer(options);
    let closed = false;
    let rows = 0;
    const skip = rowsAt(position);
    while (rows < skip) {
      const batch = p.next();
      if (batch === null) break;
      rows += batch.length;
      if (rows > skip) {
        throw new RangeError(
          `ReadingRun: position ${JSON.stringify(position)} falls inside a batch; open with the batchSize it was taken with`,
        );
      }
    }
    return {
      position: () => ({ interval: p.generator.stepsDone, service: p.generator.cursorAt, rows }),
      read: () => {
        const batch = p.next();
        if (batch === null) return null;
        rows += batch.length;
        const wait = p.waitFor();
        if (wait <= 0) return batch;
        return new Promise<readonly MeterReading[]>((resolve) => {
          p.scheduler.schedule(() => {
            if (!closed) resolve(batch);
          }, wait);
        });
      },
      close: () => {
        closed = true;
      },
    };
  }

  /** Batches of a fresh run and, with pacing, how long to hold the last one back. */
  private pacer(options: RunOptions): {
    next: () => MeterReading[] | null;
    waitFor: () => number;
    scheduler: SchedulerLike;
    generator: ReadingGenerator;
  } {
    const { batchSize, onLabel, pace } = options;
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new RangeError(`ReadingRun: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (pace !== undefined && !(Number.isFinite(pace.speed) && pace.speed > 0)) {
      throw new RangeError(`ReadingRun: pace.speed must be a positive number, got ${pace.speed}`);
    }
    const g = this.generator(onLabel);
    const next = batchSize === undefined ? () => g.next() : rechunk(() => g.next(), batchSize);
    const scheduler = pace?.scheduler ?? asyncScheduler;
    let wallStart = Number.NaN;
    let simStart = Number.NaN;
    const waitFor = (): number => {
      if (pace === undefined) return 0;
      // The simulated time reached is the end of the last interval generated.
      const sim = this.resolved.start + g.stepsDone * this.resolved.intervalMs;
      if (Number.isNaN(wallStart)) {
        wallStart = scheduler.now();
        simStart = sim;
      }
      return wallStart + (sim - simStart) / pace.speed - scheduler.now();
    };
    return { next, waitFor, scheduler, generator: g };
  }
}

function rowsAt(position: SourcePosition | undefined): number {
  if (position === undefined) return 0;
  const rows = (position as { rows?: unknown } | null)?.rows;
  if (!(typeof rows === 'number' && Number.isInteger(rows) && rows >= 0)) {
    throw new RangeError(`ReadingRun: not a reading-run position: ${JSON.stringify(position)}`);
  }
  return rows;
}

/** Re-cuts a batch stream into batches of exactly `size` rows (the last may be shorter). */
function rechunk<T>(next: () => T[] | null, size: number): () => T[] | null {
  let buffer: T[] = [];
  let offset = 0;
  let done = false;
  return () => {
    const out: T[] = [];
    while (out.length < size) {
      if (offset >= buffer.length) {
        if (done) break;
        const b = next();
        if (b === null) {
          done = true;
          break;
        }
        buffer = b;
        offset = 0;
        continue;
      }
      const take = Math.min(size - out.length, buffer.length - offset);
      for (let i = 0; i < take; i++) out.push(buffer[offset + i]!);
      offset += take;
    }
    return out.length === 0 && done ? null : out;
  };
}

/**
 * Readings of a fleet over a time range.
 * @example
 * const fleet = createFleet({ seed: 42, services: 1000 });
 * const run = readings(fleet, { start: '2026-01-05T05:00:00Z', days: 7, anomalies: true, faults: true });
 * const stream = DataStream.from(run.source());
 */
export function readings(fleet: Fleet, config: ReadingConfig): ReadingRun {
  return new ReadingRun(fleet, config);
}
