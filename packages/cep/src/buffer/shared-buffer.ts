import { type Dewey, isCompatibleWith, sameDewey } from './dewey';
import type { EventId } from './event-id';

/** A stored event; it is its own `EventId` (timestamp and arrival sequence). */
interface BufferedEvent<T> extends EventId {
  readonly value: T;
  /** Nodes that took this event (one per stage that took it), plus one while it is being processed. */
  refs: number;
}

/** "The branch with version `version` took `target` before this node". */
export interface Edge<T> {
  readonly target: BufferNode<T> | null;
  readonly version: Dewey;
}

/**
 * "Stage `stage` took `event`": versioned edges point at what each branch took before it.
 *
 * A node lives while something arrives at it: a partial match holding it (with the partial
 * match's version) or a later node's edge pointing at it (with the edge's version). Those
 * arrival versions are its holders. An edge is only ever followed by a version compatible with
 * it (`extract`), so an edge no holder is compatible with is dead: it is removed at once and
 * what it pointed at loses that arrival. A dropped partial match therefore frees every event no
 * live partial match can still reach, not only its last node.
 *
 * Most nodes have one edge and one or two holders: the first of each is kept in the node itself
 * (no arrays), further ones in `moreEdges` / `moreHolders`.
 */
export interface BufferNode<T> {
  readonly event: BufferedEvent<T>;
  readonly stage: string;
  readonly stageIndex: number;
  /** The first (oldest) edge; `version0` undefined when the node has no edge left. */
  target0: BufferNode<T> | null;
  version0: Dewey | undefined;
  /** Further edges, newest last. */
  moreEdges: Edge<T>[] | undefined;
  /** The first two holders, and the rest. */
  holder0: Dewey | undefined;
  holder1: Dewey | undefined;
  moreHolders: Dewey[] | undefined;
  holderCount: number;
}

/** One shape for every node (a class: V8 allocates it on the fast path). */
class Node<T> implements BufferNode<T> {
  moreEdges: Edge<T>[] | undefined = undefined;
  holder0: Dewey | undefined = undefined;
  holder1: Dewey | undefined = undefined;
  moreHolders: Dewey[] | undefined = undefined;
  holderCount = 0;
  constructor(
    readonly event: BufferedEvent<T>,
    readonly stage: string,
    readonly stageIndex: number,
    public target0: BufferNode<T> | null,
    public version0: Dewey | undefined,
  ) {}
}

/** A node's edges, oldest first (a copy: for snapshots and tests). */
export function edgesOf<T>(n: BufferNode<T>): Edge<T>[] {
  if (n.version0 === undefined) return [];
  const first: Edge<T> = { target: n.target0, version: n.version0 };
  return n.moreEdges === undefined ? [first] : [first, ...n.moreEdges];
}

/** A node's holders (a copy: for tests). */
export function holdersOf<T>(n: BufferNode<T>): Dewey[] {
  const out: Dewey[] = [];
  if (n.holder0 !== undefined) out.push(n.holder0);
  if (n.holder1 !== undefined) out.push(n.holder1);
  if (n.moreHolders !== undefined) out.push(...n.moreHolders);
  return out;
}

function addHolder<T>(n: BufferNode<T>, v: Dewey): void {
  n.holderCount++;
  if (n.holder0 === undefined) n.holder0 = v;
  else if (n.holder1 === undefined) n.holder1 = v;
  else (n.moreHolders ??= []).push(v);
}

/** Removes one holder equal to `v` (the same array first). */
function removeHolder<T>(n: BufferNode<T>, v: Dewey): void {
  // -1: holder0, -2: holder1, i ≥ 0: moreHolders[i], -3: none
  let at = n.holder0 === v ? -1 : n.holder1 === v ? -2 : -3;
  const more = n.moreHolders;
  if (at === -3 && more !== undefined) {
    for (let i = more.length - 1; i >= 0; i--) {
      if (more[i] === v) {
        at = i;
        break;
      }
    }
  }
  if (at === -3) {
    if (n.holder0 !== undefined && sameDewey(n.holder0, v)) at = -1;
    else if (n.holder1 !== undefined && sameDewey(n.holder1, v)) at = -2;
    else if (more !== undefined) {
      for (let i = more.length - 1; i >= 0; i--) {
        if (sameDewey(more[i]!, v)) {
          at = i;
          break;
        }
      }
    }
  }
  if (at === -3) return;
  n.holderCount--;
  // refill the freed slot from the array, so holder0 is set whenever any holder is
  const refill = more !== undefined && more.length > 0 ? more.pop() : undefined;
  if (at === -1) {
    n.holder0 = n.holder1 ?? refill;
    n.holder1 = n.holder1 === undefined ? undefined : refill;
  } else if (at === -2) n.holder1 = refill;
  else if (refill !== undefined && at < more!.length) more![at] = refill;
  if (more !== undefined && more.length === 0) n.moreHolders = undefined;
}

function anyCompatible<T>(n: BufferNode<T>, edgeVersion: Dewey): boolean {
  if (n.holder0 !== undefined && isCompatibleWith(n.holder0, edgeVersion)) return true;
  if (n.holder1 !== undefined && isCompatibleWith(n.holder1, edgeVersion)) return true;
  const more = n.moreHolders;
  if (more !== undefined)
    for (let i = 0; i < more.length; i++) if (isCompatibleWith(more[i]!, edgeVersion)) return true;
  return false;
}

/** A match as event ids: stage name → ids in the order taken. */
export type MatchIds = Map<string, EventId[]>;

/** Plain-data form of a key's buffer; nodes refer to events and to each other by index. */
export interface SharedBufferSnapshot<T> {
  readonly nextSeq: number;
  readonly events: readonly [seq: number, ts: number, value: T, refs: number][];
  readonly nodes: readonly [
    event: number,
    stage: string,
    stageIndex: number,
    /** Kept for the format; holders are rebuilt from the edges and partial matches on restore. */
    refs: number,
    edges: [number, number[]][],
  ][];
}

/** Work list of `release` (never re-entered). */
const RELEASE_NODES: BufferNode<unknown>[] = [];
const RELEASE_VERSIONS: Dewey[] = [];

/**
 * One key's shared buffer (FlinkCEP's `SharedBuffer`): every event is stored once, however many
 * partial matches took it; a node is "event e taken by stage s", and its versioned edges point to
 * the node taken before it on each branch. Nodes are plain objects linked by reference: no
 * lookups on the hot path.
 */
export class SharedBuffer<T> {
  private nextSeq = 0;
  /** Events and nodes currently held. */
  eventCount = 0;
  nodeCount = 0;

  /** Stores an event with one reference, held by the caller while the event is processed. */
  registerEvent(value: T, ts: number): EventId {
    this.eventCount++;
    const e: BufferedEvent<T> = { ts, seq: this.nextSeq++, value, refs: 1 };
    this.current = e;
    this.currentNodes = 0;
    return e;
  }

  releaseEvent(id: EventId): void {
    const e = id as BufferedEvent<T>;
    if (--e.refs === 0) this.eventCount--;
  }

  /** The event being processed and the nodes made for it so far (one per stage that took it). */
  private current: BufferedEvent<T> | undefined;
  private readonly currentNodeList: BufferNode<T>[] = [];
  private currentNodes = 0;

  /**
   * Records that stage `stage` took event `id` after node `prev` on branch `version`. Branches
   * that take the same event at the same stage share one node (with one edge each).
   */
  put(
    stage: string,
    stageIndex: number,
    id: EventId,
    prev: BufferNode<T> | null,
    version: Dewey,
  ): BufferNode<T> {
    const event = id as BufferedEvent<T>;
    let node: BufferNode<T> | undefined;
    if (event === this.current) {
      for (let i = 0; i < this.currentNodes; i++) {
        const n = this.currentNodeList[i]!;
        // a node released while this event was processed is gone; a new one replaces it
        if (n.stageIndex === stageIndex && n.holderCount > 0) {
          node = n;
          break;
        }
      }
    }
    if (node === undefined) {
      node = new Node(event, stage, stageIndex, prev, version);
      event.refs++;
      this.nodeCount++;
      if (event === this.current) this.currentNodeList[this.currentNodes++] = node;
    } else if (node.version0 === undefined) {
      node.target0 = prev;
      node.version0 = version;
    } else {
      (node.moreEdges ??= []).push({ target: prev, version });
    }
    if (prev !== null) addHolder(prev, version);
    return node;
  }

  /** A partial match with version `version` holds `node`. */
  lock(node: BufferNode<T>, version: Dewey): void {
    addHolder(node, version);
  }

  /**
   * A partial match with version `version` lets go of `node`: a node nothing arrives at any more
   * is freed, and edges no remaining arrival can follow are removed, transitively.
   */
  release(node: BufferNode<T> | null, version: Dewey): void {
    if (node === null) return;
    const nodes = RELEASE_NODES as BufferNode<T>[];
    const versions = RELEASE_VERSIONS;
    let sp = 0;
    nodes[sp] = node;
    versions[sp++] = version;
    while (sp > 0) {
      const n = nodes[--sp]!;
      const released = versions[sp]!;
      removeHolder(n, released);
      if (n.holderCount === 0) {
        this.nodeCount--;
        if (--n.event.refs === 0) this.eventCount--;
        if (n.version0 !== undefined && n.target0 !== null) {
          nodes[sp] = n.target0;
          versions[sp++] = n.version0;
        }
        const more = n.moreEdges;
        if (more !== undefined) {
          for (let i = 0; i < more.length; i++) {
            const e = more[i]!;
            if (e.target !== null) {
              nodes[sp] = e.target;
              versions[sp++] = e.version;
            }
          }
        }
        n.target0 = null;
        n.version0 = undefined;
        n.moreEdges = undefined;
        continue;
      }
      // Still held. The usual case: a remaining arrival continues the released one (a branch that
      // moved on from here), so every edge the released one could follow is still followable.
      if (
        (n.holder0 !== undefined && continues(n.holder0, released)) ||
        (n.holder1 !== undefined && continues(n.holder1, released))
      ) {
        continue;
      }
      // Otherwise drop the edges no remaining arrival is compatible with.
      if (n.version0 !== undefined && !anyCompatible(n, n.version0)) {
        if (n.target0 !== null) {
          nodes[sp] = n.target0;
          versions[sp++] = n.version0;
        }
        n.target0 = null;
        n.version0 = undefined;
      }
      const more = n.moreEdges;
      if (more !== undefined) {
        let w = 0;
        for (let i = 0; i < more.length; i++) {
          const e = more[i]!;
          if (anyCompatible(n, e.version)) more[w++] = e;
          else if (e.target !== null) {
            nodes[sp] = e.target;
            versions[sp++] = e.version;
          }
        }
        more.length = w;
        // keep the first edge inline: the oldest live one moves up
        if (n.version0 === undefined && w > 0) {
          const e = more.shift()!;
          n.target0 = e.target;
          n.version0 = e.version;
        }
        if (more.length === 0) n.moreEdges = undefined;
      }
    }
  }

  /**
   * The events of the branch ending at `node` with version `version`: a depth-first walk back
   * along compatible edges, newest edge first; the first complete path wins. The path is kept
   * once, on a stack with backtracking, not copied per step.
   */
  extract(node: BufferNode<T> | null, version: Dewey): MatchIds {
    const result: MatchIds = new Map();
    if (node === null) return result;
    // frames: a node, the version it was reached with, and the next edge to try (newest first)
    const path: BufferNode<T>[] = [node];
    const arrived: Dewey[] = [version];
    const nextEdge: number[] = [edgeCount(node) - 1];
    while (path.length > 0) {
      const top = path.length - 1;
      const n = path[top]!;
      let i = nextEdge[top]!;
      let moved = false;
      while (i >= 0) {
        const target = i === 0 ? n.target0 : n.moreEdges![i - 1]!.target;
        const v = i === 0 ? n.version0! : n.moreEdges![i - 1]!.version;
        i--;
        if (!isCompatibleWith(arrived[top]!, v)) continue;
        nextEdge[top] = i;
        if (target === null) {
          for (let k = path.length - 1; k >= 0; k--) {
            const p = path[k]!;
            const ids = result.get(p.stage);
            if (ids) ids.push(p.event);
            else result.set(p.stage, [p.event]);
          }
          return result;
        }
        path.push(target);
        arrived.push(v);
        nextEdge.push(edgeCount(target) - 1);
        moved = true;
        break;
      }
      if (!moved) {
        path.pop();
        arrived.pop();
        nextEdge.pop();
      }
    }
    return result;
  }

  /**
   * The events stage `stage` took on the branch ending at `node` with version `version`, oldest
   * first: what an iterative condition asks for. A branch that never forked (each node on it
   * has one edge) is read straight down its chain, without building the whole match.
   */
  eventsOfStage(node: BufferNode<T> | null, version: Dewey, stage: string): T[] {
    const out: T[] = [];
    let n = node;
    let v = version;
    while (n !== null) {
      if (n.moreEdges !== undefined || n.version0 === undefined || !isCompatibleWith(v, n.version0)) {
        // a fork (or a dead end) on the way: the general walk decides which path is the branch's
        const ids = this.extract(node, version).get(stage);
        return ids === undefined ? [] : ids.map((id) => (id as BufferedEvent<T>).value);
      }
      if (n.stage === stage) out.push(n.event.value);
      v = n.version0;
      n = n.target0;
    }
    return out.reverse();
  }

  /**
   * Turns ids into events, in stage order of first appearance. The result has no prototype, so
   * a stage may be called anything (`__proto__`, `constructor`).
   */
  materialize(ids: MatchIds): Record<string, T[]> {
    const out = Object.create(null) as Record<string, T[]>;
    for (const [stage, list] of ids) out[stage] = list.map((id) => (id as BufferedEvent<T>).value);
    return out;
  }

  /** Plain data for every node reachable from `roots`; `index` numbers the nodes for the caller. */
  snapshot(roots: readonly (BufferNode<T> | null)[]): {
    snapshot: SharedBufferSnapshot<T>;
    index: Map<BufferNode<T>, number>;
  } {
    const index = new Map<BufferNode<T>, number>();
    const nodes: BufferNode<T>[] = [];
    const stack = roots.filter((r): r is BufferNode<T> => r !== null);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (index.has(n)) continue;
      index.set(n, nodes.length);
      nodes.push(n);
      for (const e of edgesOf(n)) if (e.target !== null) stack.push(e.target);
    }
    const eventIndex = new Map<BufferedEvent<T>, number>();
    const events: [number, number, T, number][] = [];
    for (const n of nodes) {
      if (!eventIndex.has(n.event)) {
        eventIndex.set(n.event, events.length);
        events.push([n.event.seq, n.event.ts, n.event.value, n.event.refs]);
      }
    }
    return {
      snapshot: {
        nextSeq: this.nextSeq,
        events,
        nodes: nodes.map((n) => [
          eventIndex.get(n.event)!,
          n.stage,
          n.stageIndex,
          n.holderCount,
          edgesOf(n).map((e) => [e.target === null ? -1 : index.get(e.target)!, [...e.version]]),
        ]),
      },
      index,
    };
  }

  /**
   * Rebuilds the snapshot into `b` (a fresh buffer); returns its nodes in snapshot order. The
   * caller then `lock`s the nodes its partial matches hold, and calls `settle`.
   */
  static restoreInto<T>(b: SharedBuffer<T>, s: SharedBufferSnapshot<T>): BufferNode<T>[] {
    b.nextSeq = s.nextSeq;
    const events: BufferedEvent<T>[] = s.events.map(([seq, ts, value]) => ({ ts, seq, value, refs: 0 }));
    const nodes: BufferNode<T>[] = s.nodes.map(([e, stage, stageIndex]) => {
      events[e]!.refs++;
      return new Node<T>(events[e]!, stage, stageIndex, null, undefined);
    });
    s.nodes.forEach(([, , , , edges], i) => {
      const n = nodes[i]!;
      for (const [target, version] of edges) {
        const t = target < 0 ? null : nodes[target]!;
        if (n.version0 === undefined) {
          n.target0 = t;
          n.version0 = version;
        } else (n.moreEdges ??= []).push({ target: t, version });
        if (t !== null) addHolder(t, version);
      }
    });
    b.eventCount = events.length;
    b.nodeCount = nodes.length;
    return nodes;
  }

  /**
   * After a restore: frees what no partial match can reach (a checkpoint written before holders
   * were tracked may hold dead edges). `held` are the nodes the partial matches hold.
   */
  settle(nodes: readonly BufferNode<T>[]): void {
    // Nodes in snapshot order are reachable from the roots first; prune dead edges everywhere by
    // taking and giving back one arrival of each node's own holders.
    for (const n of nodes) {
      if (n.holderCount === 0) continue;
      const v = n.holder0!;
      addHolder(n, v);
      this.release(n, v);
    }
  }
}

function edgeCount<T>(n: BufferNode<T>): number {
  return n.version0 === undefined ? 0 : 1 + (n.moreEdges?.length ?? 0);
}

/**
 * `h` continues `v`: the same digits before `v`'s last, a last digit at least `v`'s, and at least
 * as long. Edges of a node are shorter than every arrival at it (an edge is written with the
 * branch's version before the stage digit is added), so an edge compatible with `v` is then
 * compatible with `h`.
 */
function continues(h: Dewey, v: Dewey): boolean {
  if (h === v) return true;
  const last = v.length - 1;
  if (h.length < v.length) return false;
  for (let i = 0; i < last; i++) if (h[i] !== v[i]) return false;
  return h[last]! >= v[last]!;
}
