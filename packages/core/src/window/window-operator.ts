import { decodeTime, encodeTime } from '../internal/codec';
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
 */
export class WindowOperator<K, I, A, O> extends Operator<I, O> implements Collector<O> {
  private readonly windows = new Map<K, WindowState<K, A>[]>();
  private readonly timers = new TimerQueue<WindowState<K, A>>();
  private readonly starts: number[] = [];
  private watermark = Number.NEGATIVE_INFINITY;
  private openCount = 0;
  private seq = 0;
  private emitTimestamp = 0;

  constructor(
    init: OperatorInit,
    private readonly config: WindowOperatorConfig<K, I, A, O>,
  ) {
    super(init);
  }

  collect(value: O): void {
    this.out.emit(value, this.emitTimestamp);
  }

  processBatch(batch: Batch<I>): void {
    const { keySelector, assigner } = this.config;
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
          accepted = assigner.isMerging ? this.addToSession(key, el.value, ts) : this.addToWindows(key, el.value, ts);
        } catch (e) {
          this.userError(e, el, key);
          continue;
        }
        if (!accepted) this.late(el.value, ts);
      } else if (el.kind === 'watermark') {
        this.advance(el.timestamp);
      } else {
        this.out.emitStatus(el);
      }
    }
    this.metrics.openWindows = this.openCount;
    this.metrics.keysHeld = this.windows.size;
  }

  private late(value: I, ts: number): void {
    const tag = this.config.lateTag;
    if (tag) {
      this.metrics.lateSideOutput++;
      this.out.side(tag, value, ts);
    } else {
      this.metrics.lateDropped++;
    }
  }

  private addToWindows(key: K, value: I, ts: number): boolean {
    const { assigner, allowedLateness, aggregation } = this.config;
    const n = assigner.assign(ts, this.starts);
    const wm = this.watermark;
    let list: WindowState<K, A>[] | undefined;
    let accepted = false;
    for (let i = 0; i < n; i++) {
      const start = this.starts[i]!;
      const end = start + assigner.size;
      if (end - 1 + allowedLateness <= wm) continue;
      accepted = true;
      if (list === undefined) {
        list = this.windows.get(key);
        if (list === undefined) {
          list = [];
          this.windows.set(key, list);
        }
      }
      let ws: WindowState<K, A> | undefined;
      for (let j = 0; j < list.length; j++) {
        if (list[j]!.start === start) {
          ws = list[j];
          break;
        }
      }
      if (ws === undefined) {
        ws = this.createWindow(key, start, end, aggregation.create());
        list.push(ws);
      }
      ws.acc = aggregation.add(value, ws.acc);
      if (end - 1 <= wm) this.fire(ws);
    }
    return accepted;
  }

  private addToSession(key: K, value: I, ts: number): boolean {
    const { assigner, allowedLateness, aggregation } = this.config;
    const wm = this.watermark;
    let start = ts;
    let end = ts + assigner.size;
    const list = this.windows.get(key) ?? [];
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
      ws = this.createWindow(key, start, end, aggregation.create());
      let at = 0;
      while (at < list.length && list[at]!.start < start) at++;
      list.splice(at, 0, ws);
      if (list.length === 1) this.windows.set(key, list);
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
      ws = this.createWindow(key, start, end, acc);
      list.splice(lo, hi - lo + 1, ws);
    }
    ws.acc = aggregation.add(value, ws.acc);
    if (end - 1 <= wm) this.fire(ws);
    return true;
  }

  private createWindow(key: K, start: number, end: number, acc: A): WindowState<K, A> {
    const ws: WindowState<K, A> = { key, start, end, acc, alive: true, seq: this.seq++ };
    this.openCount++;
    this.registerTimers(ws);
    return ws;
  }

  private registerTimers(ws: WindowState<K, A>): void {
    const maxTs = ws.end - 1;
    const lateness = this.config.allowedLateness;
    if (maxTs > this.watermark) this.timers.add(maxTs, ws);
    if (lateness > 0 || maxTs <= this.watermark) this.timers.add(maxTs + lateness, ws);
  }

  private advance(t: number): void {
    if (t <= this.watermark) return;
    this.watermark = t;
    this.timers.advanceTo(t, this.onTimer);
    this.metrics.openWindows = this.openCount;
    this.metrics.keysHeld = this.windows.size;
    this.out.emitWatermark(t);
  }

  private readonly onTimer = (timestamp: number, ws: WindowState<K, A>): void => {
    if (!ws.alive) return;
    const maxTs = ws.end - 1;
    if (timestamp === maxTs) this.fire(ws);
    if (timestamp === maxTs + this.config.allowedLateness) this.cleanup(ws);
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

  private cleanup(ws: WindowState<K, A>): void {
    ws.alive = false;
    this.openCount--;
    const list = this.windows.get(ws.key);
    if (list === undefined) return;
    const at = list.indexOf(ws);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.windows.delete(ws.key);
  }

  override snapshot(): unknown {
    const all: WindowState<K, A>[] = [];
    for (const list of this.windows.values()) all.push(...list);
    all.sort((a, b) => a.seq - b.seq);
    const save = this.config.aggregation.save;
    return {
      watermark: encodeTime(this.watermark),
      windows: all.map((w) => [w.key, w.start, w.end, save(w.acc)]),
    };
  }

  override restore(state: unknown): void {
    const s = state as { watermark: unknown; windows: [K, number, number, unknown][] };
    this.watermark = decodeTime(s.watermark);
    this.windows.clear();
    this.timers.clear();
    this.openCount = 0;
    for (const [key, start, end, data] of s.windows) {
      const ws = this.createWindow(key, start, end, this.config.aggregation.load(data));
      const list = this.windows.get(key);
      if (list === undefined) this.windows.set(key, [ws]);
      else {
        let at = 0;
        while (at < list.length && list[at]!.start < start) at++;
        list.splice(at, 0, ws);
      }
    }
    this.metrics.openWindows = this.openCount;
    this.metrics.keysHeld = this.windows.size;
  }
}
