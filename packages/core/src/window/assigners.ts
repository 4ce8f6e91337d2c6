import type { Json } from '../connectors';
import { IllegalArgumentError } from '../errors';
import { windowStart } from './time-window';

/**
 * Assigns each timestamp to event-time windows. `assign(t, starts)` writes the starts of the
 * windows containing `t` into `starts` and returns how many; a window is `[start, start + size)`,
 * or `[start, windowEnd(start))` when the assigner has windows of varying length (calendar days in
 * a time zone with daylight saving: 23, 24 or 25 hours). Merging assigners (sessions) produce one
 * window per element that the engine then merges.
 */
export interface WindowAssigner {
  readonly kind: 'tumbling' | 'sliding' | 'session';
  /** The window length, or for varying-length windows the longest one. */
  readonly size: number;
  readonly isMerging: boolean;
  assign(t: number, starts: number[]): number;
  /** For non-merging windows of varying length: the exclusive end of the window starting at `start`. */
  windowEnd?(start: number): number;
  /** The parameters that decide window boundaries, as JSON (checkpoints refuse state of other windows). */
  describe?(): Json;
}

/** Sliding windows per record above which `SlidingEventTimeWindows.of` refuses (default). */
export const MAX_WINDOWS_PER_RECORD = 10_000;

function checkDuration(api: string, what: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) {
    throw new IllegalArgumentError(`${api}: ${what} must be a finite number > 0, got ${v}`);
  }
}

/**
 * Fixed, non-overlapping windows `[start, start + size)` with `start ≡ offset (mod size)`.
 * @example TumblingEventTimeWindows.of(60 * 60_000) // hourly, aligned to the epoch
 */
export class TumblingEventTimeWindows implements WindowAssigner {
  readonly kind = 'tumbling';
  readonly isMerging = false;
  private constructor(
    readonly size: number,
    readonly offset: number,
  ) {}

  /**
   * @param size window length in ms, > 0
   * @param offset shift of window starts in ms, |offset| < size (e.g. a time zone: −5 h for New York days)
   */
  static of(size: number, offset = 0): TumblingEventTimeWindows {
    checkDuration('TumblingEventTimeWindows.of', 'size', size);
    if (!Number.isFinite(offset) || Math.abs(offset) >= size) {
      throw new IllegalArgumentError(
        `TumblingEventTimeWindows.of: offset must satisfy |offset| < size, got offset ${offset} and size ${size}`,
      );
    }
    return new TumblingEventTimeWindows(size, offset);
  }

  assign(t: number, starts: number[]): number {
    starts[0] = windowStart(t, this.offset, this.size);
    return 1;
  }

  describe(): Json {
    return { kind: this.kind, size: this.size, offset: this.offset };
  }
}

/**
 * Overlapping windows of length `size` starting every `slide`: an element belongs to
 * `ceil(size / slide)` windows (fewer when `slide` does not divide `size` for some timestamps).
 * @example SlidingEventTimeWindows.of(60 * 60_000, 15 * 60_000) // last hour, every 15 minutes
 */
export class SlidingEventTimeWindows implements WindowAssigner {
  readonly kind = 'sliding';
  readonly isMerging = false;
  private constructor(
    readonly size: number,
    readonly slide: number,
    readonly offset: number,
  ) {}

  /**
   * @param size window length in ms, > 0
   * @param slide distance between window starts in ms, > 0
   * @param offset shift of window starts in ms, |offset| < slide
   * @param options.maxWindowsPerRecord refuse a size/slide that puts a record in more windows
   *   than this (default 10,000): one hour sliding by 1 ms would be 3.6 M windows per record
   */
  static of(
    size: number,
    slide: number,
    offset = 0,
    options: { readonly maxWindowsPerRecord?: number } = {},
  ): SlidingEventTimeWindows {
    checkDuration('SlidingEventTimeWindows.of', 'size', size);
    checkDuration('SlidingEventTimeWindows.of', 'slide', slide);
    const max = options.maxWindowsPerRecord ?? MAX_WINDOWS_PER_RECORD;
    if (Math.ceil(size / slide) > max) {
      throw new IllegalArgumentError(
        `SlidingEventTimeWindows.of: size ${size} / slide ${slide} puts each record in ${Math.ceil(size / slide)} windows, more than maxWindowsPerRecord (${max})`,
      );
    }
    if (!Number.isFinite(offset) || Math.abs(offset) >= slide) {
      throw new IllegalArgumentError(
        `SlidingEventTimeWindows.of: offset must satisfy |offset| < slide, got offset ${offset} and slide ${slide}`,
      );
    }
    return new SlidingEventTimeWindows(size, slide, offset);
  }

  assign(t: number, starts: number[]): number {
    let n = 0;
    const last = windowStart(t, this.offset, this.slide);
    for (let start = last; start > t - this.size; start -= this.slide) starts[n++] = start;
    return n;
  }

  describe(): Json {
    return { kind: this.kind, size: this.size, slide: this.slide, offset: this.offset };
  }
}

/**
 * Session windows: each element opens `[t, t + gap)`; windows of a key that overlap or touch
 * merge, so a session ends after `gap` ms without elements.
 * @example EventTimeSessionWindows.withGap(30 * 60_000)
 */
export class EventTimeSessionWindows implements WindowAssigner {
  readonly kind = 'session';
  readonly isMerging = true;
  private constructor(readonly size: number) {}

  /** @param gap inactivity in ms that closes a session, > 0 */
  static withGap(gap: number): EventTimeSessionWindows {
    checkDuration('EventTimeSessionWindows.withGap', 'gap', gap);
    return new EventTimeSessionWindows(gap);
  }

  get gap(): number {
    return this.size;
  }

  assign(t: number, starts: number[]): number {
    starts[0] = t;
    return 1;
  }

  describe(): Json {
    return { kind: this.kind, gap: this.size };
  }
}
