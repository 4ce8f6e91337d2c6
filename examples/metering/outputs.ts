import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InvalidRecord, Sink } from '@eventide/core';
import { FileSink } from '@eventide/core/node';
import { csvHeader, csvLine } from '@eventide/generator';
import { type SqlDatabase, SqlSink, type Table } from '@eventide/sql';
import { parse } from 'csv-parse/sync';
import type { Alert } from '../domain/alert';
import { ALERT_TYPES } from '../domain/alerts';
import type { DailyUse, HourlyTotal } from '../domain/rollups';
import { invalidRow, lateRow } from '../domain/rows';
import type { Score } from '../domain/scoring';
import { TABLES } from '../domain/store';
import type { Usage } from '../domain/usage';

/**
 * The main job's output files: their names, columns and how a value becomes a row. One table, used
 * by the single-thread job, the workers and the merge that follows them.
 */

export type Format = 'csv' | 'ndjson';

const HOURLY = ['area', 'commodity', 'unit', 'hour_start', 'quantity', 'readings'] as const;

/** Every output file: its name and columns, and how one value becomes a row. */
export const OUTPUT_FILES = {
  zip: { file: 'hourly-by-zip', fields: HOURLY, row: (t: HourlyTotal) => t as object },
  borough: { file: 'hourly-by-borough', fields: HOURLY, row: (t: HourlyTotal) => t as object },
  daily: {
    file: 'daily-use',
    fields: ['service_uid', 'date', 'hours', 'commodity', 'unit', 'quantity', 'cost_usd'],
    row: (d: DailyUse) => d as object,
  },
  alerts: {
    file: 'alerts',
    fields: ['type', 'service_uid', 'commodity', 'at', 'since', 'detail'],
    row: (a: Alert) => a as object,
  },
  late: {
    file: 'late-readings',
    fields: ['service_uid', 'commodity', 'unit', 'quantity', 'ts', 'zip', 'borough', 'correction'],
    row: lateRow,
  },
  invalid: {
    file: 'invalid',
    fields: ['reason', 'operator', 'row'],
    row: (r: InvalidRecord<unknown>) => invalidRow(r) as object,
  },
} as const;

export type OutputName = keyof typeof OUTPUT_FILES;

export function outputPath(dir: string, name: OutputName, format: Format): string {
  return join(dir, `${OUTPUT_FILES[name].file}.${format}`);
}

/** Text of rows in a format: CSV lines of the output's columns, or NDJSON. */
export function formatRows(name: OutputName, format: Format, rows: readonly object[]): string {
  const fields = OUTPUT_FILES[name].fields;
  let out = '';
  for (const r of rows) out += format === 'csv' ? csvLine(r, fields) : `${JSON.stringify(r)}\n`;
  return out;
}

export function headerOf(name: OutputName, format: Format): string {
  return format === 'csv' ? csvHeader(OUTPUT_FILES[name].fields) : '';
}

/** An exactly-once file for one output. */
export function fileSinkOf<T>(dir: string, name: OutputName, format: Format): FileSink<T> {
  const toRow = OUTPUT_FILES[name].row as (v: T) => object;
  return new FileSink<T>(outputPath(dir, name, format), {
    header: headerOf(name, format),
    format: (values) => formatRows(name, format, values.map(toRow)),
  });
}

/** A plain sink calling `each` per value (tests and in-memory use). */
export function callbackSink<T>(each: ((v: T) => void) | undefined): Sink<T> {
  return {
    write(values) {
      if (each) for (const v of values) each(v);
    },
  };
}

/** Reads an output file back as rows of strings (after the job committed it). */
export function readRows(dir: string, name: OutputName, format: Format): Record<string, string>[] {
  const path = outputPath(dir, name, format);
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (format === 'csv')
    return parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, string>);
}

/** Alerts read back from the alerts file (for scoring). */
export function readAlerts(dir: string, format: Format): Alert[] {
  return readRows(dir, 'alerts', format).map((r) => ({
    type: r.type as Alert['type'],
    service_uid: r.service_uid!,
    commodity: r.commodity as Alert['commodity'],
    at: r.at!,
    at_ms: Date.parse(r.at!),
    since: r.since!,
    since_ms: Date.parse(r.since!),
    detail: r.detail!,
  }));
}

type Rows = { [K in OutputName]: (v: never) => Record<string, unknown> };
const DB_ROWS = (part: string): Rows => ({
  zip: (t: HourlyTotal) => ({ ...t, part }),
  borough: (t: HourlyTotal) => ({ ...t, part }),
  daily: (d: DailyUse) => d as unknown as Record<string, unknown>,
  alerts: (a: Alert) => ({
    type: a.type,
    service_uid: a.service_uid,
    commodity: a.commodity,
    at: a.at,
    since: a.since,
    detail: a.detail,
  }),
  late: (u: Usage) => lateRow(u),
  invalid: (r: InvalidRecord<unknown>) => invalidRow(r) as unknown as Record<string, unknown>,
});

/**
 * The exactly-once sink of one output. `part` names the run's share of services; the sink's name
 * in the database's bookkeeping is `<table>@<part>`, stable across restarts.
 */
export function sqlSinkOf<T>(
  db: SqlDatabase,
  name: OutputName,
  part: string,
): SqlSink<T, Record<string, unknown>> {
  const table = TABLES[name] as unknown as Table<Record<string, unknown>>;
  return new SqlSink<T, Record<string, unknown>>(db, table, {
    name: `${table.name}@${part}`,
    row: DB_ROWS(part)[name] as (v: T) => Record<string, unknown>,
    rejects: {
      table: TABLES.invalid,
      row: (refused, reason) => ({ reason, operator: 'sql', row: JSON.stringify(refused) }),
    },
  });
}

/** The summary's score table: one line per alert type, with a header and what recall means. */
export function scoreTable(scores: readonly Score[]): string[] {
  return [
    'alert               alerts  true+  labels  caught  precision  recall  detectable recall',
    ...ALERT_TYPES.map((t) => {
      const s = scores.find((x) => x.type === t)!;
      return `${t.padEnd(18)} ${String(s.alerts).padStart(7)} ${String(s.truePositives).padStart(6)} ${String(s.labels).padStart(7)} ${String(s.detected).padStart(7)}  ${s.precision.toFixed(2).padStart(9)}  ${s.recall.toFixed(2).padStart(6)}  ${s.detectableRecall.toFixed(2).padStart(4)} of ${String(s.detectableLabels).padStart(4)}`;
    }),
    'recall: of every label of the types an alert answers to; detectable: of those the run holds enough of',
  ];
}
