import { IllegalArgumentError, type Json, type TwoPhaseCommitSink } from '@eventide/core';
import type { Redis } from 'ioredis';
import { openRedis, type RedisConnection, type RetryOptions } from './connection';
import {
  declarePartitions,
  documentKey,
  END_FIELD,
  metaKey,
  partitionKey,
  partitionOf,
  scanKeys,
  VALUE_FIELD,
} from './streams';

/** Where a `RedisStreamPublisher` writes and how it partitions. */
export interface RedisStreamPublisherOptions<T> {
  readonly connection: RedisConnection;
  readonly stream: string;
  readonly partitions: number;
  /** The key a record's partition is chosen by (`partitionOf(key, partitions)`). */
  readonly key: (value: T) => string | number;
  readonly retry?: RetryOptions;
}

/**
 * Writes records to a partitioned stream as fast as Redis takes them (one pipeline per batch):
 * what `eventide-gen --to redis://…` uses. At-least-once: a publisher that crashes and is run
 * again writes its records again. For a job's outputs use `RedisStreamSink` (exactly-once).
 */
export class RedisStreamPublisher<T> {
  private constructor(
    private readonly client: Redis,
    private readonly options: RedisStreamPublisherOptions<T>,
  ) {}

  /** Connects and records the partition count (refused when the stream has another one). */
  static async open<T>(options: RedisStreamPublisherOptions<T>): Promise<RedisStreamPublisher<T>> {
    const client = await openRedis(options.connection, options.retry, `eventide-publisher:${options.stream}`);
    try {
      await declarePartitions(client, options.stream, options.partitions);
    } catch (err) {
      client.disconnect();
      throw err;
    }
    return new RedisStreamPublisher(client, options);
  }

  /** Appends each value to its partition, in order within a partition. */
  async publish(values: readonly T[]): Promise<void> {
    if (values.length === 0) return;
    const { stream, partitions, key } = this.options;
    const pipeline = this.client.pipeline();
    for (const v of values) {
      pipeline.xadd(
        partitionKey(stream, partitionOf(key(v), partitions)),
        '*',
        VALUE_FIELD,
        JSON.stringify(v),
      );
    }
    await execOrThrow(pipeline);
  }

  /** Describes the stream (`<stream>:meta`); readers get it with `readStreamMeta`. */
  async setMeta(fields: Readonly<Record<string, string>>): Promise<void> {
    await this.client.hset(metaKey(this.options.stream), fields);
  }

  /** Stores a JSON document beside the stream (registrations, labels); `readDocument` reads it. */
  async putDocument(name: string, value: Json): Promise<void> {
    await this.client.set(documentKey(this.options.stream, name), JSON.stringify(value));
  }

  /**
   * Marks the stream complete: an end entry in every partition ends the readers there, and the
   * meta's `complete` field says so to whoever opens the stream later.
   */
  async end(): Promise<void> {
    const pipeline = this.client.pipeline();
    for (let p = 0; p < this.options.partitions; p++) {
      pipeline.xadd(partitionKey(this.options.stream, p), '*', END_FIELD, '1');
    }
    pipeline.hset(metaKey(this.options.stream), 'complete', '1');
    await execOrThrow(pipeline);
  }

  /**
   * Deletes a stream: its partitions, meta and documents (to publish it again from the start).
   * Resolves to the number of keys deleted.
   */
  static async remove(connection: RedisConnection, stream: string): Promise<number> {
    const client = await openRedis(connection);
    try {
      const keys = [metaKey(stream)];
      const partitions = Number(await client.hget(metaKey(stream), 'partitions'));
      for (let p = 0; p < partitions; p++) keys.push(partitionKey(stream, p));
      keys.push(...(await scanKeys(client, documentKey(stream, '*'))));
      return await client.del(...keys);
    } finally {
      client.disconnect();
    }
  }

  /** Whether a stream has been published to (it has a meta hash). */
  static async exists(connection: RedisConnection, stream: string): Promise<boolean> {
    const client = await openRedis(connection);
    try {
      return (await client.exists(metaKey(stream))) === 1;
    } finally {
      client.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** The meta hash a publisher wrote (`partitions` and its own fields). */
export async function readStreamMeta(client: Redis, stream: string): Promise<Record<string, string>> {
  return client.hgetall(metaKey(stream));
}

/** A document `putDocument` stored, or undefined. */
export async function readDocument<T = Json>(
  client: Redis,
  stream: string,
  name: string,
): Promise<T | undefined> {
  const text = await client.get(documentKey(stream, name));
  return text === null ? undefined : (JSON.parse(text) as T);
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = await pipeline.exec();
  for (const [err] of results ?? []) if (err) throw err;
}

/** Where a `RedisStreamSink` writes, as which writer, and how values become entries. */
export interface RedisStreamSinkOptions<T> {
  readonly connection: RedisConnection;
  /** The Redis stream written to (one stream, not partitioned). */
  readonly stream: string;
  /**
   * Names this writer, unique among the jobs writing to `stream` and the same across its restarts
   * (a job's name, or a job and its partition): it keys the writer's staged transactions and its
   * last committed checkpoint.
   */
  readonly writer: string;
  readonly encode?: (value: T) => string;
  readonly retry?: RetryOptions;
}

/** A pre-committed transaction as a checkpoint stores it. */
export type RedisStreamTransaction = {
  readonly checkpoint: number;
  readonly staging: string;
  readonly count: number;
};

interface OpenTransaction {
  readonly checkpoint: number;
  readonly staging: string;
  count: number;
  /** The next batch's number within the transaction. */
  batches: number;
  writes: Promise<unknown>[];
}

// Moves a staged transaction into the stream, once: a writer's commits come in checkpoint order,
// so a checkpoint at or below the writer's last committed one is already in the stream.
const COMMIT = `
local done = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if tonumber(ARGV[2]) <= done then
  redis.call('DEL', KEYS[1])
  return -1
end
local flat = redis.call('HGETALL', KEYS[1])
local batches = {}
for i = 1, #flat, 2 do batches[#batches + 1] = { tonumber(flat[i]), flat[i + 1] } end
table.sort(batches, function(a, b) return a[1] < b[1] end)
local n = 0
for _, batch in ipairs(batches) do
  for _, v in ipairs(cjson.decode(batch[2])) do
    redis.call('XADD', KEYS[2], '*', '${VALUE_FIELD}', v)
    n = n + 1
  end
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('DEL', KEYS[1])
return n
`;

/**
 * An exactly-once sink into a Redis stream (a `TwoPhaseCommitSink`). A checkpoint's records are
 * staged as they come, each batch under its number in a hash (`<stream>:txn:<writer>:<checkpoint>`,
 * so a write that ioredis sends again after a dropped connection stages nothing twice); when the checkpoint is
 * durable one Lua script, atomic in Redis, appends them to the stream and records the checkpoint
 * as the writer's last committed one (`<stream>:committed`). Committing again after a crash
 * finds the checkpoint recorded and appends nothing; whatever an unfinished run staged after
 * the restored checkpoint is deleted. So after a crash no record is lost or written twice.
 *
 * A fresh start (no checkpoint to restore) forgets the writer's committed mark and its staged
 * lists. Readers see whole checkpoints: the records of one appear together.
 */
export class RedisStreamSink<T> implements TwoPhaseCommitSink<T, OpenTransaction, RedisStreamTransaction> {
  readonly twoPhaseCommit = true as const;
  private client: Redis | undefined;
  private readonly encode: (value: T) => string;

  constructor(private readonly options: RedisStreamSinkOptions<T>) {
    if (typeof options.writer !== 'string' || options.writer === '' || options.writer.includes('*')) {
      throw new IllegalArgumentError('RedisStreamSink: writer must be a non-empty string without "*"');
    }
    this.encode = options.encode ?? ((v) => JSON.stringify(v));
  }

  private get prefix(): string {
    return `${this.options.stream}:txn:${this.options.writer}:`;
  }

  private get committedKey(): string {
    return `${this.options.stream}:committed`;
  }

  async recover(pending: readonly RedisStreamTransaction[] | undefined): Promise<void> {
    this.client ??= await openRedis(
      this.options.connection,
      this.options.retry,
      `eventide-sink:${this.options.stream}`,
    );
    if (pending === undefined) await this.client.hdel(this.committedKey, this.options.writer);
    for (const p of pending ?? []) await this.commit(p);
    const keep = new Set((pending ?? []).map((p) => p.staging));
    for (const key of await scanKeys(this.client, `${this.prefix}*`))
      if (!keep.has(key)) await this.client.del(key);
  }

  begin(checkpointId: number): OpenTransaction {
    return {
      checkpoint: checkpointId,
      staging: `${this.prefix}${checkpointId}`,
      count: 0,
      batches: 0,
      writes: [],
    };
  }

  write(txn: OpenTransaction, values: readonly T[]): Promise<void> {
    txn.count += values.length;
    const w = this.client!.hset(txn.staging, String(txn.batches++), JSON.stringify(values.map(this.encode)));
    txn.writes.push(w);
    if (txn.writes.length > 64) txn.writes = [Promise.all(txn.writes)];
    return w.then(() => undefined);
  }

  async preCommit(txn: OpenTransaction): Promise<RedisStreamTransaction> {
    await Promise.all(txn.writes);
    return { checkpoint: txn.checkpoint, staging: txn.staging, count: txn.count };
  }

  async commit(pending: RedisStreamTransaction): Promise<void> {
    await this.client!.eval(
      COMMIT,
      3,
      pending.staging,
      this.options.stream,
      this.committedKey,
      this.options.writer,
      String(pending.checkpoint),
    );
  }

  async abort(txn: OpenTransaction): Promise<void> {
    await Promise.allSettled(txn.writes);
    await this.client!.del(txn.staging);
  }

  async close(): Promise<void> {
    await this.client?.quit().catch(() => this.client?.disconnect());
    this.client = undefined;
  }
}
