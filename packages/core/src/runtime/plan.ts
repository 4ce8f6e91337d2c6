import { Subject } from 'rxjs';
import type { AnySink, SourcePosition } from '../connectors';
import { IllegalArgumentError } from '../errors';
import type { Operator, OperatorInit } from '../internal/operator';
import { Output } from '../internal/output';
import { newMetrics, type OperatorMetrics } from '../metrics';
import type { OutputTag } from '../output-tag';
import type { Batch, ErrorPolicy } from '../types';
import { SinkOperator, type WriteTracker } from './sink-operator';

/**
 * The logical plan that `DataStream` methods build, and its physical form for one run: every
 * operator built once, wired to its inputs through RxJS Subjects carrying batches. Nothing runs
 * until a job is connected: each run builds fresh operators from these descriptions.
 */
export type StreamNode<T> = SourceNode<T> | OperatorNode<T> | SideOutputNode<T> | SinkNode;

interface NodeBase {
  /** Used in default operator names (`window-3`). */
  readonly kind: string;
  name: string | undefined;
  errorPolicy: ErrorPolicy;
}

/**
 * What the pump pulls one source through: batches of elements (records without timestamps,
 * or explicit timelines), `null` at the end of a bounded input.
 */
export interface ElementReader<T> {
  read(): Batch<T> | null | PromiseLike<Batch<T> | null>;
  /** Where the reader stands after the batches returned so far; `undefined` when it cannot tell. */
  position(): SourcePosition | undefined;
  close(): void;
  /**
   * A push source (an Observable) has this instead of useful reads: it delivers batches as they
   * come, synchronously, and cannot be held back.
   */
  push?(deliver: (batch: Batch<T> | null) => void, fail: (err: unknown) => void): void;
}

export interface SourceNode<T> extends NodeBase {
  readonly type: 'source';
  /** Opens a run from the beginning, or right after `position`. */
  open(position: SourcePosition | undefined): ElementReader<T>;
}

export interface OperatorNode<T> extends NodeBase {
  readonly type: 'operator';
  readonly inputs: readonly StreamNode<unknown>[];
  create(init: OperatorInit): Operator<unknown, T>;
}

export interface SideOutputNode<T> extends NodeBase {
  readonly type: 'side';
  readonly parent: StreamNode<unknown>;
  readonly tag: OutputTag<T>;
}

/** A terminal vertex: the input's records go to a `Sink`; it emits nothing. */
export interface SinkNode extends NodeBase {
  readonly type: 'sink';
  readonly input: StreamNode<unknown>;
  readonly sink: AnySink<unknown>;
}

/** A stream as `connect` and `execute` accept it: anything with a plan node. */
export interface HasNode<T> {
  readonly node: StreamNode<T>;
}

export function operatorNode<I, O>(
  kind: string,
  inputs: readonly StreamNode<I>[],
  create: (init: OperatorInit) => Operator<I, O>,
  errorPolicy: ErrorPolicy = 'fail',
): OperatorNode<O> {
  return {
    type: 'operator',
    kind,
    name: undefined,
    errorPolicy,
    inputs: inputs as readonly StreamNode<unknown>[],
    create: create as (init: OperatorInit) => Operator<unknown, O>,
  };
}

/** One vertex of a running job. */
export interface Vertex {
  readonly name: string;
  readonly kind: string;
  readonly type: 'source' | 'operator' | 'sink';
  /** How many operators and outputs read the main channel. */
  consumers: number;
  readonly inputs: readonly Vertex[];
  readonly main: Subject<Batch<unknown>>;
  readonly sides: Map<string, Subject<Batch<unknown>>>;
  readonly operator: Operator<unknown, unknown> | undefined;
  readonly metrics: OperatorMetrics;
}

export interface SourceVertex {
  readonly vertex: Vertex;
  readonly node: SourceNode<unknown>;
}

/**
 * The physical graph of one run. `channel(node)` builds a node (and, recursively, its inputs)
 * once and returns the Subject its main output or side output travels on.
 */
export class PhysicalPlan {
  /** Every vertex, inputs before the operators that read them. */
  readonly vertices: Vertex[] = [];
  readonly sources: SourceVertex[] = [];
  readonly sinks: SinkOperator<unknown>[] = [];
  private readonly built = new Map<StreamNode<unknown>, Vertex>();
  private readonly byName = new Map<string, Vertex>();

  constructor(
    private readonly tracker: WriteTracker,
    /** Subscriptions that wire the graph; the job unsubscribes them when it ends. */
    private readonly wiring: { add(teardown: { unsubscribe(): void }): void },
  ) {}

  vertex(name: string): Vertex | undefined {
    return this.byName.get(name);
  }

  channel(node: StreamNode<unknown>): Subject<Batch<unknown>> {
    if (node.type === 'side') {
      const parent = this.build(node.parent);
      let side = parent.sides.get(node.tag.id);
      if (side === undefined) {
        side = new Subject();
        parent.sides.set(node.tag.id, side);
        parent.operator?.out.connectSide(node.tag.id, side);
      }
      return side;
    }
    const v = this.build(node);
    v.consumers++;
    return v.main;
  }

  private build(node: StreamNode<unknown>): Vertex {
    const known = this.built.get(node);
    if (known) return known;
    if (node.type === 'side') throw new Error('unreachable: side outputs are channels, not nodes');
    const inputNodes = node.type === 'operator' ? node.inputs : node.type === 'sink' ? [node.input] : [];
    const inputs = inputNodes.map((n) => this.channel(n));
    const inputVertices = inputNodes.every((n) => n.type !== 'side')
      ? inputNodes.map((n) => this.built.get(n)!)
      : [];
    const name = node.name ?? `${node.kind}-${this.built.size + 1}`;
    if (this.byName.has(name)) {
      throw new IllegalArgumentError(
        `connect: two operators are named "${name}"; operator names must be unique`,
      );
    }
    const metrics = newMetrics(name, node.kind);
    const main = new Subject<Batch<unknown>>();
    let operator: Operator<unknown, unknown> | undefined;
    const init: OperatorInit = { name, errorPolicy: node.errorPolicy, metrics };
    if (node.type === 'operator') operator = node.create(init);
    else if (node.type === 'sink') {
      const sink = new SinkOperator(init, node.sink, this.tracker);
      this.sinks.push(sink);
      operator = sink;
    }
    if (operator) {
      operator.out = new Output(metrics, name);
      operator.out.connectMain(main);
    }
    const v: Vertex = {
      name,
      kind: node.kind,
      type: node.type,
      consumers: 0,
      inputs: inputVertices,
      main,
      sides: new Map(),
      operator,
      metrics,
    };
    this.built.set(node, v);
    this.byName.set(name, v);
    this.vertices.push(v);
    if (node.type === 'source') {
      this.sources.push({ vertex: v, node });
      // A source has no side outputs of its own; close any requested with the main output.
      this.wiring.add(
        main.subscribe({
          error: (err) => {
            for (const s of v.sides.values()) s.error(err);
          },
          complete: () => {
            for (const s of v.sides.values()) s.complete();
          },
        }),
      );
    } else if (operator) {
      this.wire(v, operator, inputs);
    }
    return v;
  }

  private wire(v: Vertex, op: Operator<unknown, unknown>, inputs: Subject<Batch<unknown>>[]): void {
    let remaining = inputs.length;
    let ended = false;
    const end = (err?: unknown): void => {
      if (ended) return;
      ended = true;
      op.close();
      for (const channel of [v.main, ...v.sides.values()]) {
        if (err === undefined) channel.complete();
        else channel.error(err);
      }
    };
    inputs.forEach((input, index) => {
      this.wiring.add(
        input.subscribe({
          next: (batch) => {
            if (ended) return;
            try {
              op.processBatch(batch, index);
              op.out.flush();
            } catch (err) {
              end(err);
            }
          },
          error: (err) => end(err),
          complete: () => {
            if (--remaining === 0) {
              try {
                op.out.flush();
                end();
              } catch (err) {
                end(err);
              }
            }
          },
        }),
      );
    });
  }
}
