import { connect, DataStream, execute, INVALID, type InvalidRecord, type Source } from '@eventide/core';
import type { MeterReading, Registration } from '@eventide/generator';
import { openDatabase, SqlSink } from '@eventide/sql';
import { readingsFromFile } from '../domain/input';
import { type DailyUse, dailyUse } from '../domain/rollups';
import { type BillRow, TABLES } from '../domain/store';
import { usageOf } from '../domain/usage';

/**
 * The batch layer with the streaming API: a bounded file source reads the generator's CSV a batch
 * at a time (csv-parse over a file stream, never the whole file in memory), and the same pipeline
 * as the streaming job computes daily use and cost. The end of the file is a watermark at +∞, so
 * every window fires once all rows are read: the batch answer is the streaming answer.
 */

/** Daily use per service from a readings CSV, and the rows refused (with reasons). */
export async function billingInputFromCsv(
  path: string,
  registry: ReadonlyMap<string, Registration>,
  intervalMs: number,
): Promise<{ daily: DailyUse[]; refused: InvalidRecord<unknown>[] }> {
  const { readings, parsed } = readingsFromFile(path);
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
