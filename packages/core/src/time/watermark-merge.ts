/** One input's event-time progress, as a multi-input operator tracks it. */
export interface InputTime {
  watermark: number;
  idle: boolean;
  /**
   * An input that comes back from idleness behind the combined watermark is not aligned: it does
   * not hold the combined watermark back until its own catches up (Flink's watermark valve).
   */
  aligned: boolean;
}

/**
 * The combined watermark of several inputs: the minimum over the inputs that are active and
 * aligned. Laws: never above any aligned active input's watermark; an idle or not-yet-aligned
 * input does not hold it back; with no such input it is `-Infinity` (no progress), and
 * `allIdle` says whether every input is idle. Callers keep their output monotonic by emitting
 * only increases.
 */
export function mergeWatermarks(inputs: readonly InputTime[]): { watermark: number; allIdle: boolean } {
  let min = Number.POSITIVE_INFINITY;
  let aligned = 0;
  let active = 0;
  for (const input of inputs) {
    if (input.idle) continue;
    active++;
    if (!input.aligned) continue;
    aligned++;
    if (input.watermark < min) min = input.watermark;
  }
  return { watermark: aligned === 0 ? Number.NEGATIVE_INFINITY : min, allIdle: active === 0 };
}
