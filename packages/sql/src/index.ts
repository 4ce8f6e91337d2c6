/**
 * @eventide/sql: exactly-once SQL sinks. Declare a table once (`defineTable`), open SQLite or
 * PostgreSQL (`openDatabase`), and `stream.sinkTo(new SqlSink(db, table))`: each checkpoint's rows
 * become visible in one transaction that also records the checkpoint, so a job resumed after a
 * crash neither loses nor doubles a row.
 */
export {
  isDataError,
  isTransientError,
  type RetryOptions,
  SqlConnectionError,
  type SqlDatabase,
  type SqlTransactionScope,
  withRetry,
} from './database';
export { isPostgresUrl, type OpenOptions, openDatabase } from './open';
export { openPostgres, type PostgresOptions, redactUrl } from './postgres';
export {
  type AnyTable,
  type Column,
  type ColumnSpec,
  type ColumnType,
  type Dialect,
  defineTable,
  type RowOf,
  type SqlValue,
  type Table,
} from './schema';
export {
  ensureTables,
  RejectedRowError,
  resetTables,
  SchemaMismatchError,
  type SqlPending,
  SqlSink,
  type SqlSinkOptions,
  type SqlSinkStats,
} from './sink';
export { checkSqlitePath, openSqlite, type SqliteOptions } from './sqlite';
