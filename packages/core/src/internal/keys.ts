import { IllegalArgumentError, OperatorError } from '../errors';

/** Turns a composite key into a primitive that compares by value (`keyBy(fn, { serializeKey })`). */
export type KeySerializer<K> = (key: K) => string | number;

/**
 * Keys live in Maps, which compare objects by identity: two equal objects would become two keys,
 * and `undefined` usually means a selector read a missing field. Both fail fast here, naming the
 * operator, unless the stream was keyed with a serializer. Returns the key.
 */
export function checkKey<K>(key: K, operator: string, timestamp: number): K {
  const t = typeof key;
  if (key === undefined || t === 'function' || (t === 'object' && key !== null)) {
    const what =
      key === undefined
        ? 'undefined'
        : Array.isArray(key)
          ? 'an array'
          : t === 'object'
            ? 'an object'
            : 'a function';
    throw new OperatorError(
      operator,
      undefined,
      timestamp,
      new TypeError(
        `the key selector returned ${what}; keys must be strings, numbers, booleans, bigints or symbols (equal objects would be different keys). Return a primitive, or pass keyBy(fn, { serializeKey })`,
      ),
    );
  }
  return key;
}

/** The key selector of non-keyed windows (`windowAll`): one global key, never checked. */
export const NO_KEY = (): undefined => undefined;

/**
 * A hash of a key that every process and every run agrees on (32-bit FNV-1a over the key's text,
 * then a finalising mix so that keys differing in their last character spread over all groups).
 * Strings, numbers, booleans and bigints hash by their `String()` form: `1` and `'1'` are equal.
 */
export function stableHash(key: string | number | boolean | bigint): number {
  const s = String(key);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The key group of a key (Flink's key groups): `stableHash(key) mod groups`. The number of groups
 * is fixed for a job's whole life (its maximum parallelism, or a broker's partition count);
 * workers or processes own whole groups, so state moves between them group by group.
 */
export function keyGroupOf(key: string | number | boolean | bigint, groups: number): number {
  if (!(Number.isInteger(groups) && groups > 0)) {
    throw new IllegalArgumentError(`keyGroupOf: groups must be a positive integer, got ${groups}`);
  }
  return stableHash(key) % groups;
}
