import { IllegalArgumentError } from '@eventide/core';
import type { SqlDatabase } from './database';
import { openPostgres, type PostgresOptions } from './postgres';
import { openSqlite, type SqliteOptions } from './sqlite';

/** Options of `openDatabase`: those of SQLite and of PostgreSQL. */
export type OpenOptions = SqliteOptions & PostgresOptions;

/** `postgres://…` or `postgresql://…`: a PostgreSQL server; anything else names a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * Opens a database by where it is: `postgres://user:password@host:port/db` (or `postgresql://`) for
 * PostgreSQL, anything else a SQLite file (`sqlite:` in front is allowed; `:memory:` works).
 *
 * @example
 * const db = await openDatabase('out/metering.db');
 * const db = await openDatabase(process.env.DATABASE_URL!); // postgres://…
 */
export function openDatabase(target: string, options: OpenOptions = {}): Promise<SqlDatabase> {
  if (typeof target !== 'string' || target.length === 0)
    throw new IllegalArgumentError('openDatabase: give a SQLite file path or a postgres:// URL');
  if (isPostgresUrl(target)) return openPostgres(target, options);
  return openSqlite(target.replace(/^sqlite:/i, ''), options);
}
