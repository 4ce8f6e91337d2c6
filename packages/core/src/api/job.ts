import { Observable, Subject, Subscription } from 'rxjs';
import { IllegalArgumentError } from '../errors';
import type { Operator } from '../internal/operator';
import { Output } from '../internal/output';
import { newMetrics, type OperatorMetrics } from '../metrics';
import type { Batch, StreamElement, TimelineItem } from '../types';
import type { StreamNode } from './node';

/** A stream as `connect` and `execute` accept it: anything with a plan node. */
export interface HasNode<T> {
  readonly node: StreamNode<T>;
}

type ValueOf<S> = S extends HasNode<infer T> ? T : never;

/** Plain-data state of every stateful operator of a job, keyed by operator name. JSON-safe. */
export interface PipelineSnapshot {
  readonly version: 1;
  readonly operators: Readonly<Record<string, unknown>>;
}

export interface ConnectOptions {
  /** Restores operator state from a snapshot of an earlier run of the same pipeline. */
  readonly restore?: PipelineSnapshot;
}

interface Built {
  readonly name: string;
  readonly type: StreamNode<unknown>['type'];
  /** How many operators and outputs read the main channel. */
  consumers: number;
  readonly inputs: readonly Built[];
  readonly main: Subject<Batch<unknown>>;
  readonly sides: Map<string, Subject<Batch<unknown>>>;
  readonly operator: Operator<unknown, unknown> | undefined;
  readonly metrics: OperatorMetrics;
}

/**
 * One run of a pipeline: every operator built once, its outputs multicast, so a main output and
 * its side outputs observed together share one run. Build with `connect`, subscribe to `outputs`,
 * then `start()`. Outputs are hot: subscribe before `start()` (a synchronous source finishes inside
 * `start()`).
 *
 * @example
 * const job = connect({ totals, late: totals.getSideOutput(lateTag) });
 * job.outputs.totals.subscribe((t) => console.log('total', t));
 * job.outputs.late.subscribe((r) => console.log('late', r));
 * job.start();
 * await job.done;
 */
export class Job<S extends Record<string, HasNode<unknown>>> {
  /** Each output's values. */
  readonly outputs: { readonly [K in keyof S]: Observable<ValueOf<S[K]>> };
  /** Each output as a timeline: records with timestamps and watermarks, in order. */
  readonly timelines: { readonly [K in keyof S]: Observable<TimelineItem<ValueOf<S[K]>>> };
  /** Resolves when every output has completed; rejects with the first error. */
  readonly done: Promise<void>;

  private readonly built = new Map<StreamNode<unknown>, Built>();
  private readonly byName = new Map<string, Built>();
  private readonly sources: { node: Built; open: () => Observable<Batch<unknown>> }[] = [];
  private readonly running = new Subscription();
  private readonly wiring = new Subscription();
  private started = false;
  private closed = false;

  constructor(streams: S, options: ConnectOptions = {}) {
    const outputs: Record<string, Observable<unknown>> = {};
    const timelines: Record<string, Observable<unknown>> = {};
    const channels: Observable<Batch<unknown>>[] = [];
    for (const [key, stream] of Object.entries(streams)) {
      const channel = this.channel(stream.node);
      channels.push(channel);
      outputs[key] = values(channel);
      timelines[key] = timeline(channel);
    }
    this.outputs = outputs as Job<S>['outputs'];
    this.timelines = timelines as Job<S>['timelines'];
    if (options.restore) this.restore(options.restore);

    let pending = channels.length;
    this.done = new Promise<void>((resolve, reject) => {
      if (pending === 0) resolve();
      for (const channel of channels) {
        this.wiring.add(
          channel.subscribe({
            error: (err) => {
              this.stop();
              reject(err);
            },
            complete: () => {
              if (--pending === 0) {
                this.stop();
                resolve();
              }
            },
          }),
        );
      }
    });
    // A job nobody awaits must not report an unhandled rejection; awaiting `done` still throws.
    this.done.catch(() => {});
  }

  /** Opens the operators and subscribes to the sources. Idempotent. */
  start(): this {
    if (this.started || this.closed) return this;
    this.started = true;
    for (const b of this.built.values()) {
      if (b.operator === undefined) continue;
      // an operator that alone reads a source's fresh records may update them in place
      const only = b.inputs.length === 1 ? b.inputs[0]! : undefined;
      b.operator.exclusiveSourceInput = only !== undefined && only.type === 'source' && only.consumers === 1;
      b.operator.open();
    }
    for (const { node, open } of this.sources) {
      if (this.closed) break;
      this.running.add(open().subscribe(node.main));
    }
    return this;
  }

  /** Unsubscribes from the sources and closes every operator; outputs do not complete. */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.running.unsubscribe();
    for (const b of this.built.values()) b.operator?.close();
  }

  /** Live counters of every operator, in pipeline order (sources first). */
  metrics(): Record<string, Readonly<OperatorMetrics>> {
    const all: Record<string, OperatorMetrics> = {};
    for (const b of this.built.values()) all[b.name] = { ...b.metrics, custom: { ...b.metrics.custom } };
    return all;
  }

  /** The state of every stateful operator, as plain data. Take it between batches (any time outside a callback). */
  snapshot(): PipelineSnapshot {
    const operators: Record<string, unknown> = {};
    for (const b of this.built.values()) {
      const state = b.operator?.snapshot();
      if (state !== undefined) operators[b.name] = state;
    }
    return { version: 1, operators: structuredClone(operators) };
  }

  private restore(snapshot: PipelineSnapshot): void {
    for (const [name, state] of Object.entries(snapshot.operators)) {
      const b = this.byName.get(name);
      if (b?.operator === undefined) {
        throw new IllegalArgumentError(
          `connect: the snapshot holds state for operator "${name}", which this pipeline does not have (name stateful operators with .name() to keep them stable)`,
        );
      }
      b.operator.restore(structuredClone(state));
    }
  }

  private channel(node: StreamNode<unknown>): Subject<Batch<unknown>> {
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
    const b = this.build(node);
    b.consumers++;
    return b.main;
  }

  private build(node: StreamNode<unknown>): Built {
    const known = this.built.get(node);
    if (known) return known;
    if (node.type === 'side') throw new Error('unreachable: side outputs are channels, not nodes');
    const inputs = node.type === 'operator' ? node.inputs.map((n) => this.channel(n)) : [];
    const inputBuilt =
      node.type === 'operator' && node.inputs.every((n) => n.type !== 'side')
        ? node.inputs.map((n) => this.built.get(n)!)
        : [];
    const name = node.name ?? `${node.kind}-${this.built.size + 1}`;
    if (this.byName.has(name)) {
      throw new IllegalArgumentError(
        `connect: two operators are named "${name}"; operator names must be unique`,
      );
    }
    const metrics = newMetrics(name, node.kind);
    const main = new Subject<Batch<unknown>>();
    const sides = new Map<string, Subject<Batch<unknown>>>();
    let operator: Operator<unknown, unknown> | undefined;
    if (node.type === 'operator') {
      operator = node.create({ name, errorPolicy: node.errorPolicy, metrics });
      operator.out = new Output(metrics, name);
      operator.out.connectMain(main);
    }
    const b: Built = {
      name,
      type: node.type,
      consumers: 0,
      inputs: inputBuilt,
      main,
      sides,
      operator,
      metrics,
    };
    this.built.set(node, b);
    this.byName.set(name, b);
    if (node.type === 'source') {
      this.sources.push({ node: b, open: () => node.open(metrics) });
      // A source has no side outputs of its own; close any requested with the main output.
      this.wiring.add(
        main.subscribe({
          error: (err) => {
            for (const s of b.sides.values()) s.error(err);
          },
          complete: () => {
            for (const s of b.sides.values()) s.complete();
          },
        }),
      );
    } else if (operator) {
      this.wire(b, operator, inputs);
    }
    return b;
  }

  private wire(b: Built, op: Operator<unknown, unknown>, inputs: Subject<Batch<unknown>>[]): void {
    let remaining = inputs.length;
    let ended = false;
    const end = (err?: unknown): void => {
      if (ended) return;
      ended = true;
      op.close();
      for (const channel of [b.main, ...b.sides.values()]) {
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
              op.out.flush();
              end();
            }
          },
        }),
      );
    });
  }
}

function values<T>(channel: Observable<Batch<T>>): Observable<T> {
  return new Observable<T>((subscriber) =>
    channel.subscribe({
      next(batch) {
        for (let i = 0; i < batch.length; i++) {
          const el = batch[i]!;
          if (el.kind === 'record') subscriber.next(el.value);
        }
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    }),
  );
}

function timeline<T>(channel: Observable<Batch<T>>): Observable<TimelineItem<T>> {
  return new Observable<TimelineItem<T>>((subscriber) =>
    channel.subscribe({
      next(batch: readonly StreamElement<T>[]) {
        for (const el of batch) {
          if (el.kind === 'record') subscriber.next({ value: el.value, timestamp: el.timestamp });
          else if (el.kind === 'watermark') subscriber.next({ watermark: el.timestamp });
        }
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    }),
  );
}

/** Builds a job over named output streams (see `Job`). Nothing runs until `start()`. */
export function connect<S extends Record<string, HasNode<unknown>>>(
  streams: S,
  options?: ConnectOptions,
): Job<S> {
  return new Job(streams, options);
}

/** The result of `execute`: every output's values, and the operators' final metrics. */
export interface ExecutionResult<S extends Record<string, HasNode<unknown>>> {
  readonly outputs: { readonly [K in keyof S]: ValueOf<S[K]>[] };
  readonly metrics: Record<string, Readonly<OperatorMetrics>>;
}

/**
 * Runs a pipeline over bounded inputs once and collects every named output: the way to read a
 * main output and its side outputs together.
 *
 * @example
 * const { outputs, metrics } = await execute({ totals, late: totals.getSideOutput(lateTag) });
 */
export async function execute<S extends Record<string, HasNode<unknown>>>(
  streams: S,
  options?: ConnectOptions,
): Promise<ExecutionResult<S>> {
  const job = new Job(streams, options);
  const outputs: Record<string, unknown[]> = {};
  for (const key of Object.keys(streams)) {
    const sink: unknown[] = [];
    outputs[key] = sink;
    // Errors reach the caller through `done`.
    (job.outputs as Record<string, Observable<unknown>>)[key]!.subscribe({
      next: (v) => sink.push(v),
      error: () => {},
    });
  }
  job.start();
  await job.done;
  return { outputs: outputs as ExecutionResult<S>['outputs'], metrics: job.metrics() };
}
