import { createReadStream } from 'node:fs';
import { connect, DataStream, type Source } from '@eventide/core';
import { fromCsvRecord, type MeterReading, type Registration } from '@eventide/generator';
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

/**
 * A bounded `Source` of CSV records (header row → field names), `batchSize` records per read. Its
 * position is the number of records read (`{ records }`, a CSV line each unless a field holds a
 * newline); opening at one parses the file again and skips them, so a checkpointed job resumes
 * after the last record it took.
 */
export function csvFileSource(path: string, batchSize = 2048): Source<Record<string, string>> {
  return {
    open(position) {
      const parser = createReadStream(path).pipe(parse({ columns: true }));
      const records = parser[Symbol.asyncIterator]() as AsyncIterator<Record<string, string>>;
      const skip = (position as { records?: number } | undefined)?.records ?? 0;
      let taken = 0;
      return {
        async read() {
          for (; taken < skip; taken++) if ((await records.next()).done) return null;
          const batch: Record<string, string>[] = [];
          while (batch.length < batchSize) {
            const next = await records.next();
            if (next.done) break;
            batch.push(next.value);
          }
          taken += batch.length;
          return batch.length > 0 ? batch : null;
        },
        position: () => ({ records: Math.max(taken, skip) }),
        close: () => void parser.destroy(),
      };
    },
  };
}

/** Daily use per service from a readings CSV; `registry`: registrations by ServiceId. */
export function dailyUseFromCsv(
  path: string,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
): Promise<DailyUse[]> {
  const rows = DataStream.from(csvFileSource(path)).map(
    (record) => fromCsvRecord(record) as unknown as MeterReading,
  );
  return dailyUse(usageOf(rows, registry, intervalMs).usage).collect();
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
