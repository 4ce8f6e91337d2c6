import { connect, DataStream, WatermarkStrategy } from '@eventide/core';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CEP, type CepInspector, Pattern } from '../../src/index';
import { NFATestHarness } from '../../src/testing/index';

// "Why didn't it fire?": the partial matches held, what they took, where they wait, until when.

interface R {
  meter: string;
  t: number;
  kWh: number;
}
const spike = Pattern.begin<R>('high')
  .where((r) => r.kWh > 0.4)
  .followedBy('higher')
  .where((r, ctx) => r.kWh > ctx.eventsForPattern('high')[0]!.kWh)
  .within(600_000);

describe('describing partial matches', () => {
  it('NFATestHarness.describe: stages taken, the stage waited at, the within deadline', () => {
    const h = NFATestHarness.forPattern(spike);
    h.process({ meter: 'm', t: 0, kWh: 0.5 }, 1000);
    h.process({ meter: 'm', t: 1, kWh: 0.45 }, 2000);
    expect(h.describe()).toEqual([
      {
        taken: { high: [{ meter: 'm', t: 0, kWh: 0.5 }] },
        waitingAt: 'higher',
        startedAt: 1000,
        lastAt: 1000,
        deadline: 601_000,
        completed: false,
      },
      {
        taken: { high: [{ meter: 'm', t: 1, kWh: 0.45 }] },
        waitingAt: 'higher',
        startedAt: 2000,
        lastAt: 2000,
        deadline: 602_000,
        completed: false,
      },
    ]);
    h.process({ meter: 'm', t: 2, kWh: 0.9 }, 3000);
    expect(h.describe()).toHaveLength(1);
  });

  it("PatternStream.inspect: a running operator's partial matches by key", async () => {
    let inspector: CepInspector<string, R> | undefined;
    const src = new Subject<R>();
    const matches = CEP.pattern(
      DataStream.from(src)
        .assignTimestampsAndWatermarks(
          WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner((r) => r.t),
        )
        .keyBy((r) => r.meter),
      spike,
    )
      .inspect<string>((i) => (inspector = i))
      .select((m) => m.higher![0]!.kWh);
    const job = connect({ matches });
    job.start();
    src.next({ meter: 'a', t: 100, kWh: 0.6 });
    src.next({ meter: 'b', t: 200, kWh: 0.1 });
    expect(inspector!.keys()).toEqual(['a']);
    expect(inspector!.partialMatches('a')[0]).toMatchObject({ waitingAt: 'higher', deadline: 600_100 });
    expect(inspector!.partialMatches('b')).toEqual([]);
    expect(inspector!.waiting).toBe(1); // b's reading waits for the watermark
    src.complete();
    await job.done;
  });
});
