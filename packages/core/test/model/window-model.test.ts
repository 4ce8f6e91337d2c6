import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  connect,
  DataStream,
  type Job,
  type PipelineSnapshot,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index';

/**
 * Model-based test of keyed tumbling windows with allowed lateness: random sequences of
 * Ingest / AdvanceWatermark / SnapshotAndRestore commands run against the engine and against a
 * small model written from the time semantics, and after every command both must have emitted
 * the same firings.
 */
const SIZE = 10;
const LATENESS = 5;

type Input = { kind: 'rec'; key: string; t: number } | { kind: 'wm'; t: number };

interface Model {
  wm: number;
  /** Open windows: "key|start" → element timestamps, in arrival order. */
  windows: Map<string, number[]>;
  emitted: string[];
  late: number;
}

const firing = (id: string, ts: number[]) => `${id} [${ts.join(',')}]`;

/** The system under test: a pipeline fed through a Subject, restartable from a snapshot. */
class Real {
  input = new Subject<Input>();
  job!: Job<{ out: DataStream<string> }>;
  emitted: string[] = [];

  constructor() {
    this.start();
  }

  start(restore?: PipelineSnapshot): void {
    this.input = new Subject<Input>();
    const out = DataStream.from(this.input)
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forGenerator<Input>(() => ({
          onEvent(e, _ts, output) {
            if (e.kind === 'wm') output.emitWatermark(e.t);
          },
        })).withTimestampAssigner((e) => e.t),
      )
      .name('stamps')
      .filter((e): e is Extract<Input, { kind: 'rec' }> => e.kind === 'rec')
      .name('records')
      .keyBy((e) => e.key)
      .window(TumblingEventTimeWindows.of(SIZE))
      .allowedLateness(LATENESS)
      .process((key, ctx, els) => [
        firing(
          `${key}|${ctx.window.start}`,
          els.map((e) => e.t),
        ),
      ])
      .name('windows');
    this.job = connect({ out }, { restore });
    this.job.outputs.out.subscribe((s) => this.emitted.push(s));
    this.job.start();
  }
}

class Ingest implements fc.Command<Model, Real> {
  constructor(
    readonly key: string,
    readonly t: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const start = Math.floor(this.t / SIZE) * SIZE;
    const maxTs = start + SIZE - 1;
    const id = `${this.key}|${start}`;
    if (maxTs + LATENESS <= m.wm) m.late++;
    else {
      const ts = m.windows.get(id) ?? [];
      ts.push(this.t);
      m.windows.set(id, ts);
      if (maxTs <= m.wm) m.emitted.push(firing(id, ts));
    }
    r.input.next({ kind: 'rec', key: this.key, t: this.t });
    expect(r.emitted).toEqual(m.emitted);
  }
  toString = () => `Ingest(${this.key}, ${this.t})`;
}

class AdvanceWatermark implements fc.Command<Model, Real> {
  constructor(readonly t: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    if (this.t > m.wm) {
      const due = [...m.windows.entries()]
        .map(([id, ts]) => ({ id, ts, maxTs: Number(id.split('|')[1]) + SIZE - 1 }))
        .filter((w) => w.maxTs > m.wm && w.maxTs <= this.t)
        .sort((a, b) => a.maxTs - b.maxTs);
      for (const w of due) m.emitted.push(firing(w.id, w.ts));
      for (const [id] of m.windows)
        if (Number(id.split('|')[1]) + SIZE - 1 + LATENESS <= this.t) m.windows.delete(id);
      m.wm = this.t;
    }
    r.input.next({ kind: 'wm', t: this.t });
    // several windows may fire at one watermark: compare as sets within the step
    expect([...r.emitted].sort()).toEqual([...m.emitted].sort());
    r.emitted = [...m.emitted];
  }
  toString = () => `AdvanceWatermark(${this.t})`;
}

class SnapshotAndRestore implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    const snapshot = JSON.parse(JSON.stringify(r.job.snapshot())) as PipelineSnapshot;
    r.job.stop();
    r.start(snapshot);
    expect(r.job.metrics().windows!.openWindows).toBe(m.windows.size);
  }
  toString = () => 'SnapshotAndRestore';
}

describe('model-based: keyed tumbling windows with allowed lateness', () => {
  it('match the model after every command, across snapshots', () => {
    const commands = [
      fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 80 })).map(([k, t]) => new Ingest(k, t)),
      fc.integer({ min: 0, max: 90 }).map((t) => new AdvanceWatermark(t)),
      fc.constant(new SnapshotAndRestore()),
    ];
    const program = fc.commands(commands, { maxCommands: 40 });
    // programs of the declared length, not fast-check's default size of 10
    const lengths = fc.sample(program, { numRuns: 200, seed: 42 }).map((c) => [...c].length);
    expect(lengths.reduce((a, b) => a + b, 0) / lengths.length).toBeGreaterThan(15);
    expect(Math.max(...lengths)).toBe(40);
    fc.assert(
      fc.property(program, (cmds) => {
        fc.modelRun(
          () => ({
            model: { wm: Number.NEGATIVE_INFINITY, windows: new Map(), emitted: [], late: 0 },
            real: new Real(),
          }),
          cmds,
        );
      }),
    );
  });
});
