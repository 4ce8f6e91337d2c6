/**
 * Per-operator counters, readable at any time from a running job (`Job.metrics()`).
 * Every record that enters an operator ends up in exactly one of: emitted (or absorbed into
 * state), `lateDropped`, `lateSideOutput`, `invalid`.
 */
export interface OperatorMetrics {
  readonly operator: string;
  readonly kind: string;
  recordsIn: number;
  recordsOut: number;
  lateDropped: number;
  lateSideOutput: number;
  invalid: number;
  /** The last watermark this operator forwarded; `-Infinity` before the first one. */
  currentWatermark: number;
  /** Windows holding state (window operators); 0 elsewhere. */
  openWindows: number;
  /** Keys holding state or timers (keyed operators); 0 elsewhere. */
  keysHeld: number;
  /** Operator-specific counters and gauges (e.g. CEP's partial matches), by name. */
  readonly custom: Record<string, number>;
}

export function newMetrics(operator: string, kind: string): OperatorMetrics {
  return {
    operator,
    kind,
    recordsIn: 0,
    recordsOut: 0,
    lateDropped: 0,
    lateSideOutput: 0,
    invalid: 0,
    currentWatermark: Number.NEGATIVE_INFINITY,
    openWindows: 0,
    keysHeld: 0,
    custom: {},
  };
}
