/** One input's event-time progress, as a multi-input operator tracks it. */
export interface InputTime {
  watermark: number;
  idle: boolean;
}

/**
 * The combined watermark of several inputs: the minimum over the non-idle ones.
 * Laws: never above any active input's watermark; an idle input does not hold it back; with every
 * input idle it is `-Infinity` (no progress) and `allIdle` is true. Callers keep their output
 * monotonic by emitting only increases.
 */
export function mergeWatermarks(inputs: readonly InputTime[]): { watermark: number; allIdle: boolean } {
  let min = Number.POSITIVE_INFINITY;
  let active = 0;
  for (const input of inputs) {
    if (input.idle) continue;
    active++;
    if (input.watermark < min) min = input.watermark;
  }
  return active === 0
    ? { watermark: Number.NEGATIVE_INFINITY, allIdle: true }
    : { watermark: min, allIdle: false };
}
