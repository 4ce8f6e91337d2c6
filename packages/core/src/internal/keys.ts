import { OperatorError } from '../errors';

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
