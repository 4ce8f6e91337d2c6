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
 * arrival versions are its `holders`. An edge is only ever followed by a version compatible with
 * it (`extract`), so an edge no holder is compatible with is dead: it is removed at once and
 * what it pointed at loses that arrival. A dropped partial match therefore frees every event no
 * live partial match can still reach, not only its last node.
 */
export interface BufferNode<T> {
  readonly event: BufferedEvent<T>;
  readonly stage: string;
  readonly stageIndex: number;
  /** Newest last. */
  readonly edges: Edge<T>[];
  /** Arrival versions: one per partial match holding this node and per live edge pointing at it. */
  readonly holders: Dewey[];
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
        if (n.stageIndex === stageIndex && n.holders.length > 0) {
          node = n;
          break;
        }
      }
    }
    if (node === undefined) {
      node = { event, stage, stageIndex, edges: [{ target: prev, version }], holders: [] };
      event.refs++;
      this.nodeCount++;
      if (event === this.current) this.currentNodeList[this.currentNodes++] = node;
    } else {
      node.edges.push({ target: prev, version });
    }
    if (prev !== null) prev.holders.push(version);
    return node;
  }

  /** A partial match with version `version` holds `node`. */
  lock(node: BufferNode<T>, version: Dewey): void {
    node.holders.push(version);
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
      const v = versions[sp]!;
      const holders = n.holders;
      const at = indexOfVersion(holders, v);
      if (at >= 0) {
        holders[at] = holders[holders.length - 1]!;
        holders.pop();
      }
      const edges = n.edges;
      if (holders.length === 0) {
        this.nodeCount--;
        if (--n.event.refs === 0) this.eventCount--;
        for (let i = 0; i < edges.length; i++) {
          const e = edges[i]!;
          if (e.target !== null) {
            nodes[sp] = e.target;
            versions[sp++] = e.version;
          }
        }
        edges.length = 0;
        continue;
      }
      // Still held: drop the edges no remaining arrival is compatible with.
      let w = 0;
      for (let i = 0; i < edges.length; i++) {
        const e = edges[i]!;
        if (anyCompatible(holders, e.version)) edges[w++] = e;
        else if (e.target !== null) {
          nodes[sp] = e.target;
          versions[sp++] = e.version;
        }
      }
      edges.length = w;
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
    const nextEdge: number[] = [node.edges.length - 1];
    while (path.length > 0) {
      const top = path.length - 1;
      const n = path[top]!;
      let i = nextEdge[top]!;
      let moved = false;
      while (i >= 0) {
        const e = n.edges[i--]!;
        if (!isCompatibleWith(arrived[top]!, e.version)) continue;
        nextEdge[top] = i;
        if (e.target === null) {
          for (let k = path.length - 1; k >= 0; k--) {
            const p = path[k]!;
            const ids = result.get(p.stage);
            if (ids) ids.push(p.event);
            else result.set(p.stage, [p.event]);
          }
          return result;
        }
        path.push(e.target);
        arrived.push(e.version);
        nextEdge.push(e.target.edges.length - 1);
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
      for (const e of n.edges) if (e.target !== null) stack.push(e.target);
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
          n.holders.length,
          n.edges.map((e) => [e.target === null ? -1 : index.get(e.target)!, [...e.version]]),
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
      return { event: events[e]!, stage, stageIndex, edges: [], holders: [] };
    });
    s.nodes.forEach(([, , , , edges], i) => {
      for (const [target, version] of edges) {
        const t = target < 0 ? null : nodes[target]!;
        nodes[i]!.edges.push({ target: t, version });
        if (t !== null) t.holders.push(version);
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
      if (n.holders.length === 0) continue;
      const v = n.holders[0]!;
      n.holders.push(v);
      this.release(n, v);
    }
  }
}

function indexOfVersion(holders: readonly Dewey[], v: Dewey): number {
  for (let i = holders.length - 1; i >= 0; i--) if (holders[i] === v) return i;
  for (let i = holders.length - 1; i >= 0; i--) if (sameDewey(holders[i]!, v)) return i;
  return -1;
}

function anyCompatible(holders: readonly Dewey[], edgeVersion: Dewey): boolean {
  for (let i = 0; i < holders.length; i++) if (isCompatibleWith(holders[i]!, edgeVersion)) return true;
  return false;
}
