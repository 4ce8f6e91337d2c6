import type { Match, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';

/** Test events: a name whose first letter says its kind ("a1", "b2", …), a value, an optional price. */
export interface Ev {
  readonly id: string;
  readonly v?: number;
}

export const ev = (id: string, v?: number): Ev => (v === undefined ? { id } : { id, v });
export const kind = (k: string) => (e: Ev) => e.id.startsWith(k);

/** A match written compactly: events in order, e.g. "a1 b1 c1". */
export function flat(m: Match<Ev>): string {
  return Object.values(m)
    .flat()
    .map((e) => e.id)
    .join(' ');
}

/** A match with stage names: "a:[a1] b:[b1,b2]". */
export function staged(m: Match<Ev>): string {
  return Object.entries(m)
    .map(([k, es]) => `${k}:[${es.map((e) => e.id).join(',')}]`)
    .join(' ');
}

/** Feeds ids at timestamps 1, 2, 3, … and returns every match, compact and sorted. */
export function matchesOf(pattern: Pattern<Ev, any>, ids: string[], format = flat): string[] {
  const h = NFATestHarness.forPattern(pattern);
  const out: string[] = [];
  ids.forEach((id, i) => {
    for (const m of h.process(ev(id), i + 1)) out.push(format(m));
  });
  return out.sort();
}

/** Like `matchesOf` but in emission order. */
export function matchesInOrder(pattern: Pattern<Ev, any>, ids: string[], format = flat): string[] {
  const h = NFATestHarness.forPattern(pattern);
  return ids.flatMap((id, i) => h.process(ev(id), i + 1).map(format));
}

/**
 * Feeds any events at timestamps 1, 2, 3, … and returns every match, each written as its events'
 * labels in order ("c a1 a2 d"), sorted.
 */
export function sortedMatches<T>(
  pattern: Pattern<T, any>,
  events: readonly T[],
  label: (e: T) => string,
): string[] {
  const h = NFATestHarness.forPattern(pattern);
  const write = (m: Match<T>) => Object.values(m).flat().map(label).join(' ');
  return events.flatMap((x, i) => h.process(x, i + 1).map(write)).sort();
}
