import { closeSync, lstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import {
  type RetryOptions,
  SerialQueue,
  SqlConnectionError,
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
  let db: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') {
      checkSqlitePath(path);
      mkdirSync(dirname(path), { recursive: true });
    }
    db = new Database(path);
  } catch (e) {
    if (e instanceof SqlConnectionError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SqlConnectionError(
      `SQLite ${path}: cannot open it${code === undefined ? '' : ` (${code})`}: check that its folder exists, is a folder, and may be written to`,
      e,
    );
  }
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

const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * Refuses a SQLite path that would write where the user did not mean to: a symbolic link (it
 * could point into another application's database), a directory, or a file that is not a SQLite
 * database. A path that does not exist yet is fine: the database is created there.
 *
 * @param path - the database file
 * @throws SqlConnectionError naming the path and what to check
 */
export function checkSqlitePath(path: string): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new SqlConnectionError(`SQLite ${path}: cannot look at it (${code}): check the path`, e);
  }
  if (stat.isSymbolicLink()) {
    throw new SqlConnectionError(
      `SQLite ${path} is a symbolic link: eventide does not write through links; give the real file's path`,
      undefined,
    );
  }
  if (stat.isDirectory()) {
    throw new SqlConnectionError(
      `SQLite ${path} is a directory: give a file inside it, e.g. ${path.replace(/\/$/, '')}/eventide.db`,
      undefined,
    );
  }
  if (!stat.isFile()) throw new SqlConnectionError(`SQLite ${path} is not a regular file`, undefined);
  if (stat.size === 0) return;
  const head = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, 16, 0);
  } catch (e) {
    throw new SqlConnectionError(
      `SQLite ${path}: cannot read it (${(e as NodeJS.ErrnoException).code}): check its permissions`,
      e,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_HEADER) {
    throw new SqlConnectionError(
      `SQLite ${path} is not a SQLite database (it holds something else): give a new file or an existing database`,
      undefined,
    );
  }
}
