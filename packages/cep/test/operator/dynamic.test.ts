import {
  connect,
  DataStream,
  execute,
  INVALID,
  type PipelineSnapshot,
  WatermarkStrategy,
} from '@eventide/core';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  CEP,
  ConditionRegistry,
  type DynamicInspector,
  type DynamicMatch,
  type PatternSpec,
  type PatternUpdate,
  type RefusedUpdate,
} from '../../src/index';

interface R {
  key: string;
  t: number;
  v: number;
}

/** a: v above `limit`, then b: the next reading also above it. */
const twoAbove = (limit: number): PatternSpec => ({
  version: 1,
  stages: [
    { link: 'begin', name: 'a', where: { expr: `v > ${limit}` } },
    { link: 'next', name: 'b', where: { expr: `v > ${limit}` } },
  ],
});
const show = (m: DynamicMatch<R, string>) =>
  `${m.patternId}@${m.version} ${m.key}: ${Object.values(m.match)
    .flat()
    .map((r) => r.t)
    .join(',')}`;

/** Readings keyed by meter, event time from `t` (an array, or a Subject fed by the test). */
function stream(rows: readonly R[] | Subject<R>) {
  return DataStream.from(rows as R[])
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner((r) => r.t),
    )
    .keyBy((r) => r.key);
}
const rows = (vs: readonly number[], key = 'k'): R[] => vs.map((v, i) => ({ key, t: (i + 1) * 10, v }));

describe('CEP.dynamicPatterns', () => {
  it('matches with each active pattern, naming its id and version', async () => {
    const updates: PatternUpdate[] = [
      { op: 'add', id: 'high', version: 1, pattern: twoAbove(5) },
      { op: 'add', id: 'low', version: 1, pattern: twoAbove(1) },
    ];
    const out = CEP.dynamicPatterns<R, string>(stream(rows([6, 7, 2, 3])), updates).map(show);
    const { outputs } = await execute({ out });
    expect(outputs.out).toEqual(['high@1 k: 10,20', 'low@1 k: 10,20', 'low@1 k: 20,30', 'low@1 k: 30,40']);
  });

  it('a replacement applies to events after its time; the old version keeps the events before', async () => {
    const updates: PatternUpdate[] = [
      { op: 'add', id: 'p', version: 1, pattern: twoAbove(5) },
      { op: 'replace', id: 'p', version: 2, pattern: twoAbove(1), at: 30 },
      { op: 'remove', id: 'p', at: 60 },
    ];
    // t:    10 20 30 40 50 60 70 80
    const input = rows([6, 7, 8, 2, 3, 4, 9, 9]);
    const out = CEP.dynamicPatterns<R, string>(stream(input), updates);
    const { outputs, metrics } = await execute({ out: out.map(show) });
    // v1 matches 10,20 and 20,30 (events at or before 30); its partial match started at 30 is
    // dropped; v2 sees 40.. and matches 40,50 and 50,60; after 60 nothing runs.
    expect(outputs.out).toEqual(['p@1 k: 10,20', 'p@1 k: 20,30', 'p@2 k: 40,50', 'p@2 k: 50,60']);
    const m = Object.values(metrics).find((x) => x.kind === 'dynamic-cep')!;
    expect(m.custom).toMatchObject({
      partialMatchesDiscarded: 2,
      updatesApplied: 3,
      patterns: 0,
      matches: 4,
    });
  });

  it('gives the same result whenever a timed update arrives, as long as it is before the watermark reaches its time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 300 }),
        fc.nat(),
        (vs, at, when) => {
          const input = rows(vs);
          const updates: PatternUpdate[] = [
            { op: 'add', id: 'p', version: 1, pattern: twoAbove(4), at: -1 },
            { op: 'replace', id: 'p', version: 2, pattern: twoAbove(6), at },
          ];
          const run = (sendAt: number) => {
            const u = new Subject<PatternUpdate>();
            const src = new Subject<R>();
            const matches = CEP.dynamicPatterns<R, string>(stream(src), u).map(show);
            const job = connect({ matches });
            const out: string[] = [];
            job.outputs.matches.subscribe((m) => out.push(m));
            job.start();
            u.next(updates[0]!);
            input.forEach((r, i) => {
              if (i === sendAt) u.next(updates[1]!);
              src.next(r);
            });
            if (sendAt >= input.length) u.next(updates[1]!);
            src.complete();
            return out;
          };
          // the reference: the replacement known from the start; sent later, it must still come
          // before the watermark passes `at` (here: before the first event after `at` is sent)
          const inTime = input.filter((r) => r.t <= at).length;
          expect(run(when % (inTime + 1))).toEqual(run(0));
          // and what it must be: v1 for pairs ending at or before `at`, v2 for pairs starting after it
          const expected: string[] = [];
          for (let i = 1; i < input.length; i++) {
            const [a, b] = [input[i - 1]!, input[i]!];
            if (b.t <= at && a.v > 4 && b.v > 4) expected.push(`p@1 k: ${a.t},${b.t}`);
            if (a.t > at && a.v > 6 && b.v > 6) expected.push(`p@2 k: ${a.t},${b.t}`);
          }
          expect(run(0)).toEqual(expected);
        },
      ),
    );
  });

  it('refuses updates it cannot apply, with the reason, and goes on', async () => {
    const updates = [
      { op: 'add', id: 'p', version: 1, pattern: twoAbove(5) },
      { op: 'add', id: 'p', version: 2, pattern: twoAbove(5) },
      { op: 'replace', id: 'q', version: 1, pattern: twoAbove(5) },
      { op: 'replace', id: 'p', version: 1, pattern: twoAbove(1) },
      { op: 'add', id: 'r', version: 1, pattern: { version: 1, stages: [{ link: 'next', name: 'a' }] } },
      { op: 'add', id: 's', version: 0, pattern: twoAbove(5) },
      { op: 'remove', id: 'nope' },
      { op: 'rename', id: 'p' },
      { op: 'add', id: 't', version: 1, pattern: twoAbove(5), at: 'soon' },
    ] as unknown as PatternUpdate[];
    const out = CEP.dynamicPatterns<R, string>(stream(rows([6, 7])), updates);
    const { outputs } = await execute({ out: out.map(show), invalid: out.getSideOutput(INVALID) });
    expect(outputs.out).toEqual(['p@1 k: 10,20']);
    // a bad time is refused when the update arrives, the rest when it is due
    expect(outputs.invalid.map((r) => (r.value as RefusedUpdate).reason)).toEqual([
      '"at" must be a finite event time, got "soon"',
      'add: pattern "p" exists (version 1); use replace',
      'replace: no pattern "q"; use add',
      'replace "p": version 1 is not above the active 1',
      'add "r" version 1: Pattern.fromJSON: at stages.0: the first stage links with "begin"',
      'add "s": "version" must be a positive integer, got 0',
      'remove: no pattern "nope"',
      '"op" must be add, replace, remove or set, got "rename"',
    ]);
  });

  it('uses named conditions from the registry', async () => {
    const conditions = new ConditionRegistry<R>().define(
      'above',
      ({ v }) =>
        (r) =>
          r.v > Number(v),
    );
    const spec: PatternSpec = {
      version: 1,
      stages: [
        { link: 'begin', name: 'a', where: { name: 'above', params: { v: 5 } } },
        { link: 'next', name: 'b', where: { name: 'above', params: { v: 5 } } },
      ],
    };
    const out = CEP.dynamicPatterns<R, string>(
      stream(rows([6, 7, 1])),
      [{ op: 'add', id: 'p', version: 1, pattern: spec }],
      {
        conditions,
      },
    );
    expect((await execute({ out: out.map(show) })).outputs.out).toEqual(['p@1 k: 10,20']);
  });

  it('keeps patterns, their partial matches and pending updates in snapshots', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 24 }), fc.nat(), (vs, cut) => {
        const input = rows(vs);
        const at = cut % (input.length + 1);
        const updates: PatternUpdate[] = [
          { op: 'add', id: 'p', version: 1, pattern: twoAbove(3) },
          { op: 'replace', id: 'p', version: 2, pattern: twoAbove(5), at: 120 },
        ];
        const start = (restore?: PipelineSnapshot, withUpdates = true) => {
          const src = new Subject<R>();
          const matches = CEP.dynamicPatterns<R, string>(stream(src), withUpdates ? updates : [])
            .name('dyn')
            .map(show);
          const job = connect({ matches }, { restore });
          const out: string[] = [];
          job.outputs.matches.subscribe((m) => out.push(m));
          job.start();
          return { src, job, out };
        };
        const whole = start();
        for (const r of input) whole.src.next(r);
        whole.src.complete();
        const first = start();
        for (const r of input.slice(0, at)) first.src.next(r);
        const snap = JSON.parse(JSON.stringify(first.job.snapshot())) as PipelineSnapshot;
        void first.job.stop();
        // the restored job gets no updates: the patterns and the pending replacement come from the snapshot
        const second = start(snap, false);
        for (const r of input.slice(at)) second.src.next(r);
        second.src.complete();
        expect([...first.out, ...second.out]).toEqual(whole.out);
      }),
    );
  });

  it("an inspector shows the active patterns and a key's partial matches", async () => {
    let inspector: DynamicInspector<string, R> | undefined;
    const src = new Subject<R>();
    const out = CEP.dynamicPatterns<R, string>(
      stream(src),
      [{ op: 'add', id: 'p', version: 3, pattern: twoAbove(5) }],
      { inspect: (i) => (inspector = i) },
    );
    const job = connect({ out });
    job.start();
    src.next({ key: 'k', t: 10, v: 9 });
    src.next({ key: 'k', t: 20, v: 0 });
    src.next({ key: 'k', t: 30, v: 8 });
    src.next({ key: 'k', t: 40, v: 1 });
    expect(inspector!.patterns()).toEqual({ p: 3 });
    // 30 has been released (the watermark is at 39): a partial match waits at b
    expect(inspector!.partialMatches('p', 'k')).toEqual([
      {
        taken: { a: [{ key: 'k', t: 30, v: 8 }] },
        waitingAt: 'b',
        startedAt: 30,
        lastAt: 30,
        deadline: Number.POSITIVE_INFINITY,
        completed: false,
      },
    ]);
    src.complete();
    await job.done;
  });

  it('set: the whole set at once — added, replaced when the version is higher, kept, removed', async () => {
    const updates: PatternUpdate[] = [
      {
        op: 'set',
        patterns: [
          { id: 'high', version: 1, pattern: twoAbove(5) },
          { id: 'low', version: 1, pattern: twoAbove(1) },
        ],
      },
      // 'high' unchanged (same version), 'low' removed, 'mid' added
      {
        op: 'set',
        at: 25,
        patterns: [
          { id: 'high', version: 1, pattern: twoAbove(5) },
          { id: 'mid', version: 1, pattern: twoAbove(3) },
        ],
      },
      // the same version with another pattern is refused; 'mid' replaced by version 2
      {
        op: 'set',
        at: 45,
        patterns: [
          { id: 'high', version: 1, pattern: twoAbove(0) },
          { id: 'mid', version: 2, pattern: twoAbove(7) },
        ],
      },
    ];
    // t:     10 20 30 40 50 60
    const out = CEP.dynamicPatterns<R, string>(stream(rows([6, 7, 4, 6, 8, 9])), updates);
    const { outputs } = await execute({ out: out.map(show), invalid: out.getSideOutput(INVALID) });
    expect(outputs.out).toEqual([
      'high@1 k: 10,20',
      'low@1 k: 10,20',
      'mid@1 k: 30,40',
      'high@1 k: 40,50',
      'high@1 k: 50,60',
      'mid@2 k: 50,60',
    ]);
    expect(outputs.invalid.map((r) => (r.value as RefusedUpdate).reason)).toEqual([
      'set "high": the pattern changed but its version (1) did not',
    ]);
  });
});
