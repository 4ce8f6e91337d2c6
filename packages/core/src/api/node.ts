import type { Observable } from 'rxjs';
import type { Operator, OperatorInit } from '../internal/operator';
import type { OperatorMetrics } from '../metrics';
import type { OutputTag } from '../output-tag';
import type { Batch, ErrorPolicy } from '../types';

/**
 * A vertex of the logical plan that `DataStream` methods build. Nothing runs until a job is
 * connected: each run builds fresh operators from these descriptions.
 */
export type StreamNode<T> = SourceNode<T> | OperatorNode<T> | SideOutputNode<T>;

interface NodeBase {
  /** Used in default operator names (`window-3`). */
  readonly kind: string;
  name: string | undefined;
  errorPolicy: ErrorPolicy;
}

export interface SourceNode<T> extends NodeBase {
  readonly type: 'source';
  /** A cold Observable of batches that ends with a `+∞` watermark when the input is bounded. */
  open(metrics: OperatorMetrics): Observable<Batch<T>>;
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
