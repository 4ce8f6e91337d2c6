import { redactCredentials } from '@eventide/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * How to reach Redis: a URL (`redis://[user]:password@host:port`, `rediss://` for TLS) or ioredis
 * options (`password`, `username`, `tls` and the rest are passed through). A URL's path, when it
 * has one, is not a database number here: the APIs that take a URL with a stream name say so.
 */
export type RedisConnection = string | RedisOptions;

/** Redis could not be reached, refused the credentials, or went away for longer than the retries. */
export class RedisConnectionError extends Error {
  override readonly name = 'RedisConnectionError';
}

/** How long, and how often, a connection is retried before it is given up. */
export interface RetryOptions {
  /**
   * Reconnect attempts before giving up (default: the `EVENTIDE_REDIS_RETRIES` environment
   * variable, else 30: about a minute with the backoff).
   */
  readonly attempts?: number;
  /** First delay between attempts; doubles up to `maxDelayMs` (default 100). */
  readonly initialDelayMs?: number;
  /** Default 2000. */
  readonly maxDelayMs?: number;
}

/** A `redis://` or `rediss://` URL split into ioredis options and the path after the host. */
export function parseRedisUrl(url: string): { readonly options: RedisOptions; readonly path: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisConnectionError(`not a Redis URL: ${redactUrl(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisConnectionError(
      `a Redis URL starts with redis:// or rediss://, got ${u.protocol}// (${redactUrl(url)})`,
    );
  }
  const options: RedisOptions = {
    host: u.hostname || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return { options, path: decodeURIComponent(u.pathname.replace(/^\//, '')) };
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return redactCredentials(url);
}

function optionsOf(connection: RedisConnection): RedisOptions {
  return typeof connection === 'string' ? parseRedisUrl(connection).options : connection;
}

/** `host:port`, for messages. */
export function describeConnection(connection: RedisConnection): string {
  const o = optionsOf(connection);
  return `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
}

/**
 * The same error, saying where and what was being done: ioredis says "Connection is closed." once
 * its retries ran out.
 */
export function explainRedisError(err: unknown, connection: RedisConnection, doing: string): Error {
  if (err instanceof RedisConnectionError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RedisConnectionError(
    `${doing} at Redis ${describeConnection(connection)} failed: ${message}` +
      (isConnectionGone(err)
        ? ' (the server went away and did not come back: check that it is running and reachable)'
        : ''),
    { cause: err },
  );
}

/**
 * Whether an error is ioredis's word that the server is gone (refused, reset, timed out, or the
 * reconnect attempts ran out), as opposed to a command the server refused.
 */
export function isConnectionGone(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|max retries/i.test(message);
}

/**
 * Opens a client and waits until it is ready (`name` is what `CLIENT LIST` shows). Dropped
 * connections are retried with exponential backoff, and commands issued meanwhile are held and
 * sent once it is back; when the retries run out, every held command fails rather than waiting
 * for ever. A server that cannot be reached at first, or refuses the credentials, is an error at
 * once: a wrong password cannot get better by retrying.
 */
export async function openRedis(
  connection: RedisConnection,
  retry: RetryOptions = {},
  name = 'eventide',
): Promise<Redis> {
  const attempts = retry.attempts ?? defaultAttempts();
  const first = retry.initialDelayMs ?? 100;
  const max = retry.maxDelayMs ?? 2000;
  const where = describeConnection(connection);
  let lastError: Error | undefined;
  let authFailed = false;
  const client = new Redis({
    connectionName: name,
    connectTimeout: 5000,
    maxRetriesPerRequest: null,
    // RESP2: XREAD replies as [[stream, entries]], the shape the readers expect.
    protocol: 2,
    ...optionsOf(connection),
    lazyConnect: true,
    retryStrategy: (times) =>
      authFailed || times > attempts ? null : Math.min(first * 2 ** (times - 1), max),
    reconnectOnError: () => false,
  });
  client.on('error', (err: Error) => {
    lastError = err;
    if (/WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username/i.test(err.message)) authFailed = true;
  });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    const reason = (lastError ?? (err as Error)).message;
    if (authFailed || /WRONGPASS|NOAUTH|NOPERM/i.test(reason)) {
      throw new RedisConnectionError(
        `Redis at ${where} refused the credentials (${reason}); give the password in the URL (redis://:password@host:port) or as options.password`,
      );
    }
    throw new RedisConnectionError(`could not connect to Redis at ${where}: ${reason}`);
  }
  return client;
}

/** `EVENTIDE_REDIS_RETRIES` when it is a whole number ≥ 0, else 30. */
function defaultAttempts(): number {
  const n = Number(process.env.EVENTIDE_REDIS_RETRIES ?? Number.NaN);
  return Number.isInteger(n) && n >= 0 ? n : 30;
}
