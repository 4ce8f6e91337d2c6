import { redactCredentials } from '@eventide/core';
import type { Client, ClientConfig } from 'pg';
import {
  isTransientError,
  numberedPlaceholders,
  type RetryOptions,
  SerialQueue,
  type SqlDatabase,
  type SqlTransactionScope,
  withRetry,
} from './database';
import type { SqlValue } from './schema';

/** Options of `openPostgres`: client options passed to pg, and retries. */
export interface PostgresOptions {
  /**
   * Passed to pg's `Client` as they are (TLS: `ssl`; `connectionTimeoutMillis`; `keepAlive`…), a
   * plain object so that these types need no `pg` types installed.
   */
  readonly client?: Readonly<Record<string, unknown>>;
  readonly retry?: RetryOptions;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Parameters per statement stay below PostgreSQL's limit of 65,535. */
const MAX_PARAMS = 60_000;

/** A database's address without its password, for messages (a file path comes back as it is). */
export function redactUrl(url: string): string {
  return redactCredentials(url);
}

/**
 * PostgreSQL through node-postgres (`pg`), one connection: `bigint` read back as a number,
 * `timestamptz` as ISO-8601 UTC text and `date` as `YYYY-MM-DD`, the same values SQLite gives.
 * A lost connection is replaced, with backoff, and the interrupted transaction run again.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<SqlDatabase> {
  let pg: typeof import('pg');
  try {
    const mod = (await import('pg')) as typeof import('pg') & { default?: typeof import('pg') };
    pg = mod.default ?? mod;
  } catch (e) {
    throw new Error(`@eventide/sql: PostgreSQL needs the pg package (npm i pg): ${(e as Error).message}`);
  }
  const location = redactUrl(url);
  const timestamp = pg.types.getTypeParser(1184);
  const parsers: Record<number, (text: string) => unknown> = {
    20: Number, // bigint
    1700: Number, // numeric
    1082: (t) => t, // date: as written, not a local-time Date
    1184: (t) => (timestamp(t) as Date).toISOString(),
    1114: (t) => new Date(`${t.replace(' ', 'T')}Z`).toISOString(),
  };
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  let client: Client | undefined;
  let broken = false;
  const connect = async (): Promise<Client> => {
    if (client !== undefined && !broken) return client;
    // pg's end() can wait forever on a connection that already failed: give it 2 s
    if (client !== undefined) await Promise.race([client.end().catch(() => undefined), sleep(2000)]);
    broken = false;
    const c = new pg.Client({
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      ...(options.client as ClientConfig | undefined),
      connectionString: url,
      types,
    });
    // An idle connection's error is an event: without a listener it would end the process.
    c.on('error', () => {
      broken = true;
    });
    client = c;
    try {
      await c.connect();
      // A lock held by a session that never ends (a client stopped without closing) would stall
      // this job for good: give up waiting after 30 s and retry the transaction instead.
      await c.query("SET TIME ZONE 'UTC'; SET lock_timeout = '30s'");
    } catch (e) {
      broken = true;
      throw e;
    }
    return c;
  };
  const scopeOf = (c: Client): SqlTransactionScope => {
    let savepoints = 0;
    const run = async (sql: string, params: readonly SqlValue[] = []) =>
      c.query(numberedPlaceholders(sql), params as SqlValue[]);
    return {
      query: async <R>(sql: string, params?: readonly SqlValue[]) => (await run(sql, params)).rows as R[],
      run: async (sql, params) => (await run(sql, params)).rowCount ?? 0,
      async insertMany(prefix, columns, rows, suffix = '') {
        const per = Math.max(1, Math.floor(MAX_PARAMS / columns));
        for (let from = 0; from < rows.length; from += per) {
          const chunk = rows.slice(from, from + per);
          const params: SqlValue[] = [];
          const tuples: string[] = [];
          for (const r of chunk) {
            const at = params.length;
            tuples.push(`(${r.map((_, i) => `$${at + i + 1}`).join(', ')})`);
            for (const v of r) params.push(v);
          }
          await c.query(`${prefix} VALUES ${tuples.join(', ')}${suffix}`, params);
        }
      },
      async savepoint(fn) {
        const name = `sp${++savepoints}`;
        await c.query(`SAVEPOINT ${name}`);
        try {
          const result = await fn();
          await c.query(`RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (e) {
          if (!isTransientError(e)) {
            await c.query(`ROLLBACK TO SAVEPOINT ${name}`);
            await c.query(`RELEASE SAVEPOINT ${name}`);
          }
          throw e;
        }
      },
    };
  };
  const serial = new SerialQueue();
  const retrying = <T>(fn: (c: Client) => Promise<T>) =>
    serial.run(() =>
      withRetry(
        `PostgreSQL ${location}`,
        async () => {
          const c = await connect();
          try {
            return await fn(c);
          } catch (e) {
            if (isTransientError(e)) broken = true;
            throw e;
          }
        },
        options.retry,
      ),
    );
  await retrying(async () => undefined); // connect now: a wrong password or host fails here, clearly
  return {
    dialect: 'postgres',
    location,
    query: <R>(sql: string, params?: readonly SqlValue[]) =>
      retrying(
        async (c) => (await c.query(numberedPlaceholders(sql), (params ?? []) as SqlValue[])).rows as R[],
      ),
    transaction: (fn) =>
      retrying(async (c) => {
        await c.query('BEGIN');
        try {
          const result = await fn(scopeOf(c));
          await c.query('COMMIT');
          return result;
        } catch (e) {
          if (!broken) await c.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      }),
    async close() {
      await serial.run(async () => {
        if (client !== undefined) await Promise.race([client.end().catch(() => undefined), sleep(2000)]);
        client = undefined;
      });
    },
  };
}
