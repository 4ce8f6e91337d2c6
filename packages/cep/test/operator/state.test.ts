import { connect, DataStream, type PipelineSnapshot, WatermarkStrategy } from '@eventide/core';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CEP, type Match, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';

interface R {
  key: string;
  t: number;
  v: number;
}
const show = (m: Match<R>) =>
  Object.entries(m)
    .map(([k, es]) => `${k}:${es.map((e) => `${e.key}@${e.t}`).join(',')}`)
    .join(' ');

const pattern = Pattern.begin<R>('a')
  .where((r) => r.v > 2)
  .followedByAny('b')
  .where((r) => r.v > 5)
  .oneOrMore()
  .followedBy('c')
  .where((r) => r.v === 0)
  .within(50);

function job(restore?: PipelineSnapshot) {
  const input = new Subject<R>();
  const matches = CEP.pattern(
    DataStream.from(input)
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forBoundedOutOfOrderness<R>(5).withTimestampAssigner((r) => r.t),
      )
      .keyBy((r) => r.key),
    pattern,
  )
    .select(show)
    .name('cep');
  const j = connect({ matches }, { restore });
  const out: string[] = [];
  j.outputs.matches.subscribe((m) => out.push(m));
  j.start();
  return { input, j, out };
}

describe('CEP operator state', () => {
  it('a job restored from a snapshot mid-stream emits exactly what an uninterrupted run does', () => {
    const reading = fc.record({
      key: fc.constantFrom('k1', 'k2'),
      t: fc.integer({ min: 0, max: 200 }),
      v: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 40 }), fc.nat(), (rows, cut) => {
        const at = cut % (rows.length + 1);
        const whole = job();
        for (const r of rows) whole.input.next(r);
        whole.input.complete();
        const first = job();
        for (const r of rows.slice(0, at)) first.input.next(r);
        const snap = JSON.parse(JSON.stringify(first.j.snapshot())) as PipelineSnapshot;
        first.j.stop();
        const second = job(snap);
        for (const r of rows.slice(at)) second.input.next(r);
        second.input.complete();
        expect([...first.out, ...second.out]).toEqual(whole.out);
        expect(second.j.metrics().cep!.custom.matches).toBe(whole.j.metrics().cep!.custom.matches);
      }),
    );
  });

  it('reports partial matches held, and frees them when their window closes', () => {
    const { input, j } = job();
    input.next({ key: 'k1', t: 0, v: 3 });
    input.next({ key: 'k1', t: 1, v: 7 });
    input.next({ key: 'k2', t: 20, v: 1 }); // watermark 14: both k1 events are fed
    const m = j.metrics().cep!;
    expect(m.custom.partialMatches).toBeGreaterThan(0);
    // only k1 holds partial matches: k2's reading opened none
    expect(m.keysHeld).toBe(1);
    input.next({ key: 'k2', t: 100, v: 1 }); // watermark 94 ≥ 0 + 50: k1's partial matches time out
    expect(j.metrics().cep!.custom.partialMatches).toBe(0);
    expect(j.metrics().cep!.custom.timeouts).toBeGreaterThan(0);
    j.stop();
  });

  it('caps partial matches per key, dropping the oldest and counting them', () => {
    const anyPair = Pattern.begin<number>('a')
      .followedByAny('b')
      .where((x) => x < 0);
    const capped = NFATestHarness.forPattern(anyPair, { maxPartialMatches: 3 });
    for (let i = 1; i <= 10; i++) capped.process(i, i);
    expect(capped.partialMatches).toBe(3);
    // the survivors are the newest starts: 8, 9, 10
    expect(capped.process(-1, 11).map((m) => m.a![0])).toEqual([8, 9, 10]);
    const input = new Subject<number>();
    const stream = CEP.pattern(DataStream.from(input), anyPair, { maxPartialMatchesPerKey: 3 })
      .select((m) => m.a![0])
      .name('cep');
    const j = connect({ stream }).start();
    for (let i = 1; i <= 10; i++) input.next(i);
    expect(j.metrics().cep!.custom.partialMatchesDropped).toBe(7);
    j.stop();
  });

  it('stores each event once however many partial matches share it', () => {
    const h = NFATestHarness.forPattern(Pattern.begin<number>('a').followedByAny('b').followedByAny('c'));
    for (let i = 1; i <= 6; i++) h.process(i, i);
    expect(h.bufferSize.events).toBe(6);
    expect(h.partialMatches).toBeGreaterThan(6);
  });
});
