import {
  type Checkpoint,
  CheckpointError,
  type CheckpointInfo,
  type CheckpointStorage,
  decodeCheckpoint,
  encodeCheckpoint,
  IllegalArgumentError,
} from '@eventide/core';
import type { Redis } from 'ioredis';
import { openRedis, type RedisConnection, type RetryOptions } from './connection';

/** Where `RedisCheckpointStorage` keeps checkpoints, how many, and the lease that fences them. */
export interface RedisCheckpointStorageOptions {
  readonly connection: RedisConnection | Redis;
  /** Keys are `<prefix>:cp:<id>` and `<prefix>:latest`. */
  readonly prefix: string;
  /** Checkpoints kept (default 3). */
  readonly retain?: number;
  /**
   * Save only while this key holds this token (a partition lease, `PartitionLeases.fence(p)`): a
   * process that lost its lease, paused too long and came back cannot store a checkpoint, so it
   * cannot commit its sinks either.
   */
  readonly fence?: { readonly key: string; readonly token: string };
  readonly retry?: RetryOptions;
}

/** A save was refused because the lease it was fenced by is held by someone else now. */
export class LeaseLostError extends CheckpointError {
  override readonly name = 'LeaseLostError' as 'CheckpointError';
}

// KEYS: checkpoint key, latest key, ids list, fence key (or '') · ARGV: id, text, retain, token
const SAVE = `
if KEYS[4] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[4] then
  return redis.error_reply('LEASE the lease ' .. KEYS[4] .. ' is no longer held by this process')
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], KEYS[1])
while redis.call('LLEN', KEYS[3]) > tonumber(ARGV[3]) do
  redis.call('DEL', redis.call('LPOP', KEYS[3]))
end
return 1
`;

/**
 * Checkpoints in Redis, for jobs that already have it (`connect(…, { checkpoints: { storage } })`).
 * A save writes the checkpoint and moves the `latest` pointer in one Lua script, so `latest()`
 * never sees half a checkpoint; older ones beyond `retain` are deleted in the same step.
 *
 * Durability is Redis's: with `appendonly yes` and `appendfsync always` a saved checkpoint
 * survives a power cut; with the default `everysec` the last second may be lost, and the job then
 * resumes from the checkpoint before (exactly-once sinks stay exactly-once either way, since
 * their commit follows the save).
 */
export class RedisCheckpointStorage implements CheckpointStorage {
  private client: Redis | undefined;
  private readonly retain: number;
  private readonly owned: boolean;

  constructor(private readonly options: RedisCheckpointStorageOptions) {
    this.retain = options.retain ?? 3;
    if (!(Number.isInteger(this.retain) && this.retain > 0)) {
      throw new IllegalArgumentError(
        `RedisCheckpointStorage: retain must be a positive integer, got ${options.retain}`,
      );
    }
    if (typeof options.prefix !== 'string' || options.prefix === '') {
      throw new IllegalArgumentError('RedisCheckpointStorage: prefix must be a non-empty string');
    }
    const c = options.connection as Redis;
    this.owned = !(typeof c === 'object' && typeof c.eval === 'function');
    if (!this.owned) this.client = c;
  }

  private async redis(): Promise<Redis> {
    this.client ??= await openRedis(
      this.options.connection as RedisConnection,
      this.options.retry,
      `eventide-checkpoints:${this.options.prefix}`,
    );
    return this.client;
  }

  async save(checkpoint: Checkpoint): Promise<CheckpointInfo> {
    const text = encodeCheckpoint(checkpoint);
    const { prefix, fence } = this.options;
    const client = await this.redis();
    try {
      await client.eval(
        SAVE,
        4,
        `${prefix}:cp:${checkpoint.id}`,
        `${prefix}:latest`,
        `${prefix}:ids`,
        fence?.key ?? '',
        String(checkpoint.id),
        text,
        String(this.retain),
        fence?.token ?? '',
      );
    } catch (err) {
      if (/^LEASE /.test((err as Error).message)) {
        throw new LeaseLostError(`checkpoint ${checkpoint.id} not saved: ${(err as Error).message.slice(6)}`);
      }
      throw err;
    }
    return { id: checkpoint.id, size: text.length };
  }

  async latest(): Promise<Checkpoint | undefined> {
    const client = await this.redis();
    const id = await client.get(`${this.options.prefix}:latest`);
    if (id === null) return undefined;
    const text = await client.get(`${this.options.prefix}:cp:${id}`);
    if (text === null) {
      throw new CheckpointError(
        `checkpoint ${id} under "${this.options.prefix}" is named latest but missing`,
      );
    }
    return decodeCheckpoint(text);
  }

  /** Deletes every checkpoint under the prefix (a fresh start). */
  async clear(): Promise<void> {
    const client = await this.redis();
    const { prefix } = this.options;
    const keys = await client.lrange(`${prefix}:ids`, 0, -1);
    await client.del(`${prefix}:latest`, `${prefix}:ids`, ...keys);
  }

  /** Closes the connection it opened (not one it was given). */
  async close(): Promise<void> {
    if (this.owned) await this.client?.quit().catch(() => this.client?.disconnect());
    this.client = undefined;
  }
}
