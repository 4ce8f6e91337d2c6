import { randomUUID } from 'node:crypto';
import { IllegalArgumentError, type TwoPhaseCommitSink } from '@eventide/core';
import { isDataError, type SqlDatabase, type SqlTransactionScope } from './database';
import {
  type AnyTable,
  bookkeepingDdl,
  type Dialect,
  definitionOf,
  normalizeRow,
  q,
  type SqlValue,
  stageName,
  type Table,
  tableDdl,
} from './schema';

/** A table exists with another definition than the one the job declares. */
export class SchemaMismatchError extends Error {
  override readonly name = 'SchemaMismatchError';
}

/** A row the database refused, and the sink has no table for refused rows. */
export class RejectedRowError extends Error {
  override readonly name = 'RejectedRowError';
}

/**
 * Creates the tables (and their staging tables and the sinks' bookkeeping) that do not exist yet,
 * and checks those that do against their declared definition: the migration every sink runs on
 * first use. Safe to run from several processes at once.
 */
export async function ensureTables(db: SqlDatabase, tables: readonly AnyTable[]): Promise<void> {
  await db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(4207110515)');
    for (const ddl of bookkeepingDdl(db.dialect)) await tx.run(ddl);
    for (const table of tables) {
      const definition = definitionOf(table);
      const [known] = await tx.query<{ definition: string }>(
        'SELECT "definition" FROM "eventide_tables" WHERE "name" = ?',
        [table.name],
      );
      if (known !== undefined && known.definition !== definition) {
        throw new SchemaMismatchError(
          `table ${table.name} in ${db.location} was created with another definition (${known.definition}); the job declares ${definition}. Migrate or drop it, or use another database.`,
        );
      }
      for (const ddl of tableDdl(table, db.dialect)) await tx.run(ddl);
      if (known === undefined)
        await tx.run('INSERT INTO "eventide_tables" ("name", "definition") VALUES (?, ?)', [
          table.name,
          definition,
        ]);
    }
  });
}

/**
 * Empties tables, their staging tables and the commit records of every sink writing them: a job
 * that starts over (not one resuming from a checkpoint) calls this first.
 */
export async function resetTables(db: SqlDatabase, tables: readonly AnyTable[]): Promise<void> {
  await ensureTables(db, tables);
  await db.transaction(async (tx) => {
    for (const t of tables) {
      await tx.run(`DELETE FROM ${q(t.name)}`);
      await tx.run(`DELETE FROM ${q(stageName(t))}`);
    }
    await tx.run('DELETE FROM "eventide_commits"');
  });
}

/** Options of a `SqlSink`: its name, how values become rows, where refused rows go, batch size. */
export interface SqlSinkOptions<T, Row> {
  /**
   * Names this sink in the database's bookkeeping: unique among the sinks writing one database at
   * the same time, and the same when the job resumes (for example `daily_use` or
   * `daily_use@worker-1-of-2`). Default: the table's name.
   */
  readonly name?: string;
  /** Turns a value into a row (default: the value is the row). */
  readonly row?: (value: T) => Row;
  /**
   * Where rows the database refuses go, with its reason, in the same transaction as the good rows
   * (exactly once too). Without it a refused row fails the job with `RejectedRowError`.
   */
  readonly rejects?: {
    readonly table: AnyTable;
    readonly row: (refused: Readonly<Record<string, SqlValue>>, reason: string) => Record<string, unknown>;
  };
  /** Rows staged per statement batch (default 2,000). */
  readonly batchRows?: number;
}

/** A pre-committed transaction as the checkpoint stores it. */
export type SqlPending = {
  readonly txn: string;
  readonly checkpoint: number;
  readonly rows: number;
  readonly rejected: number;
};

interface OpenTransaction {
  readonly id: string;
  readonly checkpoint: number;
  buffer: SqlValue[][];
  seq: number;
  rows: number;
  rejected: number;
  /** Staging writes run one after another; the next waits for this one. */
  chain: Promise<void>;
}

/** What a sink did, for figures and tests. */
export interface SqlSinkStats {
  /** Rows moved into the table (a key staged twice in one checkpoint moves once). */
  rowsCommitted: number;
  rejected: number;
  transactions: number;
  /** Rows in the last committed transaction. */
  lastTransactionRows: number;
}

/**
 * An exactly-once SQL table (a `TwoPhaseCommitSink`): a checkpoint's rows are staged durably in
 * `<table>__stage` while the job runs, and when the checkpoint is durable one database transaction
 * moves them into the table and records the checkpoint's transaction as committed. A commit tried
 * again after a crash finds that record and does nothing; rows staged after the restored checkpoint
 * are deleted when the job resumes. With a key, rows replace the row of the same key (a late
 * correction replaces a day's use); without one they are appended.
 *
 * Guarantee: exactly-once, as long as the checkpoint storage keeps the checkpoint whose transaction
 * was committed last (keyed tables stay right even when it does not: replacing is idempotent).
 *
 * @example
 * const db = await openDatabase('out/metering.db');
 * dailyUse.sinkTo(new SqlSink(db, dailyUseTable));
 */
export class SqlSink<T, Row = T> implements TwoPhaseCommitSink<T, OpenTransaction, SqlPending> {
  readonly twoPhaseCommit = true;
  readonly name: string;
  readonly stats: SqlSinkStats = { rowsCommitted: 0, rejected: 0, transactions: 0, lastTransactionRows: 0 };
  /** Tells transactions of this run from those of earlier runs with the same checkpoint ids. */
  private readonly run = randomUUID().slice(0, 8);
  private readonly toRow: (value: T) => Row;
  private readonly batchRows: number;
  private readonly stageInsert: string;
  private readonly transfer: string;
  private readonly rejectsInsert: string | undefined;
  private readonly rejectsTransfer: string | undefined;
  /** The tables this sink stages rows in: its own, and the rejects table when that is another. */
  private readonly tables: readonly AnyTable[];

  constructor(
    private readonly db: SqlDatabase,
    readonly table: Table<Row>,
    private readonly options: SqlSinkOptions<T, Row> = {},
  ) {
    this.name = options.name ?? table.name;
    if (typeof this.name !== 'string' || this.name.length === 0 || this.name.length > 200)
      throw new IllegalArgumentError('SqlSink: name must be a non-empty string of at most 200 characters');
    this.batchRows = options.batchRows ?? 2000;
    if (!Number.isInteger(this.batchRows) || this.batchRows < 1)
      throw new IllegalArgumentError(`SqlSink ${this.name}: batchRows must be a positive integer`);
    if (options.rejects !== undefined && options.rejects.table.key.length > 0)
      throw new IllegalArgumentError(
        `SqlSink ${this.name}: the rejects table must have no key (rows are appended)`,
      );
    this.toRow = options.row ?? ((v) => v as unknown as Row);
    this.stageInsert = stageInsertOf(table);
    this.transfer = transferOf(table, db.dialect);
    if (options.rejects !== undefined) {
      this.rejectsInsert = stageInsertOf(options.rejects.table);
      // A sink may keep its own refused rows (an invalid-records table): one transfer moves both.
      if (options.rejects.table.name !== table.name)
        this.rejectsTransfer = transferOf(options.rejects.table, db.dialect);
    }
    this.tables =
      options.rejects === undefined || options.rejects.table.name === table.name
        ? [table]
        : [table, options.rejects.table];
  }

  async recover(pending: readonly SqlPending[] | undefined): Promise<void> {
    await ensureTables(this.db, this.tables);
    for (const p of pending ?? []) await this.commit(p);
    // What is left in staging was written after the restored checkpoint (or by a run that never
    // completed one): this run writes it again.
    await this.db.transaction(async (tx) => {
      for (const t of this.tables)
        await tx.run(`DELETE FROM ${q(stageName(t))} WHERE "_sink" = ?`, [this.name]);
    });
  }

  begin(checkpointId: number): OpenTransaction {
    return {
      id: `${checkpointId}.${this.run}`,
      checkpoint: checkpointId,
      buffer: [],
      seq: 0,
      rows: 0,
      rejected: 0,
      chain: Promise.resolve(),
    };
  }

  write(txn: OpenTransaction, values: readonly T[]): void | Promise<void> {
    for (const v of values) {
      const row = normalizeRow(this.table, this.toRow(v) as Record<string, unknown>);
      txn.buffer.push(row);
    }
    if (txn.buffer.length < this.batchRows) return;
    return this.flush(txn);
  }

  async preCommit(txn: OpenTransaction): Promise<SqlPending> {
    await this.flush(txn);
    return { txn: txn.id, checkpoint: txn.checkpoint, rows: txn.rows, rejected: txn.rejected };
  }

  async commit(p: SqlPending): Promise<void> {
    if (p.rows === 0 && p.rejected === 0) return;
    const moved = await this.db.transaction(async (tx) => {
      const done = await tx.query('SELECT 1 AS "x" FROM "eventide_commits" WHERE "sink" = ? AND "txn" = ?', [
        this.name,
        p.txn,
      ]);
      if (done.length > 0) return undefined;
      const mine = [this.name, p.txn];
      const rows = await tx.run(this.transfer, mine);
      if (this.rejectsTransfer !== undefined) await tx.run(this.rejectsTransfer, mine);
      for (const t of this.tables)
        await tx.run(`DELETE FROM ${q(stageName(t))} WHERE "_sink" = ? AND "_txn" = ?`, [this.name, p.txn]);
      await tx.run(
        'INSERT INTO "eventide_commits" ("sink", "txn", "checkpoint", "rows", "committed_at") VALUES (?, ?, ?, ?, ?)',
        [this.name, p.txn, p.checkpoint, p.rows, new Date().toISOString()],
      );
      // A commit record is looked up only for the checkpoints a restore may find: keep the last 100.
      await tx.run('DELETE FROM "eventide_commits" WHERE "sink" = ? AND "checkpoint" < ?', [
        this.name,
        p.checkpoint - 100,
      ]);
      return rows;
    });
    if (moved === undefined) return; // committed before a crash
    this.stats.rowsCommitted += moved;
    this.stats.rejected += p.rejected;
    this.stats.transactions++;
    this.stats.lastTransactionRows = p.rows;
  }

  async abort(txn: OpenTransaction): Promise<void> {
    txn.buffer = [];
    await txn.chain.catch(() => undefined);
    await this.db.transaction(async (tx) => {
      for (const t of this.tables)
        await tx.run(`DELETE FROM ${q(stageName(t))} WHERE "_sink" = ? AND "_txn" = ?`, [this.name, txn.id]);
    });
  }

  /** Stages the buffered rows, after any staging already under way for this transaction. */
  private flush(txn: OpenTransaction): Promise<void> {
    const rows = txn.buffer;
    txn.buffer = [];
    if (rows.length > 0) {
      const first = txn.seq;
      txn.seq += rows.length;
      txn.chain = txn.chain.then(() => this.stage(txn, rows, first));
    }
    return txn.chain;
  }

  private async stage(txn: OpenTransaction, rows: SqlValue[][], first: number): Promise<void> {
    const tagged = rows.map((r, i) => [this.name, txn.id, first + i, ...r]);
    const width = this.table.columns.length + 3;
    const rejected = await this.db.transaction(async (tx) => {
      try {
        await tx.savepoint(() => tx.insertMany(this.stageInsert, width, tagged, ' ON CONFLICT DO NOTHING'));
        return [];
      } catch (e) {
        if (!isDataError(e)) throw e;
      }
      // Some row is bad: stage them one at a time to tell which, each with the database's reason.
      const refused: { seq: number; row: SqlValue[]; reason: string }[] = [];
      for (let i = 0; i < tagged.length; i++) {
        try {
          await tx.savepoint(() =>
            tx.insertMany(this.stageInsert, width, [tagged[i]!], ' ON CONFLICT DO NOTHING'),
          );
        } catch (e) {
          if (!isDataError(e)) throw e;
          // The row was refused in the staging table: the reason names the table itself.
          const reason = (e as Error).message.replaceAll(stageName(this.table), this.table.name);
          refused.push({ seq: first + i, row: rows[i]!, reason });
        }
      }
      if (refused.length > 0) await this.stageRejects(tx, txn, refused);
      return refused;
    });
    txn.rows += rows.length - rejected.length;
    txn.rejected += rejected.length;
  }

  private async stageRejects(
    tx: SqlTransactionScope,
    txn: OpenTransaction,
    refused: readonly { seq: number; row: SqlValue[]; reason: string }[],
  ): Promise<void> {
    const rejects = this.options.rejects;
    const [first] = refused;
    if (rejects === undefined || this.rejectsInsert === undefined) {
      throw new RejectedRowError(
        `SqlSink ${this.name}: ${this.db.location} refused ${refused.length} row(s) of ${this.table.name}; the first: ${first!.reason} (row ${JSON.stringify(this.asObject(first!.row))}). Give the sink a rejects table to keep them instead.`,
      );
    }
    const table = rejects.table;
    const rows = refused.map((r) => [
      this.name,
      txn.id,
      r.seq,
      ...normalizeRow(table, rejects.row(this.asObject(r.row), `${this.table.name}: ${r.reason}`)),
    ]);
    await tx.insertMany(this.rejectsInsert, table.columns.length + 3, rows, ' ON CONFLICT DO NOTHING');
  }

  private asObject(row: readonly SqlValue[]): Record<string, SqlValue> {
    const o: Record<string, SqlValue> = {};
    this.table.columns.forEach((c, i) => {
      o[c.name] = row[i]!;
    });
    return o;
  }
}

function stageInsertOf(table: AnyTable): string {
  const cols = ['"_sink"', '"_txn"', '"_seq"', ...table.columns.map((c) => q(c.name))].join(', ');
  return `INSERT INTO ${q(stageName(table))} (${cols})`;
}

/**
 * Moves a transaction's staged rows into the table: for a keyed table the last staged row of each
 * key, replacing the table's row of that key; otherwise every row, in order. Parameters: sink and
 * transaction (twice for a keyed table on SQLite).
 */
function transferOf(table: AnyTable, dialect: Dialect): string {
  const cols = table.columns.map((c) => q(c.name)).join(', ');
  const stage = q(stageName(table));
  const mine = '"_sink" = ? AND "_txn" = ?';
  if (table.key.length === 0) {
    return `INSERT INTO ${q(table.name)} (${cols}) SELECT ${cols} FROM ${stage} WHERE ${mine} ORDER BY "_seq"`;
  }
  const key = table.key.map(q).join(', ');
  const rest = table.columns.filter((c) => !table.key.includes(c.name));
  const update =
    rest.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${rest.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(', ')}`;
  // The last row of each key: PostgreSQL's DISTINCT ON sorts once; SQLite picks max("_seq") per
  // key (a bare column beside max() comes from the row holding the maximum).
  const last =
    dialect === 'postgres'
      ? `SELECT DISTINCT ON (${key}) ${cols} FROM ${stage} WHERE ${mine} ORDER BY ${key}, "_seq" DESC`
      : // "WHERE true": without it SQLite would read ON CONFLICT as part of the join
        `SELECT ${cols} FROM (SELECT ${cols}, max("_seq") FROM ${stage} WHERE ${mine} GROUP BY ${key}) WHERE true`;
  return `INSERT INTO ${q(table.name)} (${cols}) ${last} ON CONFLICT (${key}) ${update}`;
}
