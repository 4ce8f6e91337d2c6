import type { Dialect, SqlValue } from './schema';

/**
 * A connection to SQLite or PostgreSQL behind one small interface: parameterised statements with
 * `?` placeholders (turned into `$1, $2…` for PostgreSQL), and transactions that run one at a time.
 */

/** Statements inside a transaction. */
export interface SqlTransactionScope {
  query<R = Record<string, SqlValue>>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Inserts rows (`columns` values each) with one statement prefix, in as few round trips as the driver allows. */
  insertMany(
    prefix: string,
    columns: number,
    rows: readonly (readonly SqlValue[])[],
    suffix?: string,
  ): Promise<void>;
  /** Runs `fn` in a savepoint: if it throws, only its own statements are rolled back. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/** An open SQLite or PostgreSQL database: queries with `?` placeholders, and transactions run one at a time. */
export interface SqlDatabase {
  readonly dialect: Dialect;
  /** Where it is: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  query<R = Record<string, SqlValue>>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /**
   * Runs `fn` in a transaction, committed when it resolves, rolled back when it throws. Transactions
   * on one `SqlDatabase` run one after another. When the connection is lost (or SQLite stays
   * busy), the whole transaction is tried again on a new connection with exponential backoff, so
   * `fn` must be safe to run again; after the last attempt the error is thrown.
   */
  transaction<T>(fn: (tx: SqlTransactionScope) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The database refused a value (a constraint, a type, a length): the row is bad, not the connection. */
export function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  // PostgreSQL SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).
  if (/^2[23][0-9A-Z]{3}$/.test(code)) return true;
  // SQLite: constraint failures, and a value of the wrong type for a STRICT column.
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH';
}

/** Worth trying again on a new connection: the connection (or the server) went away, or was busy. */
export function isTransientError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
      code,
    )
  )
    return true;
  // SQLSTATE 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now), 40001/40P01
  // (serialization failure, deadlock: the transaction may simply run again), 55P03 (lock timeout).
  if (
    /^08[0-9A-Z]{3}$/.test(code) ||
    /^57P0[123]$/.test(code) ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03'
  )
    return true;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|Client has encountered a connection error|not queryable|connection is closed/i.test(
    message,
  );
}

/** The database could not be opened, or its connection not (re)established within the retry budget. */
export class SqlConnectionError extends Error {
  override readonly name = 'SqlConnectionError';
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** How transient failures are retried: attempts and exponential backoff. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 8). */
  readonly attempts?: number;
  /** The first wait, doubled after each failure (default 100 ms)… */
  readonly initialDelayMs?: number;
  /** …up to this (default 5 s). Waits are jittered by ±20%. */
  readonly maxDelayMs?: number;
  /** Told of each failure that will be tried again. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `fn` until it succeeds, retrying transient errors with exponential backoff. */
export async function withRetry<T>(
  what: string,
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 8;
  let delay = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!isTransientError(e)) throw e;
      if (attempt >= attempts) {
        throw new SqlConnectionError(
          `${what}: gave up after ${attempts} attempts: ${(e as Error).message ?? String(e)}`,
          e,
        );
      }
      const wait = Math.round(delay * (0.8 + 0.4 * Math.random()));
      options.onRetry?.(e, attempt, wait);
      await new Promise((r) => setTimeout(r, wait));
      delay = Math.min(max, delay * 2);
    }
  }
}

/** Runs tasks one after another (transactions on one connection must not interleave). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** `?` placeholders → `$1, $2…` (the statements here never hold a `?` inside a literal). */
export function numberedPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}
