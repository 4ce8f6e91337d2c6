/**
 * Brute-force references, written from the time semantics in DESIGN.md and independent of the
 * engine: sort the input by timestamp, group it, and compute what each window must hold.
 */

export interface Reading {
  readonly key: string;
  readonly t: number;
  readonly v: number;
}

export interface WindowTotal {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly sum: number;
  readonly count: number;
}

function floorMod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** Tumbling/sliding windows by enumeration: every window [s, s + size) with s ≡ offset (mod slide) containing t. */
export function referenceSlidingTotals(
  input: readonly Reading[],
  size: number,
  slide: number,
  offset = 0,
): WindowTotal[] {
  const groups = new Map<string, WindowTotal>();
  for (const r of input) {
    const first = r.t - size + 1;
    // smallest s ≥ first with s ≡ offset (mod slide)
    let s = first + floorMod(offset - first, slide);
    for (; s <= r.t; s += slide) {
      const id = `${r.key}|${s}`;
      const g = groups.get(id) ?? { key: r.key, start: s, end: s + size, sum: 0, count: 0 };
      groups.set(id, { ...g, sum: g.sum + r.v, count: g.count + 1 });
    }
  }
  return sortTotals([...groups.values()]);
}

/** Session windows: sort each key's timestamps; a step of more than `gap` ms starts a new session (touching windows merge). */
export function referenceSessionTotals(input: readonly Reading[], gap: number): WindowTotal[] {
  const byKey = new Map<string, Reading[]>();
  for (const r of input) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const out: WindowTotal[] = [];
  for (const [key, rs] of byKey) {
    const sorted = [...rs].sort((a, b) => a.t - b.t);
    let cur: WindowTotal | undefined;
    for (const r of sorted) {
      if (cur && r.t <= cur.end) {
        cur = { ...cur, end: Math.max(cur.end, r.t + gap), sum: cur.sum + r.v, count: cur.count + 1 };
      } else {
        if (cur) out.push(cur);
        cur = { key, start: r.t, end: r.t + gap, sum: r.v, count: 1 };
      }
    }
    if (cur) out.push(cur);
  }
  return sortTotals(out);
}

export function sortTotals<T extends { key: string; start: number; end: number }>(xs: T[]): T[] {
  return [...xs].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.start - b.start || a.end - b.end,
  );
}
