import { type Dewey, isCompatibleWith } from '../nfa/dewey';
import type { EventId } from './event-id';

/** A stored event; it is its own `EventId` (timestamp and arrival sequence). */
interface BufferedEvent<T> extends EventId {
  readonly value: T;
  /** Nodes that took this event (one per stage that took it), plus one while it is being processed. */
  refs: number;
}

interface Edge<T> {
  readonly target: BufferNode<T> | null;
  readonly version: Dewey;
}

/**
 * "Stage `stage` took `event`": versioned edges point at what each branch took before it. The
 * first edge is stored in the node itself (most nodes have exactly one), further ones in `more`.
 */
export interface BufferNode<T> {
  readonly event: BufferedEvent<T>;
  readonly stage: string;
  readonly stageIndex: number;
  readonly target: BufferNode<T> | null;
  readonly version: Dewey;
  more: Edge<T>[] | undefined;
  /** Partial matches holding this node, plus edges pointing at it. */
  refs: number;
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
    refs: number,
    edges: [number, number[]][],
  ][];
}

/** Scratch for `release` (never re-entered). */
const RELEASE_STACK: BufferNode<unknown>[] = [];

/**
 * One key's shared buffer (FlinkCEP's `SharedBuffer`): every event is stored once, however many
 * partial matches took it; a node is "event e taken by stage s", and its versioned edges point to
 * the node taken before it on each branch. Reference counts (partial matches and edges pointing
 * at a node; nodes holding an event) free a node, and then its event, when nothing needs it.
 * Nodes are plain objects linked by reference: no lookups on the hot path.
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
        if (n.stageIndex === stageIndex && n.refs > 0) {
          node = n;
          break;
        }
      }
    }
    if (node === undefined) {
      node = { event, stage, stageIndex, target: prev, version, more: undefined, refs: 0 };
      event.refs++;
      this.nodeCount++;
      if (event === this.current) this.currentNodeList[this.currentNodes++] = node;
    } else if (node.more === undefined) {
      node.more = [{ target: prev, version }];
    } else {
      node.more.push({ target: prev, version });
    }
    if (prev !== null) prev.refs++;
    return node;
  }

  lock(node: BufferNode<T>): void {
    node.refs++;
  }

  release(node: BufferNode<T> | null): void {
    if (node === null) return;
    const stack = RELEASE_STACK as BufferNode<T>[];
    let sp = 0;
    stack[sp++] = node;
    while (sp > 0) {
      const n = stack[--sp]!;
      if (--n.refs > 0) continue;
      this.nodeCount--;
      if (--n.event.refs === 0) this.eventCount--;
      if (n.target !== null) stack[sp++] = n.target;
      const more = n.more;
      if (more !== undefined) {
        for (let i = 0; i < more.length; i++) {
          const target = more[i]!.target;
          if (target !== null) stack[sp++] = target;
        }
      }
    }
  }

  /**
   * The events of the branch ending at `node` with version `version`: a depth-first walk back
   * along compatible edges, newest edge first; the first complete path wins.
   */
  extract(node: BufferNode<T> | null, version: Dewey): MatchIds {
    const result: MatchIds = new Map();
    if (node === null) return result;
    const stack: { node: BufferNode<T> | null; version: Dewey; path: BufferNode<T>[] }[] = [
      { node, version, path: [] },
    ];
    while (stack.length > 0) {
      const { node: n, version: v, path } = stack.pop()!;
      if (n === null) {
        for (let i = path.length - 1; i >= 0; i--) {
          const p = path[i]!;
          const ids = result.get(p.stage);
          if (ids) ids.push(p.event);
          else result.set(p.stage, [p.event]);
        }
        return result;
      }
      const next = [...path, n];
      for (const edge of edgesOf(n)) {
        if (isCompatibleWith(v, edge.version))
          stack.push({ node: edge.target, version: edge.version, path: next });
      }
    }
    return result;
  }

  /** Turns ids into events, in stage order of first appearance. */
  materialize(ids: MatchIds): Record<string, T[]> {
    const out: Record<string, T[]> = {};
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
          n.refs,
          edgesOf(n).map((e) => [e.target === null ? -1 : index.get(e.target)!, [...e.version]]),
        ]),
      },
      index,
    };
  }

  /** Rebuilds the snapshot into `b` (a fresh buffer); returns its nodes in snapshot order. */
  static restoreInto<T>(b: SharedBuffer<T>, s: SharedBufferSnapshot<T>): BufferNode<T>[] {
    b.nextSeq = s.nextSeq;
    const events: BufferedEvent<T>[] = s.events.map(([seq, ts, value, refs]) => ({ ts, seq, value, refs }));
    // nodes first (targets may point forward), then their edges
    const shells = s.nodes.map(([e, stage, stageIndex, refs]) => ({
      event: events[e]!,
      stage,
      stageIndex,
      refs,
    }));
    const nodes: BufferNode<T>[] = shells.map((n) => ({ ...n, target: null, version: [], more: undefined }));
    s.nodes.forEach(([, , , , edges], i) => {
      const node = nodes[i]! as { target: BufferNode<T> | null; version: Dewey; more: Edge<T>[] | undefined };
      edges.forEach(([target, version], j) => {
        const t = target < 0 ? null : nodes[target]!;
        if (j === 0) {
          node.target = t;
          node.version = version;
        } else (node.more ??= []).push({ target: t, version });
      });
    });
    b.eventCount = events.length;
    b.nodeCount = nodes.length;
    return nodes;
  }
}

/** A node's edges in the order they were added. */
function edgesOf<T>(n: BufferNode<T>): Edge<T>[] {
  const first: Edge<T> = { target: n.target, version: n.version };
  return n.more === undefined ? [first] : [first, ...n.more];
}
