import type { JobMetrics } from '@eventide/core';
import type {
  AlertItem,
  BoardDelta,
  BoardSnapshot,
  Health,
  NumberedAlert,
  PlaceValue,
  SeriesPoint,
} from './wire';

/**
 * What a dashboard shows, held as plain data: the latest value per map place, time series, an
 * alert feed and the pipeline's health. The server feeds it and ships its changes; it does no IO.
 *
 * Laws (tested): applying every delta to the snapshot taken before them gives the snapshot taken
 * after them; each alert appears in exactly one delta, in arrival order, numbered 1, 2, 3, …; a
 * value that arrives again for the same place, metric and time replaces the earlier one.
 */

/** How much a board keeps. */
export interface BoardLimits {
  /** Alerts kept for new viewers (default 500); every alert is still sent once to connected ones. */
  readonly alerts?: number;
  /** Points kept per series and metric (default 24 × 31: a month of hours). */
  readonly pointsPerSeries?: number;
}

/** Sums a custom counter over operators (CEP reports `partialMatches`). */
function custom(m: JobMetrics['operators'][string], name: string): number {
  return m.custom[name] ?? 0;
}

/** The health view of one metrics snapshot; `previous` gives the rate. */
export function healthOf(
  m: JobMetrics,
  previous: JobMetrics | undefined,
  memory: { rssBytes: number; heapUsedBytes: number },
): Health {
  const ops = Object.values(m.operators);
  const produced = (x: JobMetrics) =>
    Object.values(x.operators)
      .filter((o) => o.kind === 'source')
      .reduce((s, o) => s + o.recordsOut, 0);
  const seconds = previous === undefined ? 0 : (m.at - previous.at) / 1000;
  const finite = (w: number) => (Number.isFinite(w) ? w : null);
  let front = Number.NEGATIVE_INFINITY;
  let lag: number | null = null;
  let ended = false;
  for (const o of ops) {
    if (o.currentWatermark === Number.POSITIVE_INFINITY) ended = true;
    if (Number.isFinite(o.currentWatermark)) front = Math.max(front, o.currentWatermark);
    if (Number.isFinite(o.watermarkLag)) lag = Math.max(lag ?? 0, o.watermarkLag);
  }
  return {
    state: m.state,
    at: m.at,
    recordsPerSecond: seconds > 0 ? Math.max(0, (produced(m) - produced(previous!)) / seconds) : 0,
    recordsIn: produced(m),
    watermark: finite(front),
    inputEnded: ended,
    eventTimeLag: lag,
    late: ops.reduce((s, o) => s + o.lateDropped + o.lateSideOutput, 0),
    invalid: ops.reduce((s, o) => s + o.invalid, 0),
    partialMatches: ops.reduce((s, o) => s + custom(o, 'partialMatches'), 0),
    checkpoints: {
      completed: m.checkpoints.completed,
      lastDurationMs: m.checkpoints.lastDurationMs,
      lastSizeBytes: m.checkpoints.lastSizeBytes,
    },
    memory,
    operators: ops.map((o) => ({
      name: o.operator,
      kind: o.kind,
      recordsIn: o.recordsIn,
      recordsOut: o.recordsOut,
      watermark: finite(o.currentWatermark),
      inputEnded: o.currentWatermark === Number.POSITIVE_INFINITY,
      lag: Number.isFinite(o.watermarkLag) ? o.watermarkLag : null,
      late: o.lateDropped + o.lateSideOutput,
      invalid: o.invalid,
      partialMatches: custom(o, 'partialMatches'),
    })),
  };
}

const keyOf = (a: string, b: string) => `${a}\u0000${b}`;

/**
 * The dashboard's state. `add*` record what arrives; `take()` returns the changes since the last
 * `take()` (or nothing); `snapshot()` returns everything kept.
 */
export class Board {
  private readonly places = new Map<string, PlaceValue>();
  /** Per series and metric: points by time, kept in time order on read. */
  private readonly series = new Map<string, Map<number, SeriesPoint>>();
  private readonly alerts: NumberedAlert[] = [];
  private health: Health | null = null;
  private alertCount = 0;
  private changed = {
    places: new Map<string, PlaceValue>(),
    series: new Map<string, SeriesPoint>(),
    alerts: [] as NumberedAlert[],
    health: false,
  };
  private readonly maxAlerts: number;
  private readonly maxPoints: number;

  constructor(limits: BoardLimits = {}) {
    this.maxAlerts = limits.alerts ?? 500;
    this.maxPoints = limits.pointsPerSeries ?? 24 * 31;
    for (const [k, v] of [
      ['alerts', this.maxAlerts],
      ['pointsPerSeries', this.maxPoints],
    ] as const) {
      if (!(Number.isInteger(v) && v > 0)) {
        throw new RangeError(`serveDashboard: limits.${k} must be a positive integer, got ${v}`);
      }
    }
  }

  /** Keeps the newest value per place and metric (a later time, or the same time again). */
  addPlace(v: PlaceValue): void {
    const k = keyOf(v.place, v.metric);
    const had = this.places.get(k);
    if (had !== undefined && had.t > v.t) return;
    this.places.set(k, v);
    this.changed.places.set(k, v);
  }

  addPoint(p: SeriesPoint): void {
    const k = keyOf(p.series, p.metric);
    let points = this.series.get(k);
    if (points === undefined) {
      points = new Map();
      this.series.set(k, points);
    }
    points.set(p.t, p);
    if (points.size > this.maxPoints) {
      // Drop the oldest: a Map iterates in insertion order, which for a series is nearly time order.
      let oldest = Number.POSITIVE_INFINITY;
      for (const t of points.keys()) oldest = Math.min(oldest, t);
      points.delete(oldest);
      if (oldest === p.t) return;
    }
    this.changed.series.set(`${k}\u0000${p.t}`, p);
  }

  addAlert(a: AlertItem): NumberedAlert {
    const numbered: NumberedAlert = { ...a, n: ++this.alertCount };
    this.alerts.push(numbered);
    if (this.alerts.length > this.maxAlerts) this.alerts.shift();
    this.changed.alerts.push(numbered);
    return numbered;
  }

  setHealth(h: Health): void {
    this.health = h;
    this.changed.health = true;
  }

  /** The changes since the previous call, or undefined when nothing changed. */
  take(): BoardDelta | undefined {
    const c = this.changed;
    if (c.places.size === 0 && c.series.size === 0 && c.alerts.length === 0 && !c.health) return undefined;
    this.changed = { places: new Map(), series: new Map(), alerts: [], health: false };
    return {
      places: [...c.places.values()],
      series: [...c.series.values()].sort((a, b) => a.t - b.t),
      alerts: c.alerts,
      health: c.health ? this.health : null,
    };
  }

  snapshot(): BoardSnapshot {
    const series: SeriesPoint[] = [];
    for (const points of this.series.values()) series.push(...points.values());
    series.sort((a, b) => a.t - b.t);
    return { places: [...this.places.values()], series, alerts: [...this.alerts], health: this.health };
  }

  /** Alerts received so far (also those no longer kept). */
  get alertsSeen(): number {
    return this.alertCount;
  }
}

/**
 * Applies a delta to a snapshot (what the page does). Snapshot + deltas = a later snapshot, for
 * the alerts a viewer keeps (the newest `maxAlerts`).
 */
export function applyDelta(s: BoardSnapshot, d: BoardDelta, maxAlerts = 500): BoardSnapshot {
  const places = new Map(s.places.map((p) => [keyOf(p.place, p.metric), p]));
  for (const p of d.places) {
    const had = places.get(keyOf(p.place, p.metric));
    if (had === undefined || had.t <= p.t) places.set(keyOf(p.place, p.metric), p);
  }
  const series = new Map(s.series.map((p) => [`${keyOf(p.series, p.metric)}\u0000${p.t}`, p]));
  for (const p of d.series) series.set(`${keyOf(p.series, p.metric)}\u0000${p.t}`, p);
  return {
    places: [...places.values()],
    series: [...series.values()].sort((a, b) => a.t - b.t),
    alerts: [...s.alerts, ...d.alerts].slice(-maxAlerts),
    health: d.health ?? s.health,
  };
}
