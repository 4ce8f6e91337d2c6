import { IllegalArgumentError } from '@eventide/core';

/**
 * One table definition for both databases. A table is declared once, in TypeScript; the sink turns
 * it into each dialect's DDL (a migration run on first use), its staging table and its upsert.
 */

/** A value a column holds, as JavaScript sees it. */
export type SqlValue = string | number | null;

/**
 * Column types and how each database stores them:
 * - `text`: `TEXT` / `text` (or `varchar(n)` with `maxLength`); SQLite checks the length.
 * - `integer`: `INTEGER` / `bigint`, read back as a number (exact up to 2^53).
 * - `real`: `REAL` / `double precision`; NaN and ±∞ are refused by both.
 * - `timestamp`: ISO-8601 UTC text / `timestamptz`; given as ISO text or epoch milliseconds,
 *   read back as ISO text (`2026-01-05T05:00:00.000Z`) from both.
 * - `date`: `YYYY-MM-DD` text / `date`, read back as `YYYY-MM-DD`.
 */
export type ColumnType = 'text' | 'integer' | 'real' | 'timestamp' | 'date';

/** A column: its type, the longest text it accepts, and whether it accepts null. */
export interface ColumnSpec {
  readonly type: ColumnType;
  /** `text` only: the longest value accepted (characters). */
  readonly maxLength?: number;
  /** Accepts null (default false: every column is NOT NULL unless it says so). */
  readonly nullable?: boolean;
}

type JsOf<C> = C extends 'integer' | 'real' | { readonly type: 'integer' | 'real' }
  ? number
  : C extends 'timestamp' | { readonly type: 'timestamp' }
    ? string | number
    : C extends ColumnType | { readonly type: ColumnType }
      ? string
      : never;
type Nullable<C> = C extends { readonly nullable: true } ? null : never;

/** The rows a column map accepts (timestamps as ISO text or epoch milliseconds). */
export type RowOf<Columns extends Record<string, ColumnType | ColumnSpec>> = {
  [K in keyof Columns]: JsOf<Columns[K]> | Nullable<Columns[K]>;
};

/** A column as the sink uses it. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly maxLength: number | undefined;
  readonly nullable: boolean;
}

/** A declared table: its name, columns, and the key upserts replace by (none: rows are appended). */
export interface Table<Row = Record<string, SqlValue>> {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly key: readonly string[];
  /**
   * Type only, never set: the rows the table accepts. A function type, so a sink of a narrower
   * row type (epoch-millisecond timestamps only, say) may write to it.
   */
  readonly __row?: (row: Row) => void;
}

/** A table of any row type (what functions over tables take). */
export type AnyTable = Table<never>;

/** Which database a statement is written for. */
export type Dialect = 'sqlite' | 'postgres';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;
const COLUMN_TYPES: ReadonlySet<string> = new Set(['text', 'integer', 'real', 'timestamp', 'date']);

/**
 * Declares a table. Names are lower-case SQL identifiers (letters, digits, `_`), the same in both
 * databases without quoting surprises.
 *
 * @example
 * const dailyUse = defineTable('daily_use', {
 *   service_uid: { type: 'text', maxLength: 36 },
 *   date: 'date',
 *   quantity: 'real',
 * }, { key: ['service_uid', 'date'] });
 * type DailyUseRow = RowOf<typeof dailyUse>; // { service_uid: string; date: string; quantity: number }
 */
export function defineTable<const Columns extends Record<string, ColumnType | ColumnSpec>>(
  name: string,
  columns: Columns,
  options: { readonly key?: readonly (keyof Columns & string)[] } = {},
): Table<RowOf<Columns>> {
  const where = `defineTable('${name}')`;
  if (typeof name !== 'string' || !IDENTIFIER.test(name) || name.startsWith('eventide_')) {
    throw new IllegalArgumentError(
      `${where}: a table name is a lower-case SQL identifier (a-z, 0-9, _; at most 48 characters) not starting with eventide_`,
    );
  }
  const cols: Column[] = [];
  for (const [col, spec] of Object.entries(columns)) {
    const s: ColumnSpec = typeof spec === 'string' ? { type: spec } : spec;
    if (!IDENTIFIER.test(col) || col.startsWith('_'))
      throw new IllegalArgumentError(`${where}: column '${col}' is not a lower-case SQL identifier`);
    if (!COLUMN_TYPES.has(s.type))
      throw new IllegalArgumentError(`${where}: column '${col}' has unknown type '${String(s.type)}'`);
    if (
      s.maxLength !== undefined &&
      (s.type !== 'text' || !Number.isInteger(s.maxLength) || s.maxLength < 1 || s.maxLength > 10_485_760)
    ) {
      throw new IllegalArgumentError(
        `${where}: maxLength of '${col}' must be a positive integer on a text column`,
      );
    }
    cols.push({ name: col, type: s.type, maxLength: s.maxLength, nullable: s.nullable === true });
  }
  if (cols.length === 0) throw new IllegalArgumentError(`${where}: a table needs at least one column`);
  const key = [...(options.key ?? [])];
  for (const k of key) {
    const c = cols.find((x) => x.name === k);
    if (c === undefined) throw new IllegalArgumentError(`${where}: key column '${k}' is not a column`);
    if (c.nullable) throw new IllegalArgumentError(`${where}: key column '${k}' cannot be nullable`);
  }
  if (new Set(key).size !== key.length) throw new IllegalArgumentError(`${where}: key lists a column twice`);
  return { name, columns: cols, key };
}

/** `"name"`: every identifier is quoted (they are validated lower-case, so quoting changes nothing). */
export const q = (id: string): string => `"${id}"`;

function columnDdl(c: Column, dialect: Dialect): string {
  const n = q(c.name);
  const checks: [string, string][] = [];
  let type: string;
  if (dialect === 'sqlite') {
    switch (c.type) {
      case 'text':
        type = 'TEXT';
        if (c.maxLength !== undefined)
          checks.push([`at most ${c.maxLength} characters`, `length(${n}) <= ${c.maxLength}`]);
        break;
      case 'integer':
        type = 'INTEGER';
        break;
      case 'real':
        type = 'REAL';
        checks.push(['finite', `${n} BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308`]);
        break;
      case 'timestamp':
        type = 'TEXT';
        checks.push(['a timestamp', `julianday(${n}) IS NOT NULL`]);
        break;
      case 'date':
        type = 'TEXT';
        checks.push(['a date, YYYY-MM-DD', `date(${n}) IS ${n}`]);
        break;
    }
  } else {
    switch (c.type) {
      case 'text':
        type = c.maxLength === undefined ? 'text' : `varchar(${c.maxLength})`;
        break;
      case 'integer':
        type = 'bigint';
        break;
      case 'real':
        type = 'double precision';
        checks.push(['finite', `${n} > '-Infinity' AND ${n} < 'Infinity'`]);
        break;
      case 'timestamp':
        type = 'timestamptz';
        break;
      case 'date':
        type = 'date';
        break;
    }
  }
  // Named for what they demand: the name is the reason SQLite gives when a value breaks one.
  const named = checks.map(([what, check]) => ` CONSTRAINT ${q(`${c.name}: ${what}`)} CHECK (${check})`);
  return `${n} ${type}${c.nullable ? '' : ' NOT NULL'}${named.join('')}`;
}

/** Where a sink's rows wait between its checkpoint's pre-commit and commit. */
export const stageName = (table: AnyTable): string => `${table.name}__stage`;

/** The DDL of a table, its staging table and the sink's bookkeeping, for one dialect. */
export function tableDdl(table: AnyTable, dialect: Dialect): string[] {
  const strict = dialect === 'sqlite' ? ' STRICT' : '';
  const integer = dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  const text = dialect === 'sqlite' ? 'TEXT' : 'text';
  const cols = table.columns.map((c) => columnDdl(c, dialect));
  const key = table.key.length > 0 ? [`PRIMARY KEY (${table.key.map(q).join(', ')})`] : [];
  const stage = stageName(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${q(table.name)} (${[...cols, ...key].join(', ')})${strict}`,
    `CREATE TABLE IF NOT EXISTS ${q(stage)} (${[
      `"_sink" ${text} NOT NULL`,
      `"_txn" ${text} NOT NULL`,
      `"_seq" ${integer} NOT NULL`,
      ...table.columns.map((c) => columnDdl(c, dialect)),
      'PRIMARY KEY ("_sink", "_txn", "_seq")',
    ].join(', ')})${strict}`,
  ];
}

/** The sink's bookkeeping: committed transactions, and the definition each table was created with. */
export function bookkeepingDdl(dialect: Dialect): string[] {
  const strict = dialect === 'sqlite' ? ' STRICT' : '';
  const integer = dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  const text = dialect === 'sqlite' ? 'TEXT' : 'text';
  return [
    `CREATE TABLE IF NOT EXISTS "eventide_commits" ("sink" ${text} NOT NULL, "txn" ${text} NOT NULL, "checkpoint" ${integer} NOT NULL, "rows" ${integer} NOT NULL, "committed_at" ${text} NOT NULL, PRIMARY KEY ("sink", "txn"))${strict}`,
    `CREATE TABLE IF NOT EXISTS "eventide_tables" ("name" ${text} NOT NULL PRIMARY KEY, "definition" ${text} NOT NULL)${strict}`,
  ];
}

/** A table's definition as stored in `eventide_tables`: a later run with another one is refused. */
export function definitionOf(table: AnyTable): string {
  return JSON.stringify({ columns: table.columns, key: table.key });
}

/** Turns values into what each column stores: timestamps become ISO-8601 UTC text. */
export function normalizeRow(table: AnyTable, row: Record<string, unknown>): SqlValue[] {
  const out: SqlValue[] = new Array(table.columns.length);
  for (let i = 0; i < table.columns.length; i++) {
    const c = table.columns[i]!;
    const v = row[c.name];
    if (v === undefined || v === null) out[i] = null;
    else if (c.type === 'timestamp') out[i] = isoTimestamp(v);
    else if (typeof v === 'string' || typeof v === 'number') out[i] = v;
    else if (typeof v === 'boolean') out[i] = v ? 1 : 0;
    else out[i] = String(v);
  }
  return out;
}

function isoTimestamp(v: unknown): SqlValue {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  // An unparseable value goes on as it is: the database refuses it with its own reason.
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(v);
}
