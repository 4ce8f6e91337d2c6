import { connect, DataStream, InMemoryCheckpointStorage, type Source } from '@eventide/core';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase, freePort, startPostgres } from '../../../scripts/postgres-server';
import { defineTable, openDatabase, SqlConnectionError, type SqlDatabase, SqlSink } from '../src/index';
import { newDatabase } from './databases';

const counts = defineTable('counts', { key: 'text', n: 'integer' }, { key: ['key'] });
const log = defineTable('log', { i: 'integer' });

/** A job writing 0..n-1 to an append-only table and the last value per key to a keyed one. */
function numbersJob(db: SqlDatabase, n: number) {
  const source: Source<number> = {
    open(position) {
      let i = typeof position === 'number' ? position : 0;
      return {
        async read() {
          if (i >= n) return null;
          await new Promise((r) => setImmediate(r));
          const batch: number[] = [];
          for (const end = Math.min(n, i + 20); i < end; i++) batch.push(i);
          return batch;
        },
        position: () => i,
      };
    },
  };
  const stream = DataStream.from(source).name('numbers');
  return connect(
    {
      log: stream.sinkTo(new SqlSink<number, { i: number }>(db, log, { row: (i) => ({ i }), batchRows: 50 })),
      counts: stream.sinkTo(
        new SqlSink<number, { key: string; n: number }>(db, counts, {
          row: (i) => ({ key: `k${i % 10}`, n: i }),
          batchRows: 30,
        }),
      ),
    },
    { checkpoints: { storage: new InMemoryCheckpointStorage(), interval: { records: 300 } } },
  );
}

/** The tables hold every number once, and the last value of each key. */
async function expectExact(db: SqlDatabase, n: number) {
  const rows = await db.query<{ i: number }>('SELECT i FROM log ORDER BY i');
  expect(rows.map((r) => r.i)).toEqual(Array.from({ length: n }, (_, i) => i));
  const last = await db.query<{ key: string; n: number }>('SELECT key, n FROM counts ORDER BY key');
  expect(last).toEqual(Array.from({ length: 10 }, (_, k) => ({ key: `k${k}`, n: n - 10 + k })));
}

describe('PostgreSQL connections', () => {
  it('a wrong password fails at once, with the server’s reason and without the password', async () => {
    const url = new URL(inject('postgresUrl'));
    url.password = 'not-the-password';
    const started = performance.now();
    const error = await openDatabase(url.toString()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/password authentication failed for user "eventide"/);
    expect((error as Error).message).not.toContain('not-the-password');
    expect(performance.now() - started).toBeLessThan(5000); // not retried
  });

  it('an unreachable server is retried with backoff, then refused with a clear error', async () => {
    const port = await freePort(); // nothing listens there
    const retries: number[] = [];
    const error = await openDatabase(`postgres://eventide:secret@127.0.0.1:${port}/postgres`, {
      retry: { attempts: 4, initialDelayMs: 20, onRetry: (_e, _attempt, delay) => retries.push(delay) },
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(SqlConnectionError);
    expect((error as Error).message).toMatch(
      /^PostgreSQL postgres:\/\/eventide:\*\*\*@127\.0\.0\.1:\d+\/postgres: gave up after 4 attempts: .*ECONNREFUSED/,
    );
    expect(retries.length).toBe(3);
    // exponential: each wait about twice the one before (±20% jitter)
    expect(retries[2]!).toBeGreaterThan(retries[0]! * 2);
  });

  it('connections killed mid-run are replaced and the job’s tables end exact: nothing lost, nothing doubled', async () => {
    const where = newDatabase('postgres');
    let retried = 0;
    const db = await openDatabase(where, {
      retry: { attempts: 20, initialDelayMs: 5, maxDelayMs: 200, onRetry: () => retried++ },
    });
    const killer = await openDatabase(where);
    const n = 4000;
    const job = numbersJob(db, n);
    // Faults follow the job's progress, not the clock: a kill only after rows were committed since
    // the last one, and only of connections busy in a statement or a transaction (whose work then
    // fails and is retried). However slow the machine, every retry can succeed before the next kill.
    let kills = 0;
    let running = true;
    const killing = (async () => {
      let seen = -1;
      while (running) {
        await new Promise((r) => setTimeout(r, 5));
        const [c] = await killer
          .query<{ n: number }>('SELECT count(*) AS n FROM log')
          .catch(() => [{ n: seen }]);
        if (c === undefined || Number(c.n) <= seen) continue;
        const [k] = await killer.query<{ n: number }>(
          "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')",
        );
        if (Number(k?.n ?? 0) > 0) {
          kills += Number(k!.n);
          seen = Number(c.n);
        }
      }
    })();
    job.start();
    await job.done.finally(() => {
      running = false;
    });
    await killing;
    expect(kills).toBeGreaterThan(3);
    expect(retried).toBeGreaterThan(0);
    await expectExact(killer, n);
    await db.close();
    await killer.close();
  });

  it('a server down for 1.5 s mid-run: the job retries with backoff, reconnects and ends exact', async () => {
    const server = await startPostgres({ fsync: false });
    try {
      const where = createDatabase(server.url, 'restart');
      const retries: number[] = [];
      const db = await openDatabase(where, { retry: { onRetry: (_e, _a, delay) => retries.push(delay) } });
      const n = 20_000;
      const job = numbersJob(db, n);
      job.start();
      // mid-run: some checkpoints committed, most of the input still to come
      const committed = async () =>
        Number(
          (await db.query<{ n: number }>('SELECT count(*) AS n FROM log').catch(() => [{ n: 0 }]))[0]!.n,
        );
      while ((await committed()) < 1000) await new Promise((r) => setTimeout(r, 10));
      server.pause(); // a fast shutdown: connections are cut, new ones refused
      await new Promise((r) => setTimeout(r, 1500));
      server.resume();
      await job.done;
      expect(retries.length).toBeGreaterThan(0);
      await expectExact(db, n);
      await db.close();
    } finally {
      server.stop();
    }
  }, 60_000);
});
