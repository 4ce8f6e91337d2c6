import {
  defineTable,
  ensureTables,
  openDatabase,
  resetTables,
  type SqlDatabase,
  type SqlValue,
} from '@eventide/sql';

/**
 * The main job's results in a database (SQLite by default, PostgreSQL with `--db postgres://…`):
 * the tables, the exactly-once sinks that fill them, and the queries the examples and the
 * dashboard's customer page ask.
 */

const hourlyColumns = {
  area: { type: 'text', maxLength: 16 },
  commodity: { type: 'text', maxLength: 16 },
  unit: { type: 'text', maxLength: 8 },
  hour_start: 'timestamp',
  quantity: 'real',
  readings: 'integer',
  /**
   * Which share of the services the total covers (`0-of-2`: worker 0 of 2; `0-of-1`: all). Each
   * worker's last firing of a window replaces its own row; a ZIP's use is the sum over shares.
   */
  part: { type: 'text', maxLength: 16 },
} as const;
const hourlyKey = ['area', 'commodity', 'hour_start', 'part'] as const;

export const TABLES = {
  zip: defineTable('hourly_by_zip', hourlyColumns, { key: [...hourlyKey] }),
  borough: defineTable('hourly_by_borough', hourlyColumns, { key: [...hourlyKey] }),
  daily: defineTable(
    'daily_use',
    {
      service_uid: { type: 'text', maxLength: 64 },
      date: 'date',
      hours: 'integer',
      commodity: { type: 'text', maxLength: 16 },
      unit: { type: 'text', maxLength: 8 },
      quantity: 'real',
      cost_usd: 'real',
    },
    // a late reading's correction replaces the day's row
    { key: ['service_uid', 'commodity', 'date'] },
  ),
  alerts: defineTable(
    'alerts',
    {
      type: { type: 'text', maxLength: 32 },
      service_uid: { type: 'text', maxLength: 64 },
      commodity: { type: 'text', maxLength: 16 },
      at: 'timestamp',
      since: 'timestamp',
      detail: { type: 'text', maxLength: 500 },
    },
    { key: ['type', 'service_uid', 'at'] },
  ),
  late: defineTable('late_readings', {
    service_uid: { type: 'text', maxLength: 64 },
    commodity: { type: 'text', maxLength: 16 },
    unit: { type: 'text', maxLength: 8 },
    quantity: 'real',
    ts: 'timestamp',
    zip: { type: 'text', maxLength: 10 },
    borough: { type: 'text', maxLength: 32 },
    correction: 'integer',
  }),
  /** A service's bill for a billing period: the batch-billing example's output. */
  bills: defineTable(
    'bills',
    {
      service_uid: { type: 'text', maxLength: 64 },
      commodity: { type: 'text', maxLength: 16 },
      period_start: 'date',
      period_end: 'date',
      days: 'integer',
      unit: { type: 'text', maxLength: 8 },
      quantity: 'real',
      cost_usd: 'real',
    },
    { key: ['service_uid', 'commodity', 'period_start'] },
  ),
  /** Records the pipeline found invalid, and rows the database refused (operator `sql`). */
  invalid: defineTable('invalid', { reason: 'text', operator: { type: 'text', maxLength: 64 }, row: 'text' }),
} as const;

/** The main job's tables (the bills belong to the batch-billing example). */
export const JOB_TABLES = [
  TABLES.zip,
  TABLES.borough,
  TABLES.daily,
  TABLES.alerts,
  TABLES.late,
  TABLES.invalid,
];

/** The name of the share of services a run covers, as the hourly tables record it. */
export function partOf(partition: { readonly index: number; readonly count: number } | undefined): string {
  return partition === undefined ? '0-of-1' : `${partition.index}-of-${partition.count}`;
}

/** Empties the job's tables: a run that starts over (not one that resumes) calls it first. */
export async function resetStore(target: string): Promise<void> {
  const db = await openDatabase(target);
  try {
    await resetTables(db, JOB_TABLES);
  } finally {
    await db.close();
  }
}

export interface DailyUseRow {
  readonly date: string;
  readonly commodity: string;
  readonly unit: string;
  readonly hours: number;
  readonly quantity: number;
  readonly cost_usd: number;
}

export interface HourlyRow {
  readonly hour_start: string;
  readonly commodity: string;
  readonly unit: string;
  readonly quantity: number;
  readonly readings: number;
}

export interface BillRow {
  readonly service_uid: string;
  readonly commodity: string;
  readonly period_start: string;
  readonly period_end: string;
  readonly days: number;
  readonly unit: string;
  readonly quantity: number;
  readonly cost_usd: number;
}

export interface AlertRow {
  readonly type: string;
  readonly service_uid: string;
  readonly commodity: string;
  readonly at: string;
  readonly since: string;
  readonly detail: string;
}

/** Four decimals, as the files write totals. */
const round4 = (x: number) => Number(x.toFixed(4));

/**
 * Questions asked of the job's results, the same on SQLite and PostgreSQL. Dates are New York
 * calendar days (`YYYY-MM-DD`, inclusive); times are ISO-8601 UTC, `from` inclusive, `to` exclusive.
 *
 * @example
 * const store = await MeteringStore.open('out/metering.db');
 * await store.dailyUse('3b6fc86a-…', '2026-01-05', '2026-01-11');
 */
export class MeteringStore {
  private constructor(readonly db: SqlDatabase) {}

  /** Opens the job's database, creating its tables if it has none yet (queries then find nothing). */
  static async open(target: string): Promise<MeteringStore> {
    const db = await openDatabase(target);
    await ensureTables(db, Object.values(TABLES));
    return new MeteringStore(db);
  }

  /** A service's use and cost per day between two dates. */
  dailyUse(serviceUid: string, from: string, to: string): Promise<DailyUseRow[]> {
    return this.db.query<DailyUseRow>(
      'SELECT date, commodity, unit, hours, quantity, cost_usd FROM daily_use WHERE service_uid = ? AND date >= ? AND date <= ? ORDER BY date, commodity',
      [serviceUid, from, to],
    );
  }

  /** A ZIP code's hourly use (every share of the services added up), optionally of one commodity. */
  async zipHourly(zip: string, from: string, to: string, commodity?: string): Promise<HourlyRow[]> {
    const params: SqlValue[] = [zip, from, to];
    if (commodity !== undefined) params.push(commodity);
    const rows = await this.db.query<HourlyRow>(
      `SELECT hour_start, commodity, unit, sum(quantity) AS quantity, sum(readings) AS readings FROM hourly_by_zip WHERE area = ? AND hour_start >= ? AND hour_start < ?${commodity === undefined ? '' : ' AND commodity = ?'} GROUP BY hour_start, commodity, unit ORDER BY hour_start, commodity`,
      params,
    );
    return rows.map((r) => ({ ...r, quantity: round4(Number(r.quantity)), readings: Number(r.readings) }));
  }

  /** Alerts raised between two times, optionally of one type and of one service. */
  alerts(
    filter: { type?: string; serviceUid?: string; from?: string; to?: string } = {},
  ): Promise<AlertRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (sql: string, v: string | undefined) => {
      if (v === undefined) return;
      where.push(sql);
      params.push(v);
    };
    add('type = ?', filter.type);
    add('service_uid = ?', filter.serviceUid);
    add('at >= ?', filter.from);
    add('at < ?', filter.to);
    return this.db.query<AlertRow>(
      `SELECT type, service_uid, commodity, at, since, detail FROM alerts${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY at, type, service_uid`,
      params,
    );
  }

  /** A service's bills, oldest first. */
  bills(serviceUid: string): Promise<BillRow[]> {
    return this.db.query<BillRow>(
      'SELECT service_uid, commodity, period_start, period_end, days, unit, quantity, cost_usd FROM bills WHERE service_uid = ? ORDER BY period_start, commodity',
      [serviceUid],
    );
  }

  /** Every row of a table, sorted (tests compare whole tables). */
  async dump(table: keyof typeof TABLES): Promise<Record<string, SqlValue>[]> {
    const t = TABLES[table];
    const cols = t.columns.map((c) => c.name);
    const rows = await this.db.query<Record<string, SqlValue>>(`SELECT ${cols.join(', ')} FROM ${t.name}`);
    const line = (r: Record<string, SqlValue>) => JSON.stringify(cols.map((c) => r[c]));
    return rows.sort((a, b) => (line(a) < line(b) ? -1 : line(a) > line(b) ? 1 : 0));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
