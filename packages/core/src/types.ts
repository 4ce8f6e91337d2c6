/**
 * The element model every operator shares. A stream carries records and, in-band between them,
 * watermarks and idleness status changes. Operators exchange them in batches (plain arrays) so the
 * per-element cost is a loop iteration, not an Observable emission.
 */

/** A value with its event timestamp in epoch milliseconds; `NaN` when no timestamp was assigned. */
export interface StreamRecord<T> {
  readonly kind: 'record';
  readonly value: T;
  readonly timestamp: number;
}

/**
 * `W(t)`: no more records with timestamp ≤ t are expected on this stream. Watermarks are
 * monotonic per stream; `+Infinity` marks the end of a bounded input.
 */
export interface Watermark {
  readonly kind: 'watermark';
  readonly timestamp: number;
}

/**
 * An input that stopped sending (idle) or started again (active). Multi-input operators leave
 * idle inputs out of the minimum watermark.
 */
export interface WatermarkStatus {
  readonly kind: 'status';
  readonly idle: boolean;
}

/** Anything that travels on a stream. */
export type StreamElement<T> = StreamRecord<T> | Watermark | WatermarkStatus;

/** What operators hand to each other: a batch of elements in arrival order. */
export type Batch<T> = readonly StreamElement<T>[];

/** Processing-time clock; an RxJS `SchedulerLike` satisfies it. Operators never read `Date.now()`. */
export interface Clock {
  now(): number;
}

/** One item of an explicit timeline (see `DataStream.fromTimeline`). */
export type TimelineItem<T> =
  | { readonly value: T; readonly timestamp?: number }
  | { readonly watermark: number };

/** A record rejected by an operator: the reason, the record and where it happened. */
export interface InvalidRecord<T = unknown> {
  readonly reason: string;
  readonly value: T;
  readonly timestamp: number;
  readonly operator: string;
}

/** How an operator treats an exception thrown by a user function. */
export type ErrorPolicy = 'fail' | 'invalid';

export function record<T>(value: T, timestamp: number): StreamRecord<T> {
  return { kind: 'record', value, timestamp };
}

export function watermark(timestamp: number): Watermark {
  return { kind: 'watermark', timestamp };
}

export const IDLE: WatermarkStatus = Object.freeze({ kind: 'status', idle: true });
export const ACTIVE: WatermarkStatus = Object.freeze({ kind: 'status', idle: false });
