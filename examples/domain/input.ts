import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { DataStream, type Source } from '@eventide/core';
import {
  fromCsvRecord,
  type Label,
  type MeterReading,
  READING_FIELDS,
  type Registration,
} from '@eventide/generator';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';

/**
 * Readings from files in the generator's format (UtilityAPI columns), CSV or NDJSON, read so that
 * a bad file loses no work: a row that cannot be read is refused with its line and reason and the
 * rest goes on; a file that cannot be read at all stops before anything runs, in one line.
 */

/** A row the CSV parser could not read: where, and why. */
export interface ParseProblem {
  readonly problem: string;
  readonly line: number;
}

/** A readings file that cannot be read at all (no file, empty, a column missing): one line, exit 2. */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
}

/**
 * Checks a readings CSV before anything runs: it exists, is not empty, and its header has every
 * column of the generator's format. Throws `InputFileError` with one line naming the problem.
 */
export function checkReadingsFile(path: string, shown = path): void {
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new InputFileError(
      `${shown}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (text.trim() === '') throw new InputFileError(`${shown} is empty: there are no readings in it`);
  const first = text.split(/\r?\n/, 1)[0]!;
  let header: string[];
  if (isNdjson(path)) {
    try {
      header = Object.keys(JSON.parse(first) as object);
    } catch {
      throw new InputFileError(
        `${shown}: its first line is not a JSON object (an NDJSON readings file has one reading a line)`,
      );
    }
  } else header = first.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  const missing = READING_FIELDS.filter((f) => !header.includes(f));
  if (missing.length > 0) {
    throw new InputFileError(
      `${shown}: no column ${missing.map((m) => `"${m}"`).join(', ')} in its ${isNdjson(path) ? 'first reading' : 'header'} (a readings file has ${READING_FIELDS.join(', ')})`,
    );
  }
}

/**
 * A bounded `Source` of CSV records (header row → field names), `batchSize` records per read.
 * A row the parser cannot read — too few or too many fields, a quote never closed (a truncated
 * last line) — comes through as a `ParseProblem` with its line and reason instead of stopping the
 * file: every good row before and after it is read. Its position is the records and the problems
 * read (`{ records, problems }`); opening at one parses the file again and skips them, so a
 * checkpointed job resumes after the last one it took, each problem reported once.
 */
export function csvFileSource(path: string, batchSize = 2048): Source<Record<string, string> | ParseProblem> {
  return {
    open(position) {
      const parser = createReadStream(path).pipe(parse({ columns: true, skip_records_with_error: true }));
      const problems: ParseProblem[] = [];
      parser.on('skip', (err: Error & { lines?: number }) => {
        problems.push({ problem: err.message.replace(/^[A-Z_]+: /, ''), line: err.lines ?? 0 });
      });
      const records = parser[Symbol.asyncIterator]() as AsyncIterator<Record<string, string>>;
      const at = position as { records?: number; problems?: number } | undefined;
      const skipRecords = at?.records ?? 0;
      const skipProblems = at?.problems ?? 0;
      let taken = 0;
      let problemsTaken = 0;
      let problemsSkipped = 0;
      const drainProblems = (into: (Record<string, string> | ParseProblem)[]) => {
        while (problems.length > 0) {
          const p = problems.shift()!;
          if (problemsSkipped < skipProblems) problemsSkipped++;
          else {
            into.push(p);
            problemsTaken++;
          }
        }
      };
      return {
        async read() {
          for (; taken < skipRecords; taken++) if ((await records.next()).done) break;
          const batch: (Record<string, string> | ParseProblem)[] = [];
          while (batch.length < batchSize) {
            const next = await records.next();
            drainProblems(batch);
            if (next.done) break;
            batch.push(next.value);
            taken++;
          }
          return batch.length > 0 ? batch : null;
        },
        position: () => ({
          records: Math.max(taken, skipRecords),
          problems: problemsSkipped + problemsTaken,
        }),
        close: () => void parser.destroy(),
      };
    },
  };
}

/** Whether a path names an NDJSON file (by its extension). */
export function isNdjson(path: string): boolean {
  return /\.(nd)?jsonl?$/i.test(path) || path.endsWith('.ndjson');
}

/**
 * A bounded `Source` of NDJSON readings, one JSON object a line; a line that is not one (a
 * truncated last line) comes through as a `ParseProblem`. Position: the lines read.
 */
export function ndjsonFileSource(
  path: string,
  batchSize = 2048,
): Source<Record<string, unknown> | ParseProblem> {
  return {
    open(position) {
      const stream = createReadStream(path);
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })[
        Symbol.asyncIterator
      ]();
      const skip = (position as { lines?: number } | undefined)?.lines ?? 0;
      let line = 0;
      return {
        async read() {
          const batch: (Record<string, unknown> | ParseProblem)[] = [];
          while (batch.length < batchSize) {
            const next = await lines.next();
            if (next.done) break;
            line++;
            if (line <= skip || next.value.trim() === '') continue;
            try {
              const value = JSON.parse(next.value) as unknown;
              if (value === null || typeof value !== 'object' || Array.isArray(value)) {
                batch.push({ problem: 'not a JSON object', line });
              } else batch.push(value as Record<string, unknown>);
            } catch (e) {
              batch.push({ problem: `not JSON (${(e as Error).message})`, line });
            }
          }
          return batch.length > 0 ? batch : null;
        },
        position: () => ({ lines: Math.max(line, skip) }),
        close: () => void stream.destroy(),
      };
    },
  };
}

/**
 * Readings from a CSV or NDJSON file: `readings` go on to the pipeline; `parsed` is where rows
 * the parser could not read went to INVALID, with their line and reason (rows that fail the
 * schema go to INVALID later, at the pipeline's validation).
 */
export function readingsFromFile(path: string): {
  readings: DataStream<MeterReading>;
  parsed: DataStream<Record<string, unknown> | ParseProblem>;
} {
  const source = (isNdjson(path) ? ndjsonFileSource(path) : csvFileSource(path)) as Source<
    Record<string, unknown> | ParseProblem
  >;
  const parsed = DataStream.from(source)
    .name('readings')
    .validate((r) =>
      'problem' in r && 'line' in r ? `line ${r.line}: ${(r as ParseProblem).problem}` : undefined,
    )
    .name('parse');
  const readings = parsed
    .map((record) =>
      isNdjson(path)
        ? ({
            ...record,
            interval_start_ms: Date.parse(String((record as Record<string, unknown>).interval_start)),
          } as unknown as MeterReading)
        : (fromCsvRecord(record as Record<string, string>) as unknown as MeterReading),
    )
    .name('rows');
  return { readings, parsed };
}

/** What a readings file spans: its first interval's start, its last interval's end, the interval length. */
export interface ReadingsSpan {
  readonly start: number;
  readonly end: number;
  readonly intervalMs: number;
}

/**
 * Reads a readings file once to find what it spans (the run's time range and interval, which a
 * generated run knows in advance). Unreadable rows are skipped here; the run refuses them. The
 * span is that of the bulk of the rows: the UTC days holding at least 1% of the busiest day's
 * rows, from interval starts only, and the interval is the most common length; so one row stamped
 * 9999-12-31 (or 1970, or with an end a millisecond after its start) neither stretches the span
 * nor the run (the run then refuses that row as out of span, or as not one interval long).
 */
export async function scanReadings(path: string, shown = path): Promise<ReadingsSpan> {
  const source = (isNdjson(path) ? ndjsonFileSource(path) : csvFileSource(path)) as Source<
    Record<string, unknown> | ParseProblem
  >;
  const reader = source.open();
  const DAY = 86_400_000;
  /** Rows per UTC day of their start, and each day's first and last start. */
  const days = new Map<number, { rows: number; first: number; last: number }>();
  /** How often each interval length occurs: the run's is the most common one. */
  const lengths = new Map<number, number>();
  try {
    for (let b = await reader.read(); b !== null; b = await reader.read()) {
      for (const r of b) {
        if ('problem' in r && 'line' in r) continue;
        const s = Date.parse(String((r as Record<string, unknown>).interval_start));
        const e = Date.parse(String((r as Record<string, unknown>).interval_end));
        if (!(Number.isFinite(s) && Number.isFinite(e) && e > s)) continue;
        if (lengths.size < 1000 || lengths.has(e - s)) lengths.set(e - s, (lengths.get(e - s) ?? 0) + 1);
        const day = Math.floor(s / DAY);
        const d = days.get(day);
        if (d === undefined) days.set(day, { rows: 1, first: s, last: s });
        else {
          d.rows++;
          if (s < d.first) d.first = s;
          if (s > d.last) d.last = s;
        }
      }
    }
  } finally {
    reader.close?.();
  }
  if (days.size === 0) throw new InputFileError(`${shown} holds no readable readings`);
  let intervalMs = 0;
  let seen = 0;
  for (const [length, n] of lengths) if (n > seen) [intervalMs, seen] = [length, n];
  // Days holding at least 1% of the busiest day's rows bound the span; a gap between them (a day
  // missing from the file) does not. Only interval starts count: an end is trusted to nothing.
  let most = 0;
  for (const d of days.values()) if (d.rows > most) most = d.rows;
  let start = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const d of days.values()) {
    if (d.rows < most / 100) continue;
    if (d.first < start) start = d.first;
    if (d.last > last) last = d.last;
  }
  return { start, end: last + intervalMs, intervalMs };
}

/** Parses a small CSV or NDJSON file (labels, registrations) into records of strings or values. */
function readSmallFile(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, 'utf8');
  if (isNdjson(path)) {
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, i) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          throw new InputFileError(`${path}: line ${i + 1} is not JSON`);
        }
      });
  }
  return parseSync(text, { columns: true, skip_empty_lines: true }) as Record<string, unknown>[];
}

/** The generator's labels from a labels file (CSV or NDJSON), for scoring. */
export function loadLabels(path: string, shown = path): Label[] {
  if (!existsSync(path)) throw new InputFileError(`${shown}: no such labels file`);
  return readSmallFile(path).map((r) => {
    const start = String(r.start);
    const end = String(r.end);
    let parameters = r.parameters;
    if (typeof parameters === 'string') {
      try {
        parameters = JSON.parse(parameters);
      } catch {
        parameters = {};
      }
    }
    return {
      kind: String(r.kind) as Label['kind'],
      type: String(r.type),
      service_uid: String(r.service_uid),
      commodity: String(r.commodity) as Label['commodity'],
      start,
      end,
      start_ms: Date.parse(start),
      end_ms: Date.parse(end),
      parameters: (parameters ?? {}) as Label['parameters'],
    };
  });
}

/**
 * The registrations the generator writes beside its readings (`registrations.csv` or `.ndjson`),
 * by service id: where each service is. Empty when there are none (ZIP and borough are then
 * "unknown").
 */
export function loadRegistry(readingsPath: string): Map<string, Registration> {
  const dir = dirname(readingsPath);
  for (const name of ['registrations.ndjson', 'registrations.csv']) {
    const p = join(dir, name);
    if (existsSync(p)) {
      return new Map(readSmallFile(p).map((r) => [String(r.ServiceId), r as unknown as Registration]));
    }
  }
  return new Map();
}
