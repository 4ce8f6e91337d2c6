import type { Json } from '../connectors';
import { decodeTime, encodeTime, expectShape } from '../internal/codec';
import { checkKey, NO_KEY } from '../internal/keys';
import { Operator, type OperatorInit } from '../internal/operator';
import type { Collector } from '../operators/keyed-process';
import type { OutputTag } from '../output-tag';
import { TimerQueue } from '../state/timer-queue';
import type { Batch } from '../types';
import type { WindowAggregation, WindowContext } from './aggregation';
import type { WindowAssigner } from './assigners';
import { intersects } from './time-window';

/** One window of one key. `seq` orders creation, so a restored job fires in the same order. */
interface WindowState<K, A> {
  readonly key: K;
  readonly start: number;
  readonly end: number;
  acc: A;
  alive: boolean;
  seq: number;
}

/**
 * All keys' windows over one time range (tumbling and sliding windows): one timer closes them
 * all, and a record costs one lookup in a small map of open ranges plus one by key.
 */
interface WindowRange<K, A> {
  readonly start: number;
  readonly end: number;
  readonly byKey: Map<K, WindowState<K, A>>;
  alive: boolean;
}

export interface WindowOperatorConfig<K, I, A, O> {
  readonly keySelector: (value: I) => K;
  readonly assigner: WindowAssigner;
  readonly allowedLateness: number;
  readonly lateTag: OutputTag<I> | undefined;
  readonly aggregation: WindowAggregation<K, I, A, O>;
}

/**
 * The one window engine behind tumbling, sliding and session windows, keyed or not (Flink's
 * `WindowOperator` with the event-time trigger).
 *
 * - A window fires when the watermark reaches `end − 1`, with timestamp `end − 1` on its results.
 * - An element whose windows all satisfy `end − 1 + allowedLateness ≤ watermark` is late: counted
 *   and dropped, or sent to the late tag. Otherwise it joins its non-late windows, and a window
 *   already past `end − 1` fires again at once (a late firing).
 * - State is cleared when the watermark reaches `end − 1 + allowedLateness`.
 * - Session windows merge on arrival (touching windows merge); the merged window gets new timers
 *   and the old windows' timers are ignored when they come due.
 * - Windows that fire at the same watermark fire in the order they were created.
 *
 * Fixed-size windows are stored by range (`WindowRange`), sessions by key (sorted, disjoint lists).
 */
export class WindowOperator<K, I, A, O> extends Operator<I, O> implements Collector<O> {
  /** Fixed-size windows: open ranges by start. */
  private readonly ranges = new Map<number, WindowRange<K, A>>();
  /** Fixed-size windows: how many open windows each key has (for `keysHeld`). */
  private readonly windowsPerKey = new Map<K, number>();
  /** Session windows: each key's sessions, sorted by start and disjoint. */
  private readonly sessions = new Map<K, WindowState<K, A>[]>();
  private readonly timers = new TimerQueue<WindowRange<K, A> | WindowState<K, A>>();
  private readonly starts: number[] = [];
  private readonly merging: boolean;
  private watermark = Number.NEGATIVE_INFINITY;
  private openCount = 0;
  private seq = 0;
  private emitTimestamp = 0;

  constructor(
    init: OperatorInit,
    private readonly config: WindowOperatorConfig<K, I, A, O>,
  ) {
    super(init);
    this.merging = config.assigner.isMerging;
  }

  collect(value: O): void {
    this.out.emit(value, this.emitTimestamp);
  }

  processBatch(batch: Batch<I>): void {
    const keySelector = this.config.keySelector;
    // windowAll's one global key is never checked; decided once per batch, not per record
    const checkKeys = (keySelector as unknown) !== NO_KEY;
    for (let i = 0; i < batch.length; i++) {
      const el = batch[i]!;
      if (el.kind === 'record') {
        this.metrics.recordsIn++;
        const ts = el.timestamp;
        if (!Number.isFinite(ts)) {
          this.out.invalid(
            `timestamp is not a finite number: ${ts} (assign timestamps before windowing)`,
            el.value,
            ts,
          );
          continue;
        }
        let key: K | undefined;
        let accepted: boolean;
        try {
          key = keySelector(el.value);
          if (checkKeys) checkKey(key, this.name, ts);
          accepted = this.merging
            ? this.addToSession(key, el.value, ts)
            : this.addToRanges(key, el.value, ts);
        } catch (e) {
          this.userError(e, el, key);
          continue;
        }
        if (!accepted) this.late(this.config.lateTag, el.value, ts);
      } else if (el.kind === 'watermark') {
        this.advance(el.timestamp);
      } else {
        this.out.emitStatus(el);
      }
    }
    this.updateGauges();
  }

  private updateGauges(): void {
    this.metrics.openWindows = this.openCount;
    this.metrics.keysHeld = this.merging ? this.sessions.size : this.windowsPerKey.size;
  }

  private addToRanges(key: K, value: I, ts: number): boolean {
    const { assigner, allowedLateness, aggregation } = this.config;
    const n = assigner.assign(ts, this.starts);
    const wm = this.watermark;
    let accepted = false;
    let skipped = 0;
    for (let i = 0; i < n; i++) {
      const start = this.starts[i]!;
      const end = assigner.windowEnd === undefined ? start + assigner.size : assigner.windowEnd(start);
      if (end - 1 + allowedLateness <= wm) {
        skipped++;
        continue;
      }
      accepted = true;
      let range = this.ranges.get(start);
      if (range === undefined) {
        range = { start, end, byKey: new Map(), alive: true };
        this.ranges.set(start, range);
        this.registerTimers(range);
      }
      let ws = range.byKey.get(key);
      if (ws === undefined) {
        ws = this.newWindow(key, start, end, aggregation.create());
        range.byKey.set(key, ws);
        this.windowsPerKey.set(key, (this.windowsPerKey.get(key) ?? 0) + 1);
      }
      ws.acc = aggregation.add(value, ws.acc);
      if (end - 1 <= wm) this.fire(ws);
    }
    // Late for some of its sliding windows but not all: it updates the others, and is counted.
    if (accepted && skipped > 0)
      this.metrics.custom.partiallyLate = (this.metrics.custom.partiallyLate ?? 0) + 1;
    return accepted;
  }

  private addToSession(key: K, value: I, ts: number): boolean {
    const { assigner, allowedLateness, aggregation } = this.config;
    const wm = this.watermark;
    let start = ts;
    let end = ts + assigner.size;
    const list = this.sessions.get(key) ?? [];
    let lo = -1;
    let hi = -1;
    for (let j = 0; j < list.length; j++) {
      const w = list[j]!;
      if (intersects(w.start, w.end, ts, ts + assigner.size)) {
        if (lo < 0) lo = j;
        hi = j;
        if (w.start < start) start = w.start;
        if (w.end > end) end = w.end;
      }
    }
    if (end - 1 + allowedLateness <= wm) return false;
    let ws: WindowState<K, A>;
    if (lo < 0) {
      ws = this.newWindow(key, start, end, aggregation.create());
      this.registerTimers(ws);
      insertSorted(list, ws);
      if (list.length === 1) this.sessions.set(key, list);
    } else if (lo === hi && list[lo]!.start === start && list[lo]!.end === end) {
      ws = list[lo]!;
    } else {
      let acc = list[lo]!.acc;
      list[lo]!.alive = false;
      for (let j = lo + 1; j <= hi; j++) {
        acc = aggregation.merge(acc, list[j]!.acc);
        list[j]!.alive = false;
      }
      this.openCount -= hi - lo + 1;
      ws = this.newWindow(key, start, end, acc);
      this.registerTimers(ws);
      list.splice(lo, hi - lo + 1, ws);
    }
    ws.acc = aggregation.add(value, ws.acc);
    if (end - 1 <= wm) this.fire(ws);
    return true;
  }

  private newWindow(key: K, start: number, end: number, acc: A): WindowState<K, A> {
    this.openCount++;
    return { key, start, end, acc, alive: true, seq: this.seq++ };
  }

  /** A fire timer at `end − 1` (unless already past) and a cleanup timer at `end − 1 + lateness`. */
  private registerTimers(w: WindowRange<K, A> | WindowState<K, A>): void {
    const maxTs = w.end - 1;
    const lateness = this.config.allowedLateness;
    if (maxTs > this.watermark) this.timers.add(maxTs, w);
    if (lateness > 0 || maxTs <= this.watermark) this.timers.add(maxTs + lateness, w);
  }

  private advance(t: number): void {
    if (t <= this.watermark) return;
    this.watermark = t;
    this.timers.advanceTo(t, this.onTimer);
    this.updateGauges();
    this.out.emitWatermark(t);
  }

  private readonly onTimer = (timestamp: number, w: WindowRange<K, A> | WindowState<K, A>): void => {
    if (!w.alive) return;
    const maxTs = w.end - 1;
    const isRange = 'byKey' in w;
    if (timestamp === maxTs) {
      if (isRange) for (const ws of w.byKey.values()) this.fire(ws);
      else this.fire(w);
    }
    if (timestamp === maxTs + this.config.allowedLateness) {
      if (isRange) this.closeRange(w);
      else this.closeSession(w);
    }
  };

  private fire(ws: WindowState<K, A>): void {
    const ctx: WindowContext<K> = {
      key: ws.key,
      window: { start: ws.start, end: ws.end },
      currentWatermark: this.watermark,
    };
    this.emitTimestamp = ws.end - 1;
    try {
      this.config.aggregation.emit(ws.key, ctx, ws.acc, this);
    } catch (e) {
      this.userErrorAt(e, undefined, ws.end - 1, ws.key);
    }
  }

  private closeRange(range: WindowRange<K, A>): void {
    range.alive = false;
    this.ranges.delete(range.start);
    this.openCount -= range.byKey.size;
    for (const key of range.byKey.keys()) {
      const n = this.windowsPerKey.get(key)! - 1;
      if (n === 0) this.windowsPerKey.delete(key);
      else this.windowsPerKey.set(key, n);
    }
  }

  private closeSession(ws: WindowState<K, A>): void {
    ws.alive = false;
    this.openCount--;
    const list = this.sessions.get(ws.key);
    if (list === undefined) return;
    const at = list.indexOf(ws);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.sessions.delete(ws.key);
  }

  override snapshot(): unknown {
    const all: WindowState<K, A>[] = [];
    for (const range of this.ranges.values()) all.push(...range.byKey.values());
    for (const list of this.sessions.values()) all.push(...list);
    all.sort((a, b) => a.seq - b.seq);
    const save = this.config.aggregation.save;
    return {
      watermark: encodeTime(this.watermark),
      windows: all.map((w) => [w.key, w.start, w.end, save(w.acc)]),
    };
  }

  override describe(): Json {
    const a = this.config.assigner;
    return {
      assigner: a.describe?.() ?? { kind: a.kind, size: a.size },
      allowedLateness: this.config.allowedLateness,
    };
  }

  override restore(state: unknown): void {
    expectShape(state, { watermark: 'time', windows: 'array' });
    const s = state as { watermark: unknown; windows: [K, number, number, unknown][] };
    this.watermark = decodeTime(s.watermark);
    this.ranges.clear();
    this.windowsPerKey.clear();
    this.sessions.clear();
    this.timers.clear();
    this.openCount = 0;
    // Re-created in creation order, so timers queue (and windows fire) as in the original run.
    for (const [key, start, end, data] of s.windows) {
      const acc = this.config.aggregation.load(data);
      if (this.merging) {
        const ws = this.newWindow(key, start, end, acc);
        this.registerTimers(ws);
        const list = this.sessions.get(key);
        if (list === undefined) this.sessions.set(key, [ws]);
        else insertSorted(list, ws);
      } else {
        let range = this.ranges.get(start);
        if (range === undefined) {
          range = { start, end, byKey: new Map(), alive: true };
          this.ranges.set(start, range);
          this.registerTimers(range);
        }
        range.byKey.set(key, this.newWindow(key, start, end, acc));
        this.windowsPerKey.set(key, (this.windowsPerKey.get(key) ?? 0) + 1);
      }
    }
    this.updateGauges();
  }
}

function insertSorted<K, A>(list: WindowState<K, A>[], ws: WindowState<K, A>): void {
  let at = 0;
  while (at < list.length && list[at]!.start < ws.start) at++;
  list.splice(at, 0, ws);
}
