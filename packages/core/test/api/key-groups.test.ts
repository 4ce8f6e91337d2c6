import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IllegalArgumentError, keyGroupOf, stableHash } from '../../src/index';

/** 32-bit FNV-1a (the published algorithm), before the finalising mix. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

describe('key groups', () => {
  it('FNV-1a underneath: its published test vectors', () => {
    // http://www.isthe.com/chongo/src/fnv/test_fnv.c
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
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
