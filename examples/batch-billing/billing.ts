import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { connect, DataStream, execute, INVALID, type InvalidRecord, type Source } from '@eventide/core';
import { fromCsvRecord, type MeterReading, READING_FIELDS, type Registration } from '@eventide/generator';
import { openDatabase, SqlSink } from '@eventide/sql';
import { parse } from 'csv-parse';
import { type DailyUse, dailyUse } from '../domain/rollups';
import { type BillRow, TABLES } from '../domain/store';
import { usageOf } from '../domain/usage';

/**
 * The batch layer with the streaming API: a bounded file source reads the generator's CSV a batch
 * at a time (csv-parse over a file stream, never the whole file in memory), and the same pipeline
 * as the streaming job computes daily use and cost. The end of the file is a watermark at +∞, so
 * every window fires once all rows are read: the batch answer is the streaming answer.
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
export function checkReadingsCsv(path: string, shown = path): void {
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
  if (text.trim() === '') throw new InputFileError(`${shown} is empty: there are no readings to bill`);
  const header = text
    .split(/\r?\n/, 1)[0]!
    .split(',')
    .map((c) => c.trim().replace(/^"|"$/g, ''));
  const missing = READING_FIELDS.filter((f) => !header.includes(f));
  if (missing.length > 0) {
    throw new InputFileError(
      `${shown}: no column ${missing.map((m) => `"${m}"`).join(', ')} in its header (a readings file has ${READING_FIELDS.join(', ')})`,
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

/**
 * Readings from a CSV file: `readings` go on to the pipeline; `parsed` is where rows the parser
 * could not read went to INVALID, with their line and reason (rows that fail the schema go to
 * INVALID later, at the pipeline's validation).
 */
export function readingsFromCsv(path: string): {
  readings: DataStream<MeterReading>;
  parsed: DataStream<Record<string, string> | ParseProblem>;
} {
  const parsed = DataStream.from(csvFileSource(path))
    .validate((r) => ('problem' in r ? `line ${r.line}: ${(r as ParseProblem).problem}` : undefined))
    .name('parse');
  const readings = parsed
    .map((record) => fromCsvRecord(record as Record<string, string>) as unknown as MeterReading)
    .name('rows');
  return { readings, parsed };
}

/** Daily use per service from a readings CSV, and the rows refused (with reasons). */
export async function billingInputFromCsv(
  path: string,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
): Promise<{ daily: DailyUse[]; refused: InvalidRecord<unknown>[] }> {
  const { readings, parsed } = readingsFromCsv(path);
  const { usage, validated } = usageOf(readings, registry, intervalMs);
  const { outputs } = await execute({
    daily: dailyUse(usage),
    parse: parsed.getSideOutput(INVALID),
    invalid: validated.getSideOutput(INVALID),
  });
  return { daily: outputs.daily, refused: [...outputs.parse, ...outputs.invalid] };
}

/** Daily use per service from a readings CSV; `registry`: registrations by ServiceId. */
export async function dailyUseFromCsv(
  path: string,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
): Promise<DailyUse[]> {
  return (await billingInputFromCsv(path, registry, intervalMs)).daily;
}

/** The same daily use, streamed straight from a source of readings. */
export function dailyUseFromStream(
  source: Source<MeterReading>,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
): Promise<DailyUse[]> {
  return dailyUse(usageOf(DataStream.from(source), registry, intervalMs).usage).collect();
}

/** One service's bill for the period its daily use covers (a row of the `bills` table). */
export type Bill = BillRow;

/** Bills from daily use: per service and commodity, the days added up. */
export function billsOf(daily: readonly DailyUse[]): Bill[] {
  const bills = new Map<string, Bill>();
  for (const d of daily) {
    const key = `${d.service_uid}|${d.commodity}`;
    const b = bills.get(key);
    bills.set(
      key,
      b === undefined
        ? {
            service_uid: d.service_uid,
            commodity: d.commodity,
            period_start: d.date,
            period_end: d.date,
            days: 1,
            unit: d.unit,
            quantity: d.quantity,
            cost_usd: d.cost_usd,
          }
        : {
            ...b,
            period_start: d.date.localeCompare(b.period_start) < 0 ? d.date : b.period_start,
            period_end: d.date.localeCompare(b.period_end) > 0 ? d.date : b.period_end,
            days: b.days + 1,
            quantity: Number((b.quantity + d.quantity).toFixed(4)),
            cost_usd: Number((b.cost_usd + d.cost_usd).toFixed(2)),
          },
    );
  }
  return [...bills.values()];
}

/**
 * Writes bills to the job's database (`bills` table, replaced by service, commodity and period
 * start, so running the batch again changes nothing) through an exactly-once SQL sink.
 */
export async function writeBills(target: string, bills: readonly Bill[]): Promise<void> {
  const db = await openDatabase(target);
  try {
    const job = connect({
      bills: DataStream.from(bills).sinkTo(new SqlSink(db, TABLES.bills)).name('bills-db'),
    });
    job.start();
    await job.done;
  } finally {
    await db.close();
  }
}
