/**
 * Dewey version numbers (FlinkCEP's `DeweyNumber`): each branch of a partial match gets a
 * version, and a shared-buffer edge is followed only by the versions descending from the one
 * that wrote it. Plain arrays, never mutated.
 */
export type Dewey = readonly number[];

export const deweyStart: Dewey = [1];

/**
 * Versions are immutable, so the common ones are made once and shared: `addStage(d)` and
 * `increase(d, 1)` of a short version with small digits remember their result on `d`. The
 * versions a partial match walks through are then found, not allocated, on the hot path. At
 * most `MAX_SHARED` are kept (the rest are allocated as usual), so memory stays bounded however
 * far versions count up.
 */
interface Shared {
  $stage?: Dewey;
  $next?: Dewey;
}
const MAX_SHARED = 200_000;
const SMALL = 4096;
let shared = 0;

function shareable(d: Dewey): boolean {
  if (shared >= MAX_SHARED || d.length > 8) return false;
  for (let i = 0; i < d.length; i++) if (d[i]! >= SMALL) return false;
  return true;
}

/** Adds `n` to the last digit. */
export function increase(d: Dewey, n: number): Dewey {
  if (n === 0) return d;
  if (n === 1) {
    const memo = (d as Shared).$next;
    if (memo !== undefined) return memo;
  }
  const out = d.slice();
  out[out.length - 1]! += n;
  if (n === 1 && shareable(out)) {
    shared++;
    (d as Shared).$next = out;
  }
  return out;
}

/** Appends a new stage digit `0`. */
export function addStage(d: Dewey): Dewey {
  const memo = (d as Shared).$stage;
  if (memo !== undefined) return memo;
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) out.push(d[i]!);
  out.push(0);
  if (shareable(out)) {
    shared++;
    (d as Shared).$stage = out;
  }
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
