/**
 * A brute-force reference matcher for simple patterns, written from FlinkCEP's documented
 * semantics and independent of the NFA: it enumerates the index tuples a pattern can take.
 * Stages are single or times(n); contiguity is strict (next), relaxed (followedBy: the first
 * matching event) or any (followedByAny); a non-first stage may be optional; `within` bounds
 * last − first timestamp.
 */
export type Contiguity = 'strict' | 'relaxed' | 'any';

export interface RefStage {
  readonly name: string;
  readonly kinds: readonly string[];
  readonly contiguity: Contiguity;
  readonly times: number;
  readonly inner: Contiguity;
  readonly optional: boolean;
}

export interface RefEvent {
  readonly i: number;
  readonly kind: string;
  readonly ts: number;
}

export function referenceMatches(
  stages: readonly RefStage[],
  events: readonly RefEvent[],
  within?: number,
): number[][] {
  const out: number[][] = [];
  const candidates = (strategy: Contiguity | 'start', prev: number, kinds: readonly string[]): number[] => {
    const ok = (j: number) => kinds.includes(events[j]!.kind);
    const all: number[] = [];
    for (let j = prev + 1; j < events.length; j++) {
      if (strategy === 'strict') return ok(j) ? [j] : [];
      if (ok(j)) {
        if (strategy === 'relaxed') return [j];
        all.push(j);
      }
    }
    return all;
  };
  const walk = (s: number, prev: number, acc: number[]): void => {
    if (s === stages.length) {
      if (acc.length > 0 && (within === undefined || events[acc.at(-1)!]!.ts - events[acc[0]!]!.ts < within))
        out.push([...acc]);
      return;
    }
    const stage = stages[s]!;
    if (stage.optional && s > 0) walk(s + 1, prev, acc);
    const take = (count: number, p: number): void => {
      if (count === stage.times) {
        walk(s + 1, p, acc);
        return;
      }
      const strategy = count === 0 ? (s === 0 ? 'start' : stage.contiguity) : stage.inner;
      for (const j of candidates(strategy, p, stage.kinds)) {
        acc.push(j);
        take(count + 1, j);
        acc.pop();
      }
    };
    take(0, prev);
  };
  walk(0, -1, []);
  return out;
}

export type RefSkip = 'noSkip' | 'skipToNext' | 'skipPastLastEvent';

/**
 * Which matches a skip strategy lets through: matches in order of their first event (and, for
 * one first event, of completion); after each emitted match, matches starting at or before its
 * first (skipToNext) or last (skipPastLastEvent) event are discarded.
 */
export function applySkip(matches: number[][], skip: RefSkip): number[][] {
  if (skip === 'noSkip') return matches;
  const sorted = [...matches].sort((x, y) => x[0]! - y[0]! || x.at(-1)! - y.at(-1)!);
  const out: number[][] = [];
  let prunedUpTo = -1;
  for (const m of sorted) {
    if (m[0]! <= prunedUpTo) continue;
    out.push(m);
    prunedUpTo = skip === 'skipToNext' ? m[0]! : m.at(-1)!;
  }
  return out;
}
