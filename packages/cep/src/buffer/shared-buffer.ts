import { type Dewey, isCompatibleWith } from '../nfa/dewey';
import type { EventId } from './event-id';

interface BufferedEvent<T> {
  readonly id: EventId;
  readonly value: T;
  refs: number;
}

interface Edge {
  readonly target: string | null;
  readonly version: Dewey;
}

interface BufferNode {
  readonly eventSeq: number;
  readonly stage: string;
  readonly edges: Edge[];
  refs: number;
}

/** A match as event ids: stage name → ids in the order taken. */
export type MatchIds = Map<string, EventId[]>;

/** Plain-data form of a key's buffer. */
export interface SharedBufferSnapshot<T> {
  readonly nextSeq: number;
  readonly events: readonly [seq: number, ts: number, value: T, refs: number][];
  readonly nodes: readonly [
    key: string,
    seq: number,
    stage: string,
    refs: number,
    edges: [string | null, number[]][],
  ][];
}

/**
 * One key's shared buffer (FlinkCEP's `SharedBuffer`): every event is stored once, however many
 * partial matches took it; a node is "event e taken by stage s", and its versioned edges point to
 * the node taken before it on each branch. Reference counts (partial matches and edges pointing
 * at a node; nodes holding an event) free a node, and then its event, when nothing needs it.
 */
export class SharedBuffer<T> {
  // Created on first use: most keys never take an event, and a Map is not free.
  private eventMap: Map<number, BufferedEvent<T>> | undefined;
  private nodeMap: Map<string, BufferNode> | undefined;
  private nextSeq = 0;

  private get events(): Map<number, BufferedEvent<T>> {
    if (this.eventMap === undefined) this.eventMap = new Map();
    return this.eventMap;
  }

  private get nodes(): Map<string, BufferNode> {
    if (this.nodeMap === undefined) this.nodeMap = new Map();
    return this.nodeMap;
  }

  get eventCount(): number {
    return this.eventMap?.size ?? 0;
  }

  get nodeCount(): number {
    return this.nodeMap?.size ?? 0;
  }

  /** Stores an event with one reference, held by the caller while the event is processed. */
  registerEvent(value: T, ts: number): EventId {
    const id: EventId = { ts, seq: this.nextSeq++ };
    this.events.set(id.seq, { id, value, refs: 1 });
    return id;
  }

  releaseEvent(id: EventId): void {
    const e = this.events.get(id.seq);
    if (e !== undefined && --e.refs === 0) this.events.delete(id.seq);
  }

  /** Records that stage `stage` took event `id` after node `prev` on branch `version`. */
  put(stage: string, id: EventId, prev: string | null, version: Dewey): string {
    const key = nodeKey(id.seq, stage);
    let node = this.nodes.get(key);
    if (node === undefined) {
      node = { eventSeq: id.seq, stage, edges: [], refs: 0 };
      this.nodes.set(key, node);
      this.events.get(id.seq)!.refs++;
    }
    node.edges.push({ target: prev, version });
    if (prev !== null) this.lock(prev);
    return key;
  }

  lock(key: string): void {
    this.nodes.get(key)!.refs++;
  }

  release(key: string | null): void {
    let pending = key;
    const stack: string[] = [];
    while (pending !== null || stack.length > 0) {
      const k = pending ?? stack.pop()!;
      pending = null;
      const node = this.nodes.get(k);
      if (node === undefined || --node.refs > 0) continue;
      this.nodes.delete(k);
      this.releaseEvent(this.events.get(node.eventSeq)!.id);
      for (const edge of node.edges) if (edge.target !== null) stack.push(edge.target);
    }
  }

  /**
   * The events of the branch ending at node `key` with version `version`: a depth-first walk
   * back along compatible edges, newest edge first; the first complete path wins.
   */
  extract(key: string | null, version: Dewey): MatchIds {
    const result: MatchIds = new Map();
    if (key === null) return result;
    const stack: { key: string | null; version: Dewey; path: string[] }[] = [{ key, version, path: [] }];
    while (stack.length > 0) {
      const { key: k, version: v, path } = stack.pop()!;
      if (k === null) {
        for (let i = path.length - 1; i >= 0; i--) {
          const node = this.nodes.get(path[i]!)!;
          const ids = result.get(node.stage);
          const id = this.events.get(node.eventSeq)!.id;
          if (ids) ids.push(id);
          else result.set(node.stage, [id]);
        }
        return result;
      }
      const node = this.nodes.get(k);
      if (node === undefined) continue;
      const next = [...path, k];
      for (const edge of node.edges) {
        if (isCompatibleWith(v, edge.version))
          stack.push({ key: edge.target, version: edge.version, path: next });
      }
    }
    return result;
  }

  /** Turns ids into events, in stage order of first appearance. */
  materialize(ids: MatchIds): Record<string, T[]> {
    const out: Record<string, T[]> = {};
    for (const [stage, list] of ids) out[stage] = list.map((id) => this.events.get(id.seq)!.value);
    return out;
  }

  snapshot(): SharedBufferSnapshot<T> {
    return {
      nextSeq: this.nextSeq,
      events: [...this.events.values()].map((e) => [e.id.seq, e.id.ts, e.value, e.refs]),
      nodes: [...this.nodes].map(([k, n]) => [
        k,
        n.eventSeq,
        n.stage,
        n.refs,
        n.edges.map((e) => [e.target, [...e.version]]),
      ]),
    };
  }

  static restore<T>(s: SharedBufferSnapshot<T>): SharedBuffer<T> {
    const b = new SharedBuffer<T>();
    b.nextSeq = s.nextSeq;
    for (const [seq, ts, value, refs] of s.events) b.events.set(seq, { id: { ts, seq }, value, refs });
    for (const [key, seq, stage, refs, edges] of s.nodes) {
      b.nodes.set(key, {
        eventSeq: seq,
        stage,
        refs,
        edges: edges.map(([target, version]) => ({ target, version })),
      });
    }
    return b;
  }
}

/** A node's key: event sequence and stage, unique per buffer. */
function nodeKey(seq: number, stage: string): string {
  return `${seq}:${stage}`;
}
