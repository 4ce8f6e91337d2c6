import { IllegalArgumentError, type Source, type SourcePosition, type SourceReader } from '@eventide/core';
import type { Redis } from 'ioredis';
import { explainRedisError, openRedis, type RedisConnection, type RetryOptions } from './connection';
import { compareIds, END_FIELD, fieldsOf, partitionKey, partitionsOf, type StreamEntry } from './streams';

/** What a `RedisStreamSource` reads, and how. */
export interface RedisStreamSourceOptions {
  readonly connection: RedisConnection;
  /** The logical stream (its partitions are `<stream>:<p>`). */
  readonly stream: string;
  /** The partitions to read (default all of them, as the stream's publisher recorded). */
  readonly partitions?: readonly number[];
  /**
   * Keep reading as entries arrive (`XREAD BLOCK`) until every partition holds its end entry.
   * Default false: read what the partitions hold when the reader opens (up to an end entry).
   */
  readonly follow?: boolean;
  /** Entries per read, over all partitions (`XREAD COUNT`; default 1000). */
  readonly batchSize?: number;
  /** How long a read in `follow` mode waits for new entries before it returns an empty batch (default 500 ms). */
  readonly blockMs?: number;
  readonly retry?: RetryOptions;
}

/** Where a reader stands: per partition, the id of the last entry it handed over. */
export type RedisStreamPosition = { readonly [partition: string]: string };

/**
 * Reads a partitioned Redis stream (`<stream>:<p>`) as a `Source`: one batch per `XREAD`, at most
 * `batchSize` entries, the next read only when the pipeline asks (bounded in-flight work). Its
 * position is the last entry id per partition, so a checkpointed job resumes right after the
 * entries it had read, and nothing is read twice or skipped. Each reader has its own connection
 * (a blocking read holds one).
 *
 * A publisher that is done appends an end entry to every partition (`RedisStreamPublisher.end`):
 * a reader that reaches it in every partition ends, and the job's final watermark fires every
 * window, as in a batch run. Entries are handed over as they are (`StreamEntry`); decode them
 * with `.map(decodeEntry).onError('invalid')`, so that a malformed entry goes to `INVALID` with
 * the reason.
 *
 * @example
 * const entries = DataStream.from(new RedisStreamSource({ connection: url, stream: 'readings' }));
 * const readings = entries.map((e) => decodeEntry<Reading>(e)).onError('invalid').name('decode');
 */
export class RedisStreamSource implements Source<StreamEntry> {
  private readonly batchSize: number;
  private readonly blockMs: number;

  constructor(private readonly options: RedisStreamSourceOptions) {
    this.batchSize = options.batchSize ?? 1000;
    this.blockMs = options.blockMs ?? 500;
    if (!(Number.isInteger(this.batchSize) && this.batchSize > 0)) {
      throw new IllegalArgumentError(
        `RedisStreamSource: batchSize must be a positive integer, got ${options.batchSize}`,
      );
    }
    if (!(Number.isInteger(this.blockMs) && this.blockMs >= 0)) {
      throw new IllegalArgumentError(
        `RedisStreamSource: blockMs must be an integer ≥ 0, got ${options.blockMs}`,
      );
    }
    if (typeof options.stream !== 'string' || options.stream === '') {
      throw new IllegalArgumentError('RedisStreamSource: stream must be a non-empty string');
    }
  }

  open(position?: SourcePosition): SourceReader<StreamEntry> {
    return new Reader(
      this.options,
      this.batchSize,
      this.blockMs,
      position as RedisStreamPosition | undefined,
    );
  }
}

interface PartitionCursor {
  readonly partition: number;
  readonly key: string;
  last: string;
  /** Bounded reading: the last entry when the reader opened. */
  end: string | undefined;
  done: boolean;
}

class Reader implements SourceReader<StreamEntry> {
  private client: Redis | undefined;
  private cursors: PartitionCursor[] | undefined;
  private closed = false;
  private opening: Promise<void> | undefined;

  constructor(
    private readonly options: RedisStreamSourceOptions,
    private readonly batchSize: number,
    private readonly blockMs: number,
    private readonly from: RedisStreamPosition | undefined,
  ) {}

  private async start(): Promise<void> {
    const { stream, connection } = this.options;
    const client = await openRedis(connection, this.options.retry, `eventide-source:${stream}`);
    this.client = client;
    if (this.closed) {
      client.disconnect();
      return;
    }
    let partitions = this.options.partitions;
    if (partitions === undefined) {
      const count = await partitionsOf(client, stream);
      if (count === undefined) {
        throw new IllegalArgumentError(
          `RedisStreamSource: stream "${stream}" has no partition count (no publisher has written to it yet, or a wrong name); pass partitions`,
        );
      }
      partitions = Array.from({ length: count }, (_, p) => p);
    }
    const cursors: PartitionCursor[] = [];
    for (const p of partitions) {
      const key = partitionKey(stream, p);
      let end: string | undefined;
      if (!this.options.follow) {
        const lastEntry = (await client.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
        end = lastEntry[0]?.[0] ?? '0-0';
      }
      const last = this.from?.[String(p)] ?? '0-0';
      cursors.push({ partition: p, key, last, end, done: end !== undefined && compareIds(last, end) >= 0 });
    }
    this.cursors = cursors;
  }

  async read(): Promise<StreamEntry[] | null> {
    if (this.cursors === undefined) {
      this.opening ??= this.start();
      await this.opening;
    }
    const live = this.cursors!.filter((c) => !c.done);
    if (live.length === 0 || this.closed) return null;
    const client = this.client!;
    const args: (string | number)[] = ['COUNT', this.batchSize];
    if (this.options.follow) args.push('BLOCK', this.blockMs);
    args.push('STREAMS', ...live.map((c) => c.key), ...live.map((c) => c.last));
    let reply: [string, [string, string[]][]][] | null;
    try {
      reply = (await client.call('XREAD', ...args)) as typeof reply;
    } catch (err) {
      if (this.closed) return null;
      throw explainRedisError(err, this.options.connection, `reading stream "${this.options.stream}"`);
    }
    const batch: StreamEntry[] = [];
    if (reply === null) {
      // Bounded: nothing after the cursors although the ends were not reached (trimmed away).
      if (!this.options.follow) for (const c of live) c.done = true;
      return batch;
    }
    const byKey = new Map(live.map((c) => [c.key, c]));
    for (const [key, entries] of reply) {
      const c = byKey.get(key)!;
      for (const [id, flat] of entries) {
        if (c.done) break;
        c.last = id;
        const fields = fieldsOf(flat);
        if (fields[END_FIELD] !== undefined && Object.keys(fields).length === 1) {
          c.done = true;
          break;
        }
        batch.push({ partition: c.partition, id, fields });
        if (id === c.end) c.done = true;
      }
      // the end entry itself was trimmed away: stop at the first id past it
      if (!c.done && c.end !== undefined && compareIds(c.last, c.end) >= 0) c.done = true;
    }
    return batch;
  }

  position(): RedisStreamPosition {
    const out: Record<string, string> = {};
    if (this.cursors === undefined) {
      for (const [p, id] of Object.entries(this.from ?? {})) out[p] = id;
    } else for (const c of this.cursors) out[String(c.partition)] = c.last;
    return out;
  }

  close(): void {
    this.closed = true;
    this.client?.disconnect();
  }
}
