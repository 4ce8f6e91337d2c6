// @eventide/generator/node: writing generated data to files (Node only).
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { claimOutputDir, openForWriteNoFollow } from '@eventide/core/node';
import { registrationOf } from '../model/fleet';
import type { Label } from '../model/reading';
import { LABEL_FIELDS, READING_FIELDS } from '../model/reading';
import {
  csvHeader,
  labelsToCsv,
  labelsToNdjson,
  readingsToCsv,
  readingsToNdjson,
  registrationsToCsv,
  registrationsToNdjson,
} from '../sinks/format';
import type { ReadingRun } from '../sources/run';

/** The file format `writeRun` writes. */
export type FileFormat = 'csv' | 'ndjson';

/** Where and how `writeRun` writes. */
export interface WriteOptions {
  /**
   * Output directory, created if missing. Files there are replaced only if this function made the
   * directory (it leaves a `.eventide-gen` marker) or `force` is set; links are never followed.
   */
  readonly dir: string;
  /** Replace the output files even in a directory the generator did not make. */
  readonly force?: boolean;
  readonly format?: FileFormat;
  /** Called after each batch with intervals done, intervals in total, and rows written. */
  readonly onProgress?: (stepsDone: number, steps: number, rows: number) => void;
}

/** What `writeRun` wrote: the paths and the numbers of rows and labels. */
export interface WriteSummary {
  readonly readings: string;
  readonly labels: string;
  readonly registrations: string;
  readonly rows: number;
  readonly labelCount: number;
}

/** A file being written: writes wait for the stream to drain, and its first error fails them all. */
class Output {
  private readonly stream: WriteStream;
  private error: Error | undefined;
  private readonly failed: Promise<never>;

  constructor(readonly path: string) {
    this.stream = createWriteStream('', { fd: openForWriteNoFollow(path) });
    this.failed = new Promise<never>((_, reject) => {
      this.stream.on('error', (e) => {
        this.error = new Error(`writing ${path}: ${e.message}`);
        reject(this.error);
      });
    });
    this.failed.catch(() => undefined); // reported by the write or end that meets it
  }

  async write(chunk: string): Promise<void> {
    if (this.error !== undefined) throw this.error;
    if (!this.stream.write(chunk))
      await Promise.race([new Promise<void>((resolve) => this.stream.once('drain', resolve)), this.failed]);
  }

  end(): Promise<void> {
    if (this.error !== undefined) return Promise.reject(this.error);
    return Promise.race([new Promise<void>((resolve) => this.stream.end(resolve)), this.failed]);
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/**
 * Writes a run's readings, labels and the fleet's registrations into `dir`:
 * `readings.<format>`, `labels.<format>` and `registrations.<format>`. Memory stays flat: batches are
 * written as they are generated and labels as they are found.
 * @example
 * await writeRun(readings(createFleet({ seed: 1, services: 100 }), { start, days: 1 }), { dir: 'out' });
 */
export async function writeRun(run: ReadingRun, options: WriteOptions): Promise<WriteSummary> {
  const format = options.format ?? 'csv';
  const names = {
    readings: `readings.${format}`,
    labels: `labels.${format}`,
    registrations: `registrations.${format}`,
  };
  claimOutputDir(options.dir, Object.values(names), { marker: '.eventide-gen', force: options.force });
  const paths = {
    readings: join(options.dir, names.readings),
    labels: join(options.dir, names.labels),
    registrations: join(options.dir, names.registrations),
  };
  const outputs: Output[] = [];
  const open = (path: string) => {
    const o = new Output(path);
    outputs.push(o);
    return o;
  };
  try {
    const readingsOut = open(paths.readings);
    const labelsOut = open(paths.labels);
    let pendingLabels: Label[] = [];
    let labelCount = 0;
    const g = run.generator((label) => {
      pendingLabels.push(label);
    });
    if (format === 'csv') {
      await readingsOut.write(csvHeader(READING_FIELDS));
      await labelsOut.write(csvHeader(LABEL_FIELDS));
    }
    let rows = 0;
    const flushLabels = async () => {
      if (pendingLabels.length === 0) return;
      labelCount += pendingLabels.length;
      await labelsOut.write(format === 'csv' ? labelsToCsv(pendingLabels) : labelsToNdjson(pendingLabels));
      pendingLabels = [];
    };
    for (let batch = g.next(); batch !== null; batch = g.next()) {
      rows += batch.length;
      await readingsOut.write(format === 'csv' ? readingsToCsv(batch) : readingsToNdjson(batch));
      await flushLabels();
      options.onProgress?.(g.stepsDone, g.steps, rows);
    }
    await flushLabels();
    await Promise.all([readingsOut.end(), labelsOut.end()]);
    const regs = open(paths.registrations);
    const registrations = run.resolved.services.map(registrationOf);
    await regs.write(
      format === 'csv' ? registrationsToCsv(registrations) : registrationsToNdjson(registrations),
    );
    await regs.end();
    return { ...paths, rows, labelCount };
  } catch (e) {
    for (const o of outputs) o.destroy();
    throw e;
  }
}
