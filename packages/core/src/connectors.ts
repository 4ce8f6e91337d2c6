/**
 * The contracts between the engine and the outside world: sources it pulls from and sinks it
 * writes to. The runtime drives both; nothing here depends on Node.js.
 */

/** Plain JSON: what positions, transactions and snapshots are made of. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * Where a source reader stands, as plain JSON: opening the source at it continues exactly after
 * the last batch the reader returned. Stored in checkpoints.
 */
export type SourcePosition = Json;

/**
 * A pluggable source that hands over batches on demand. The runtime calls `read()` again only
 * after the previous batch has gone through the pipeline and the sinks are not holding it back,
 * so a source never has more than one batch in flight: this is eventide's backpressure, since
 * RxJS has none.
 *
 * @example
 * const counter: Source<number> = {
 *   open(position) {
 *     let i = typeof position === 'number' ? position : 0;
 *     return {
 *       read: () => (i < 10_000 ? Array.from({ length: 1000 }, () => i++) : null),
 *       position: () => i,
 *     };
 *   },
 * };
 * DataStream.from(counter);
 */
export interface Source<T> {
  /**
   * Starts a run: from the beginning, or, when the job restores a checkpoint, right after
   * `position` (a value an earlier reader's `position()` returned).
   */
  open(position?: SourcePosition): SourceReader<T>;
}

/** Reads one run of a `Source`. */
export interface SourceReader<T> {
  /** The next batch (may be empty), or `null` at the end of a bounded input. May return a Promise. */
  read(): readonly T[] | null | PromiseLike<readonly T[] | null>;
  /**
   * Where the reader stands after the batches returned so far. Without it the source cannot be
   * part of a checkpointed job.
   */
  position?(): SourcePosition;
  /** Releases resources; called once, at the end or when the job stops. */
  close?(): void;
}

/**
 * A destination for a stream's values (`stream.sinkTo(sink)`). While a `write` is pending the
 * runtime reads no further batch from the sources (see `ConnectOptions.maxPendingWrites`), so a
 * slow sink slows the source down instead of filling memory.
 *
 * Guarantee: at-least-once. After a restore, values written after the restored checkpoint are
 * written again. Use a `TwoPhaseCommitSink` for exactly-once.
 */
export interface Sink<T> {
  write(values: readonly T[]): void | Promise<void>;
  /** Called once when the job ends (completion or stop), after the last write settled. */
  close?(): void | Promise<void>;
}

/**
 * An exactly-once sink (Flink's `TwoPhaseCommitSinkFunction`): values go into a transaction; when
 * a checkpoint is taken the transaction is pre-committed (made durable, not yet visible) and its
 * description stored in the checkpoint; once the checkpoint is durable it is committed (made
 * visible). After a crash, the restored checkpoint's pre-committed transactions are committed
 * again, so `commit` must be idempotent, and whatever was written after that checkpoint is
 * discarded by `recover`.
 *
 * @typeParam Txn the open transaction (any object)
 * @typeParam Pending a pre-committed transaction as plain JSON (stored in checkpoints)
 */
export interface TwoPhaseCommitSink<T, Txn = unknown, Pending extends Json = Json> {
  /** Marks the sink as transactional. */
  readonly twoPhaseCommit: true;
  /**
   * Called once before any input. `pending` is what the restored checkpoint holds (commit it, and
   * drop anything a later, unfinished run wrote); `undefined` on a fresh start.
   */
  recover(pending: readonly Pending[] | undefined): void | Promise<void>;
  /** Opens the transaction that will belong to checkpoint `checkpointId`. */
  begin(checkpointId: number): Txn;
  write(txn: Txn, values: readonly T[]): void | Promise<void>;
  /** Flushes `txn` durably without making it visible; returns its description for the checkpoint. */
  preCommit(txn: Txn): Pending | Promise<Pending>;
  /** Makes a pre-committed transaction visible. Idempotent: may be called again after a crash. */
  commit(pending: Pending): void | Promise<void>;
  /** Discards an open transaction (the job stopped without a checkpoint). */
  abort(txn: Txn): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** Anything `stream.sinkTo` accepts. */
export type AnySink<T> = Sink<T> | TwoPhaseCommitSink<T, any, any>;

export function isTwoPhaseCommitSink<T>(sink: AnySink<T>): sink is TwoPhaseCommitSink<T, unknown, Json> {
  return (sink as TwoPhaseCommitSink<T>).twoPhaseCommit === true;
}
