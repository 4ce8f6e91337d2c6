import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IllegalArgumentError, keyGroupOf, stableHash } from '../../src/index';

/**
 * The published 32-bit FNV-1a test vectors (http://www.isthe.com/chongo/src/fnv/test_fnv.c,
 * `fnv1a_32_vector`): the hash of each ASCII string, before eventide's finalising mix.
 */
const FNV1A_32: ReadonlyArray<readonly [string, number]> = [
  ['', 0x811c9dc5],
  ['a', 0xe40c292c],
  ['b', 0xe70c2de5],
  ['c', 0xe60c2c52],
  ['d', 0xe10c2473],
  ['e', 0xe00c22e0],
  ['f', 0xe30c2799],
  ['fo', 0x6222e842],
  ['foo', 0xa9f37ed7],
  ['foob', 0x3f5076ef],
  ['fooba', 0x39aaa18a],
  ['foobar', 0xbf9cf968],
];

/**
 * MurmurHash3's finaliser `fmix32`, the mix `stableHash`'s comment names, written from its
 * specification in exact integer arithmetic (BigInt, no 32-bit tricks):
 * h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16 (mod 2^32).
 */
function fmix32(x: number): number {
  const M = 0xffffffffn;
  let h = BigInt(x);
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & M;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & M;
  h ^= h >> 16n;
  return Number(h);
}

describe('key groups', () => {
  it('the reference mix is fmix32: MurmurHash3_x86_32 of the empty input is fmix32(seed)', () => {
    // MurmurHash3's published vectors for "" (SMHasher): no blocks, no tail, length 0
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(fmix32(0xffffffff)).toBe(0x81f16f39);
  });

  it('stableHash is fmix32 of 32-bit FNV-1a: the published FNV-1a vectors, mixed', () => {
    for (const [key, fnv] of FNV1A_32) expect(stableHash(key), JSON.stringify(key)).toBe(fmix32(fnv));
    // the same, worked out by hand for three of them (not by running the code under test)
    expect(stableHash('')).toBe(0xab3e7c0b);
    expect(stableHash('a')).toBe(0x1a80b1b3);
    expect(stableHash('foobar')).toBe(0x0c0da6dc);
  });

  it('keyGroupOf is that hash mod the groups', () => {
    for (const [key, fnv] of FNV1A_32) {
      for (const groups of [1, 2, 3, 8, 1000, 2 ** 31])
        expect(keyGroupOf(key, groups), `${JSON.stringify(key)} in ${groups}`).toBe(fmix32(fnv) % groups);
    }
    // 0xab3e7c0b = 2872998923, 0x1a80b1b3 = 444641715, 0x0c0da6dc = 202221276
    expect([keyGroupOf('', 8), keyGroupOf('a', 8), keyGroupOf('foobar', 8)]).toEqual([3, 3, 4]);
    expect([keyGroupOf('', 10), keyGroupOf('a', 10), keyGroupOf('foobar', 10)]).toEqual([3, 5, 6]);
  });

  it('a key always lands in the same group, in [0, groups), and 1 and "1" agree', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer()), fc.integer({ min: 1, max: 4096 }), (key, groups) => {
        const g = keyGroupOf(key, groups);
        expect(Number.isInteger(g) && g >= 0 && g < groups).toBe(true);
        expect(keyGroupOf(String(key), groups)).toBe(g);
        expect(stableHash(key)).toBe(stableHash(String(key)));
      }),
    );
  });

  it('service ids spread evenly: no group of 8 gets more than 15% above its share', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 80_000; i++) counts[keyGroupOf(`svc-${String(i).padStart(6, '0')}`, 8)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(1_500);
  });

  it('refuses a group count that is not a positive integer', () => {
    for (const g of [0, -1, 1.5, Number.NaN]) expect(() => keyGroupOf('k', g)).toThrow(IllegalArgumentError);
  });
});
