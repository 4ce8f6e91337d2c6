// @eventide/generator/node: writing generated data to files (Node only).
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
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
} from '../sinks/format';
import type { ReadingRun } from '../sources/run';

export type FileFormat = 'csv' | 'ndjson';

export interface WriteOptions {
  /** Output directory (created if missing). */
  readonly dir: string;
  readonly format?: FileFormat;
  /** Called after each batch with intervals done, intervals in total, and rows written. */
  readonly onProgress?: (stepsDone: number, steps: number, rows: number) => void;
}

export interface WriteSummary {
  readonly readings: string;
  readonly labels: string;
  readonly registrations: string;
  readonly rows: number;
  readonly labelCount: number;
}

/** Writes `chunk`, waiting for the stream to drain when its buffer is full. */
async function write(stream: WriteStream, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

function end(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(resolve);
  });
}

/**
 * Writes a run's readings, labels and the fleet's registrations into `dir`:
 * `readings.<format>`, `labels.<format>` and `registrations.csv`. Memory stays flat: batches are
 * written as they are generated and labels as they are found.
 * @example
 * await writeRun(readings(createFleet({ seed: 1, services: 100 }), { start, days: 1 }), { dir: 'out' });
 */
export async function writeRun(run: ReadingRun, options: WriteOptions): Promise<WriteSummary> {
  const format = options.format ?? 'csv';
  mkdirSync(options.dir, { recursive: true });
  const paths = {
    readings: join(options.dir, `readings.${format}`),
    labels: join(options.dir, `labels.${format}`),
    registrations: join(options.dir, 'registrations.csv'),
  };
  const readingsOut = createWriteStream(paths.readings);
  const labelsOut = createWriteStream(paths.labels);
  let pendingLabels: Label[] = [];
  let labelCount = 0;
  const g = run.generator((label) => {
    pendingLabels.push(label);
  });
  if (format === 'csv') {
    await write(readingsOut, csvHeader(READING_FIELDS));
    await write(labelsOut, csvHeader(LABEL_FIELDS));
  }
  let rows = 0;
  for (let batch = g.next(); batch !== null; batch = g.next()) {
    rows += batch.length;
    await write(readingsOut, format === 'csv' ? readingsToCsv(batch) : readingsToNdjson(batch));
    if (pendingLabels.length > 0) {
      labelCount += pendingLabels.length;
      await write(labelsOut, format === 'csv' ? labelsToCsv(pendingLabels) : labelsToNdjson(pendingLabels));
      pendingLabels = [];
    }
    options.onProgress?.(g.stepsDone, g.steps, rows);
  }
  if (pendingLabels.length > 0) {
    labelCount += pendingLabels.length;
    await write(labelsOut, format === 'csv' ? labelsToCsv(pendingLabels) : labelsToNdjson(pendingLabels));
  }
  await Promise.all([end(readingsOut), end(labelsOut)]);
  const regs = createWriteStream(paths.registrations);
  await write(regs, registrationsToCsv(run.resolved.services.map(registrationOf)));
  await end(regs);
  return { ...paths, rows, labelCount };
}
