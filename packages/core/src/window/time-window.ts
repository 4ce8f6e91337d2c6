/** A half-open event-time interval `[start, end)`; its last timestamp is `end − 1`. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/**
 * The start of the window of size `size` (offset `offset`) containing `t`:
 * `t − ((t − offset) mod size)` with a true modulo, so negative timestamps land in the window
 * below them. Law: `start ≤ t < start + size` and `(start − offset) mod size = 0`.
 */
export function windowStart(t: number, offset: number, size: number): number {
  const r = (t - offset) % size;
  return r < 0 ? t - (r + size) : t - r;
}

/**
 * Flink's session-window overlap: windows that touch (one's end equals the other's start) also
 * merge, so two elements exactly `gap` apart share a session.
 */
export function intersects(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart <= bEnd && aEnd >= bStart;
}
