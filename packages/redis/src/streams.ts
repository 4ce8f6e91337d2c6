import { IllegalArgumentError, keyGroupOf } from '@eventide/core';
import type { Redis } from 'ioredis';

/**
 * A logical stream of `P` partitions is `P` Redis streams, `<name>:0` … `<name>:<P-1>`, plus a hash
 * `<name>:meta` that records `partitions` (written by the first publisher, read by consumers) and
 * anything else a publisher describes the stream with. A record's partition is the key group of
 * its key: `keyGroupOf(key, P)`, the same in every process.
 */
export const partitionKey = (stream: string, partition: number): string => `${stream}:${partition}`;
export const metaKey = (stream: string): string => `${stream}:meta`;
export const documentKey = (stream: string, name: string): string => `${stream}:doc:${name}`;

/** The partition a key's records go to (`keyGroupOf`). */
export function partitionOf(key: string | number, partitions: number): number {
  return keyGroupOf(key, partitions);
}

/** The field a record's JSON travels in. */
export const VALUE_FIELD = 'v';
/** The field of the entry a publisher appends to every partition when the stream is complete. */
export const END_FIELD = 'end';

/** One entry of a partition, as the source hands it over. */
export interface StreamEntry {
  readonly partition: number;
  /** The entry id (`<ms>-<seq>`). */
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** A stream entry that does not hold a record: where it is and why. */
export class MalformedEntryError extends Error {
  override readonly name = 'MalformedEntryError';
}

/**
 * The record of an entry written by `RedisStreamPublisher` or `RedisStreamSink`: the JSON in its
 * `v` field. Throws `MalformedEntryError` naming the partition, the id and the reason, so that
 * `.map(decodeEntry).onError('invalid')` sends bad entries to `INVALID` with it.
 */
export function decodeEntry<T = unknown>(entry: StreamEntry): T {
  const text = entry.fields[VALUE_FIELD];
  const where = `entry ${entry.id} of partition ${entry.partition}`;
  if (text === undefined) {
    throw new MalformedEntryError(
      `${where} has no "${VALUE_FIELD}" field (fields: ${Object.keys(entry.fields).join(', ') || 'none'})`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new MalformedEntryError(`${where}: "${VALUE_FIELD}" is not JSON (${(err as Error).message})`);
  }
}

/** Entry ids compare as (milliseconds, sequence). */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const dm = Number(am) - Number(bm);
  return dm !== 0 ? Math.sign(dm) : Math.sign(Number(as) - Number(bs));
}

/** The partition count a publisher recorded for `stream`, or undefined when nobody has yet. */
export async function partitionsOf(client: Redis, stream: string): Promise<number | undefined> {
  const p = await client.hget(metaKey(stream), 'partitions');
  return p === null ? undefined : Number(p);
}

/** Records the partition count, or checks it against the recorded one. */
export async function declarePartitions(client: Redis, stream: string, partitions: number): Promise<void> {
  if (!(Number.isInteger(partitions) && partitions > 0)) {
    throw new IllegalArgumentError(`partitions must be a positive integer, got ${partitions}`);
  }
  await client.hsetnx(metaKey(stream), 'partitions', String(partitions));
  const recorded = await partitionsOf(client, stream);
  if (recorded !== partitions) {
    throw new IllegalArgumentError(
      `stream "${stream}" has ${recorded} partitions, not ${partitions}: a partition count is fixed for a stream's life (delete the stream to change it)`,
    );
  }
}

/** Flat `[field, value, field, value]` from Redis into an object. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  // the common entry, one record in "v": no loop, no dictionary-mode object
  if (flat.length === 2 && flat[0] === VALUE_FIELD) return { [VALUE_FIELD]: flat[1]! };
  const out: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** Every key matching `pattern` (`SCAN … MATCH`, which does not block the server as `KEYS` does). */
export async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}
