import { connect, DataStream, InMemoryCheckpointStorage, type Source } from '@eventide/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defineTable,
  ensureTables,
  RejectedRowError,
  resetTables,
  SchemaMismatchError,
  type SqlDatabase,
  type SqlPending,
  SqlSink,
  type Table,
} from '../src/index';
import { DIALECTS, openNew } from './databases';

interface Rec {
  readonly key: string;
  readonly t: number;
  readonly v: number;
}

const events = defineTable('events', { key: { type: 'text', maxLength: 8 }, t: 'timestamp', v: 'integer' });
const latest = defineTable('latest', { key: { type: 'text', maxLength: 8 }, v: 'integer' }, { key: ['key'] });
const rejects = defineTable('rejects', { reason: 'text', row: 'text' });

const opened: SqlDatabase[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});
async function fresh(dialect: (typeof DIALECTS)[number]) {
  const { db } = await openNew(dialect);
  opened.push(db);
  return db;
}

const all = <R>(db: SqlDatabase, sql: string) => db.query<R>(sql);
const sortBy = <T>(xs: T[], key: (x: T) => string) => xs.sort((a, b) => key(a).localeCompare(key(b)));

/** Records 0..n-1 (key k<i mod keys>, one per second); throws once `failAt` records were read. */
function records(n: number, keys: number, failAt = Number.POSITIVE_INFINITY): Source<Rec> {
  return {
    open(position) {
      let i = typeof position === 'number' ? position : 0;
      return {
        read() {
          if (i >= failAt) throw new Error('simulated crash');
          if (i >= n) return null;
          const batch: Rec[] = [];
          for (const end = Math.min(n, i + 3); i < end; i++)
            batch.push({ key: `k${(i * 7) % keys}`, t: 1_767_600_000_000 + i * 1000, v: i });
          return batch;
        },
        position: () => i,
      };
    },
  };
}

/** Passes everything to `inner`, then fails (like a process dying) after the `crashAfterCommit`-th commit. */
function dyingAfterCommit(inner: SqlSink<Rec, unknown>, crashAfterCommit: number) {
  let commits = 0;
  return {
    twoPhaseCommit: true as const,
    recover: (p: readonly SqlPending[] | undefined) => inner.recover(p),
    begin: (id: number) => inner.begin(id),
    write: (txn: never, v: readonly Rec[]) => inner.write(txn, v),
    preCommit: (txn: never) => inner.preCommit(txn),
    async commit(p: SqlPending) {
      await inner.commit(p);
      if (++commits === crashAfterCommit) throw new Error('simulated crash after a commit');
    },
    // a dying process aborts nothing: its staged rows stay behind
    abort: () => undefined,
  };
}

async function runJob(
  db: SqlDatabase,
  storage: InMemoryCheckpointStorage,
  source: Source<Rec>,
  every: number,
  crashAfterCommit = 0,
) {
  const sinks = {
    events: new SqlSink<Rec>(db, events, { name: 'events', batchRows: 4 }),
    latest: new SqlSink<Rec, { key: string; v: number }>(db, latest, {
      name: 'latest',
      row: (r) => ({ key: r.key, v: r.v }),
      batchRows: 5,
    }),
  };
  const stream = DataStream.from(source).name('records');
  const job = connect(
    {
      events: stream
        .sinkTo(
          crashAfterCommit > 0 ? dyingAfterCommit(sinks.events as never, crashAfterCommit) : sinks.events,
        )
        .name('events-sink'),
      latest: stream.sinkTo(sinks.latest).name('latest-sink'),
    },
    { checkpoints: { storage, interval: { records: every } } },
  );
  job.start();
  await job.done;
  return sinks;
}

describe.each(DIALECTS)('SqlSink on %s', (dialect) => {
  it('round-trips every column type to the same JavaScript values', async () => {
    const db = await fresh(dialect);
    const typed = defineTable(
      'typed',
      {
        name: { type: 'text', maxLength: 5 },
        n: 'integer',
        x: 'real',
        at: 'timestamp',
        day: 'date',
        note: { type: 'text', nullable: true },
      },
      { key: ['name'] },
    );
    const sink = new SqlSink(db, typed);
    await sink.recover(undefined);
    const txn = sink.begin(1);
    await sink.write(txn, [
      { name: 'a', n: 2 ** 40, x: 0.1 + 0.2, at: 1_767_589_200_000, day: '2026-01-05', note: null },
      { name: 'b', n: -3, x: -1e-9, at: '2026-03-08T07:00:00.000Z', day: '2024-02-29', note: 'é "q" \'' },
    ]);
    await sink.commit(await sink.preCommit(txn));
    const rows = sortBy(await all<Record<string, unknown>>(db, 'SELECT * FROM typed'), (r) => String(r.name));
    expect(rows).toEqual([
      { name: 'a', n: 2 ** 40, x: 0.1 + 0.2, at: '2026-01-05T05:00:00.000Z', day: '2026-01-05', note: null },
      { name: 'b', n: -3, x: -1e-9, at: '2026-03-08T07:00:00.000Z', day: '2024-02-29', note: 'é "q" \'' },
    ]);
  });

  it('makes rows visible only at commit, once, however often the commit is repeated', async () => {
    const db = await fresh(dialect);
    const sink = new SqlSink<Rec>(db, events, { batchRows: 2 });
    await sink.recover(undefined);
    const txn = sink.begin(7);
    await sink.write(txn, [
      { key: 'a', t: 0, v: 1 },
      { key: 'b', t: 1000, v: 2 },
      { key: 'a', t: 2000, v: 3 },
    ]);
    const pending = await sink.preCommit(txn);
    expect(pending).toMatchObject({ checkpoint: 7, rows: 3, rejected: 0 });
    expect(await all(db, 'SELECT * FROM events')).toEqual([]); // staged, not visible
    await sink.commit(pending);
    await sink.commit(pending); // a commit repeated after a crash
    await new SqlSink<Rec>(db, events).commit(pending); // …by another run of the job: a different sink instance
    expect((await all<{ v: number }>(db, 'SELECT v FROM events ORDER BY v')).map((r) => r.v)).toEqual([
      1, 2, 3,
    ]);
    expect(await all(db, 'SELECT * FROM events__stage')).toEqual([]);
  });

  it('replaces rows by key: the last of a checkpoint, and later checkpoints over earlier ones', async () => {
    const db = await fresh(dialect);
    const sink = new SqlSink<{ key: string; v: number }>(db, latest, { batchRows: 1 });
    await sink.recover(undefined);
    const t1 = sink.begin(1);
    await sink.write(t1, [
      { key: 'a', v: 1 },
      { key: 'b', v: 2 },
    ]);
    await sink.write(t1, [{ key: 'a', v: 3 }]);
    await sink.commit(await sink.preCommit(t1));
    expect(sortBy(await all<{ key: string }>(db, 'SELECT key, v FROM latest'), (r) => r.key)).toEqual([
      { key: 'a', v: 3 },
      { key: 'b', v: 2 },
    ]);
    const t2 = sink.begin(2);
    await sink.write(t2, [{ key: 'b', v: 20 }]);
    await sink.commit(await sink.preCommit(t2));
    expect(sortBy(await all<{ key: string }>(db, 'SELECT key, v FROM latest'), (r) => r.key)).toEqual([
      { key: 'a', v: 3 },
      { key: 'b', v: 20 },
    ]);
  });

  it('on recovery commits the checkpoint’s transactions and drops rows staged after it', async () => {
    const db = await fresh(dialect);
    const first = new SqlSink<Rec>(db, events, { name: 'e' });
    await first.recover(undefined);
    const t1 = first.begin(1);
    await first.write(t1, [{ key: 'a', t: 0, v: 1 }]);
    const p1 = await first.preCommit(t1); // the checkpoint holding p1 was saved; then the process died
    const t2 = first.begin(2);
    await first.write(t2, [{ key: 'b', t: 0, v: 2 }]);
    await first.preCommit(t2); // pre-committed, but its checkpoint never completed
    const again = new SqlSink<Rec>(db, events, { name: 'e' });
    await again.recover([p1]);
    expect(await all(db, 'SELECT key, v FROM events')).toEqual([{ key: 'a', v: 1 }]);
    expect(await all(db, 'SELECT * FROM events__stage')).toEqual([]);
  });

  it('abort discards the open transaction', async () => {
    const db = await fresh(dialect);
    const sink = new SqlSink<Rec>(db, events, { batchRows: 1 });
    await sink.recover(undefined);
    const txn = sink.begin(1);
    await sink.write(txn, [{ key: 'a', t: 0, v: 1 }]);
    await sink.abort(txn);
    expect(await all(db, 'SELECT * FROM events__stage')).toEqual([]);
    expect(await all(db, 'SELECT * FROM events')).toEqual([]);
  });

  it('sends rows the database refuses to the rejects table with its reason, in the same commit', async () => {
    const db = await fresh(dialect);
    const sink = new SqlSink<Record<string, unknown>>(
      db,
      events as unknown as Table<Record<string, unknown>>,
      {
        batchRows: 100,
        rejects: { table: rejects, row: (row, reason) => ({ reason, row: JSON.stringify(row) }) },
      },
    );
    await sink.recover(undefined);
    const txn = sink.begin(1);
    sink.write(txn, [
      { key: 'ok', t: 0, v: 1 },
      { key: 'too-long-key', t: 0, v: 2 }, // longer than 8
      { key: 'nul', t: 0, v: null }, // NOT NULL
      { key: 'frac', t: 0, v: 1.5 }, // not an integer
      { key: 'when', t: 'not a time', v: 3 },
      { key: 'ok2', t: 1000, v: 4 },
    ]);
    const pending = await sink.preCommit(txn);
    expect(pending).toMatchObject({ rows: 2, rejected: 4 });
    expect(await all(db, 'SELECT * FROM rejects')).toEqual([]); // not before the commit either
    await sink.commit(pending);
    expect((await all<{ key: string }>(db, 'SELECT key FROM events ORDER BY v')).map((r) => r.key)).toEqual([
      'ok',
      'ok2',
    ]);
    const refused = await all<{ reason: string; row: string }>(db, 'SELECT reason, row FROM rejects');
    expect(refused.map((r) => (JSON.parse(r.row) as { key: string }).key).sort()).toEqual([
      'frac',
      'nul',
      'too-long-key',
      'when',
    ]);
    const reason = (key: string) => refused.find((r) => r.row.includes(`"${key}"`))!.reason;
    // the database's own words
    if (dialect === 'postgres') {
      expect(reason('too-long-key')).toMatch(/^events: value too long for type character varying\(8\)/);
      expect(reason('nul')).toMatch(
        /^events: null value in column "v" of relation "events" violates not-null/,
      );
      expect(reason('frac')).toMatch(/invalid input syntax for type bigint/);
      expect(reason('when')).toMatch(/invalid input syntax for type timestamp/);
    } else {
      expect(reason('too-long-key')).toBe('events: CHECK constraint failed: key: at most 8 characters');
      expect(reason('nul')).toBe('events: NOT NULL constraint failed: events.v');
      expect(reason('frac')).toMatch(/cannot store REAL value in INTEGER column/);
      expect(reason('when')).toBe('events: CHECK constraint failed: t: a timestamp');
    }
    expect(sink.stats).toMatchObject({ rowsCommitted: 2, rejected: 4, transactions: 1 });
  });

  it('a table may keep its own refused rows (an invalid-records table), each once', async () => {
    const db = await fresh(dialect);
    const invalid = defineTable('invalid', {
      reason: 'text',
      operator: { type: 'text', maxLength: 8 },
      row: 'text',
    });
    const sink = new SqlSink(db, invalid, {
      rejects: {
        table: invalid,
        row: (row, reason) => ({ reason, operator: 'sql', row: JSON.stringify(row) }),
      },
    });
    await sink.recover(undefined);
    const txn = sink.begin(1);
    sink.write(txn, [
      { reason: 'bad zip', operator: 'validate', row: '{}' },
      { reason: 'bad zip', operator: 'an-operator-name-too-long', row: '{}' },
    ]);
    await sink.commit(await sink.preCommit(txn));
    const rows = await all<{ operator: string }>(db, 'SELECT operator FROM invalid');
    expect(rows.map((r) => r.operator).sort()).toEqual(['sql', 'validate']);
  });

  it('without a rejects table a refused row fails the job with the reason', async () => {
    const db = await fresh(dialect);
    const sink = new SqlSink<Record<string, unknown>>(
      db,
      events as unknown as Table<Record<string, unknown>>,
    );
    await sink.recover(undefined);
    const txn = sink.begin(1);
    sink.write(txn, [{ key: 'much-too-long', t: 0, v: 1 }]);
    await expect(sink.preCommit(txn)).rejects.toThrow(RejectedRowError);
  });

  it('refuses a table that exists with another definition', async () => {
    const db = await fresh(dialect);
    await ensureTables(db, [events]);
    const other = defineTable('events', { key: 'text', t: 'timestamp', v: 'real' });
    await expect(ensureTables(db, [other])).rejects.toThrow(SchemaMismatchError);
    await expect(ensureTables(db, [events])).resolves.toBeUndefined();
  });

  it('a job that crashes anywhere and resumes leaves exactly the rows of an uninterrupted run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        fc.oneof(
          fc.record({ kind: fc.constant('source' as const), at: fc.nat(130) }),
          fc.record({ kind: fc.constant('after-commit' as const), at: fc.integer({ min: 1, max: 6 }) }),
        ),
        async (n, keys, every, crash) => {
          const db = await fresh(dialect);
          const storage = new InMemoryCheckpointStorage();
          const failAt = crash.kind === 'source' ? crash.at : Number.POSITIVE_INFINITY;
          await runJob(
            db,
            storage,
            records(n, keys, failAt),
            every,
            crash.kind === 'after-commit' ? crash.at : 0,
          ).catch((e: Error) => {
            if (!/simulated crash/.test(e.message)) throw e;
          });
          await runJob(db, storage, records(n, keys), every);
          // the reference: every record once; the last value of each key
          const expected = Array.from({ length: n }, (_, i) => ({ key: `k${(i * 7) % keys}`, v: i }));
          const got = await all<{ key: string; v: number }>(db, 'SELECT key, v FROM events ORDER BY v');
          expect(got).toEqual(expected);
          const last = new Map(expected.map((r) => [r.key, r.v]));
          const gotLatest = await all<{ key: string; v: number }>(db, 'SELECT key, v FROM latest');
          expect(new Map(gotLatest.map((r) => [r.key, r.v]))).toEqual(last);
          expect(gotLatest.length).toBe(last.size);
          expect(await all(db, 'SELECT * FROM events__stage')).toEqual([]);
          await db.close();
          opened.splice(opened.indexOf(db), 1);
        },
      ),
      { numRuns: dialect === 'sqlite' ? 40 : 15 },
    );
  });

  it('resetTables empties the tables and the commit records', async () => {
    const db = await fresh(dialect);
    await runJob(db, new InMemoryCheckpointStorage(), records(10, 3), 4);
    expect((await all(db, 'SELECT * FROM events')).length).toBe(10);
    await resetTables(db, [events, latest]);
    expect(await all(db, 'SELECT * FROM events')).toEqual([]);
    expect(await all(db, 'SELECT * FROM latest')).toEqual([]);
    expect(await all(db, 'SELECT * FROM eventide_commits')).toEqual([]);
  });
});
