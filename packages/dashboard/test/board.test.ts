import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlertItem,
  applyDelta,
  Board,
  type BoardSnapshot,
  healthOf,
  type PlaceValue,
  type SeriesPoint,
} from '../src/index';

type Op =
  | { kind: 'place'; v: PlaceValue }
  | { kind: 'point'; p: SeriesPoint }
  | { kind: 'alert'; a: AlertItem }
  | { kind: 'take' };

const small = fc.constantFrom('a', 'b', 'c');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({
      place: small,
      metric: fc.constantFrom('e', 'g'),
      t: fc.integer({ min: 0, max: 5 }),
      value: fc.integer(),
    })
    .map((v) => ({ kind: 'place' as const, v })),
  fc
    .record({
      series: small,
      metric: fc.constantFrom('e', 'g'),
      t: fc.integer({ min: 0, max: 20 }),
      value: fc.integer(),
    })
    .map((p) => ({ kind: 'point' as const, p })),
  fc
    .record({ type: small, subject: small, t: fc.nat(), detail: fc.string() })
    .map((a) => ({ kind: 'alert' as const, a })),
  fc.constant({ kind: 'take' as const }),
);

/** A snapshot in one canonical order, to compare. */
function canonical(s: BoardSnapshot) {
  const by =
    <T>(k: (x: T) => string) =>
    (a: T, b: T) =>
      k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0;
  return {
    places: [...s.places].sort(by((p: PlaceValue) => `${p.place}/${p.metric}`)),
    series: [...s.series].sort(
      by((p: SeriesPoint) => `${p.series}/${p.metric}/${String(p.t).padStart(3, '0')}`),
    ),
    alerts: s.alerts,
  };
}

/** What the board should hold after `ops`, computed directly from its description. */
function expected(ops: readonly Op[], maxAlerts: number) {
  const places = new Map<string, PlaceValue>();
  const series = new Map<string, SeriesPoint>();
  const alerts: (AlertItem & { n: number })[] = [];
  for (const o of ops) {
    if (o.kind === 'place') {
      const k = `${o.v.place}/${o.v.metric}`;
      const had = places.get(k);
      if (had === undefined || had.t <= o.v.t) places.set(k, o.v);
    } else if (o.kind === 'point') series.set(`${o.p.series}/${o.p.metric}/${o.p.t}`, o.p);
    else if (o.kind === 'alert') alerts.push({ ...o.a, n: alerts.length + 1 });
  }
  return canonical({
    places: [...places.values()],
    series: [...series.values()],
    alerts: alerts.slice(-maxAlerts),
    health: null,
  });
}

describe('Board', () => {
  it('holds the newest value per place, every point per series and time, alerts numbered in order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 10 }), (ops, maxAlerts) => {
        const board = new Board({ alerts: maxAlerts });
        for (const o of ops) {
          if (o.kind === 'place') board.addPlace(o.v);
          else if (o.kind === 'point') board.addPoint(o.p);
          else if (o.kind === 'alert') board.addAlert(o.a);
          else board.take();
        }
        expect(canonical(board.snapshot())).toEqual(expected(ops, maxAlerts));
      }),
    );
  });

  it('a snapshot plus the deltas after it equals the later snapshot; each alert is in one delta', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.nat({ max: 80 }), (ops, cut) => {
        const board = new Board({ alerts: 1000 });
        let view: BoardSnapshot | undefined;
        const sent: number[] = [];
        ops.forEach((o, i) => {
          if (i === cut) {
            // What the server does for a new viewer: send pending changes, then the snapshot.
            sent.push(...(board.take()?.alerts.map((a) => a.n) ?? []));
            view = board.snapshot();
          }
          if (o.kind === 'place') board.addPlace(o.v);
          else if (o.kind === 'point') board.addPoint(o.p);
          else if (o.kind === 'alert') board.addAlert(o.a);
          else {
            const d = board.take();
            if (d !== undefined && view !== undefined) {
              sent.push(...d.alerts.map((a) => a.n));
              view = applyDelta(view, d, 1000);
            }
            if (d !== undefined && view === undefined) sent.push(...d.alerts.map((a) => a.n));
          }
        });
        const d = board.take();
        if (d !== undefined) {
          sent.push(...d.alerts.map((a) => a.n));
          if (view !== undefined) view = applyDelta(view, d, 1000);
        }
        if (view !== undefined) expect(canonical(view)).toEqual(canonical(board.snapshot()));
        expect(sent).toEqual(Array.from({ length: board.alertsSeen }, (_, i) => i + 1));
      }),
    );
  });

  it('keeps at most pointsPerSeries points per series, dropping the oldest', () => {
    const board = new Board({ pointsPerSeries: 3 });
    for (const t of [5, 1, 4, 2, 3]) board.addPoint({ series: 's', metric: 'e', t, value: t });
    expect(board.snapshot().series.map((p) => p.t)).toEqual([3, 4, 5]);
  });

  it('rejects limits that are not positive integers', () => {
    expect(() => new Board({ alerts: 0 })).toThrow(/limits.alerts/);
    expect(() => new Board({ pointsPerSeries: 1.5 })).toThrow(/limits.pointsPerSeries/);
  });
});

describe('healthOf', () => {
  const op = (
    name: string,
    kind: string,
    o: Partial<Record<string, number>>,
    custom: Record<string, number> = {},
  ) => ({
    operator: name,
    kind,
    recordsIn: o.in ?? 0,
    recordsOut: o.out ?? 0,
    lateDropped: o.dropped ?? 0,
    lateSideOutput: o.side ?? 0,
    invalid: o.invalid ?? 0,
    currentWatermark: o.w ?? Number.NEGATIVE_INFINITY,
    openWindows: 0,
    keysHeld: 0,
    custom,
    watermarkLag: o.lag ?? Number.POSITIVE_INFINITY,
  });
  const checkpoints = {
    completed: 2,
    lastId: 2,
    lastDurationMs: 40,
    lastSizeBytes: 900,
    restoredFrom: undefined,
  };

  it('sums sources for the rate, the operators for late, invalid and partial matches', () => {
    const before = {
      at: 0,
      state: 'running' as const,
      checkpoints,
      operators: { src: op('src', 'source', { out: 1000 }) },
    };
    const now = {
      at: 4000,
      state: 'running' as const,
      checkpoints,
      operators: {
        src: op('src', 'source', { out: 9000, w: 100, lag: 0 }),
        win: op('win', 'window', { in: 9000, out: 10, dropped: 3, side: 4, w: 60, lag: 40 }),
        cep: op('cep', 'cep', { in: 9000, invalid: 2, w: 80, lag: 20 }, { partialMatches: 17 }),
        sink: op('sink', 'sink', {}),
      },
    };
    const h = healthOf(now, before, { rssBytes: 1, heapUsedBytes: 2 });
    expect(h).toMatchObject({
      recordsPerSecond: 2000,
      recordsIn: 9000,
      watermark: 100,
      eventTimeLag: 40,
      late: 7,
      invalid: 2,
      partialMatches: 17,
      checkpoints: { completed: 2, lastDurationMs: 40, lastSizeBytes: 900 },
    });
    expect(h.operators.find((o) => o.name === 'sink')).toMatchObject({ watermark: null, lag: null });
    expect(healthOf(now, undefined, { rssBytes: 1, heapUsedBytes: 2 }).recordsPerSecond).toBe(0);
  });

  it('says when the input has ended (watermarks at +Infinity) instead of showing a time', () => {
    const end = {
      at: 10,
      state: 'finished' as const,
      checkpoints,
      operators: { src: op('src', 'source', { out: 5, w: Number.POSITIVE_INFINITY, lag: 0 }) },
    };
    const h = healthOf(end, undefined, { rssBytes: 1, heapUsedBytes: 2 });
    expect(h).toMatchObject({ watermark: null, inputEnded: true });
    expect(h.operators[0]).toMatchObject({ watermark: null, inputEnded: true });
    const before = healthOf({ ...end, operators: { src: op('src', 'source', {}) } }, undefined, {
      rssBytes: 1,
      heapUsedBytes: 2,
    });
    expect(before).toMatchObject({ watermark: null, inputEnded: false });
  });
});
