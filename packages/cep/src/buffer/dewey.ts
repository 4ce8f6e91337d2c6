/**
 * Dewey version numbers (FlinkCEP's `DeweyNumber`): each branch of a partial match gets a
 * version, and a shared-buffer edge is followed only by the versions descending from the one
 * that wrote it. Plain arrays, never mutated.
 */
export type Dewey = readonly number[];

export const deweyStart: Dewey = [1];

/** Adds `n` to the last digit. */
export function increase(d: Dewey, n: number): Dewey {
  if (n === 0) return d;
  const out = d.slice();
  out[out.length - 1]! += n;
  return out;
}

/** Appends a new stage digit `0`. */
export function addStage(d: Dewey): Dewey {
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) out.push(d[i]!);
  out.push(0);
  return out;
}

/**
 * `a` descends from `b`: `b` is a proper prefix of `a`, or they have the same length, agree on
 * all but the last digit, and `a`'s last digit is at least `b`'s.
 */
export function isCompatibleWith(a: Dewey, b: Dewey): boolean {
  if (a.length > b.length) {
    for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a.length === b.length) {
    const last = a.length - 1;
    for (let i = 0; i < last; i++) if (a[i] !== b[i]) return false;
    return a[last]! >= b[last]!;
  }
  return false;
}

/** Same digits. */
export function sameDewey(a: Dewey, b: Dewey): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
