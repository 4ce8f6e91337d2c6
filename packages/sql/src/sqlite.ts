import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import {
  type RetryOptions,
  SerialQueue,
  type SqlDatabase,
  type SqlTransactionScope,
  withRetry,
} from './database';
import type { SqlValue } from './schema';

/** Options of `openSqlite`: the busy timeout and retries. */
export interface SqliteOptions {
  /** How long a writer waits for another connection's write lock before failing (default 10 s). */
  readonly busyTimeoutMs?: number;
  readonly retry?: RetryOptions;
}

/**
 * SQLite through better-sqlite3 (synchronous, in-process): WAL journal so readers never block the
 * writer, `synchronous = FULL` so a committed transaction survives a crash of the process or the
 * machine, and a busy timeout so several worker threads can share one file.
 */
export async function openSqlite(path: string, options: SqliteOptions = {}): Promise<SqlDatabase> {
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import('better-sqlite3')).default;
  } catch (e) {
    throw new Error(
      `@eventide/sql: SQLite needs the better-sqlite3 package (npm i better-sqlite3@12): ${(e as Error).message}`,
    );
  }
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      if (statements.size > 500) statements.clear();
      statements.set(sql, s);
    }
    return s;
  };
  const query = <R>(sql: string, params: readonly SqlValue[] = []): R[] => {
    const s = prepare(sql);
    if (s.reader) return s.all(...params) as R[];
    s.run(...params);
    return [];
  };
  let savepoints = 0;
  const scope: SqlTransactionScope = {
    query: async (sql, params) => query(sql, params),
    run: async (sql, params = []) => prepare(sql).run(...params).changes,
    async insertMany(prefix, columns, rows, suffix = '') {
      const s = prepare(`${prefix} VALUES (${new Array(columns).fill('?').join(', ')})${suffix}`);
      for (const r of rows) s.run(...r);
    },
    async savepoint(fn) {
      const name = `sp${++savepoints}`;
      db.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn();
        db.exec(`RELEASE ${name}`);
        return result;
      } catch (e) {
        db.exec(`ROLLBACK TO ${name}`);
        db.exec(`RELEASE ${name}`);
        throw e;
      }
    },
  };
  const serial = new SerialQueue();
  return {
    dialect: 'sqlite',
    location: path,
    query: async (sql, params) => serial.run(async () => query(sql, params)),
    transaction: (fn) =>
      serial.run(() =>
        withRetry(
          `SQLite ${path}`,
          async () => {
            db.exec('BEGIN IMMEDIATE');
            try {
              const result = await fn(scope);
              db.exec('COMMIT');
              return result;
            } catch (e) {
              if (db.inTransaction) db.exec('ROLLBACK');
              throw e;
            }
          },
          options.retry,
        ),
      ),
    async close() {
      await serial.run(async () => db.close());
    },
  };
}
