import { describe, expect, it } from 'vitest';
import { DataStream, execute, INVALID, OperatorError } from '../../src/index';
import { rec, wm } from '../helpers/run';

describe('map, filter, flatMap', () => {
  it('keep timestamps and pass watermarks through', async () => {
    const tl = await DataStream.fromTimeline([rec(1, 10), wm(10), rec(2, 20), rec(3, 30)])
      .map((x) => x * 10)
      .filter((x) => x !== 20)
      .flatMap((x) => [x, x + 1])
      .collectTimeline();
    expect(tl).toEqual([
      { value: 10, timestamp: 10 },
      { value: 11, timestamp: 10 },
      { watermark: 10 },
      { value: 30, timestamp: 30 },
      { value: 31, timestamp: 30 },
      { watermark: Infinity },
    ]);
  });

  it('narrows the type with a type guard', async () => {
    const mixed: (string | number)[] = [1, 'a', 2];
    const nums: number[] = await DataStream.from(mixed)
      .filter((x): x is number => typeof x === 'number')
      .collect();
    expect(nums).toEqual([1, 2]);
  });
});

describe('user-function errors', () => {
  it('fail fast by default with an error naming operator, key and timestamp', async () => {
    const stream = DataStream.fromTimeline([rec({ id: 'm1', v: 1 }, 5), rec({ id: 'm2', v: 0 }, 7)])
      .keyBy((r) => r.id)
      .process<number>({
        processElement(r, _ctx, out) {
          if (r.v === 0) throw new Error('division by zero');
          out.collect(1 / r.v);
        },
      })
      .name('inverse');
    const err = await stream.collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperatorError);
    expect((err as OperatorError).message).toBe(
      'operator "inverse", key "m2", timestamp 7: division by zero',
    );
    expect((err as OperatorError).operator).toBe('inverse');
    expect((err as OperatorError).key).toBe('m2');
    expect((err as OperatorError).timestamp).toBe(7);
  });

  it("under onError('invalid') route the record to the invalid output and carry on", async () => {
    const mapped = DataStream.fromTimeline([rec('1', 1), rec('x', 2), rec('3', 3)])
      .map((s) => {
        const n = Number(s);
        if (Number.isNaN(n)) throw new Error(`not a number: ${s}`);
        return n;
      })
      .name('parse')
      .onError('invalid');
    const { outputs, metrics } = await execute({ main: mapped, invalid: mapped.getSideOutput(INVALID) });
    expect(outputs.main).toEqual([1, 3]);
    expect(outputs.invalid).toEqual([
      { reason: 'user function threw: not a number: x', value: 'x', timestamp: 2, operator: 'parse' },
    ]);
    expect(metrics.parse).toMatchObject({ recordsIn: 3, recordsOut: 2, invalid: 1 });
  });
});

describe('validate', () => {
  const rows = [{ kWh: 1 }, { kWh: -2 }, { kWh: 'x' }, { kWh: 4 }] as { kWh: unknown }[];

  it('accepts reason-returning functions', async () => {
    const checked = DataStream.from(rows).validate((r) =>
      typeof r.kWh !== 'number' ? 'kWh is not a number' : r.kWh < 0 ? 'kWh is negative' : undefined,
    );
    const { outputs, metrics } = await execute({ ok: checked, bad: checked.getSideOutput(INVALID) });
    expect(outputs.ok).toEqual([{ kWh: 1 }, { kWh: 4 }]);
    expect(outputs.bad.map((b) => [b.reason, b.value])).toEqual([
      ['kWh is negative', { kWh: -2 }],
      ['kWh is not a number', { kWh: 'x' }],
    ]);
    expect(metrics['validate-2']!.invalid).toBe(2);
  });

  it('accepts type guards and safeParse schemas', async () => {
    const guarded = await DataStream.from(rows)
      .validate((r): r is { kWh: number } => typeof r.kWh === 'number')
      .map((r) => r.kWh * 2)
      .collect();
    expect(guarded).toEqual([2, -4, 8]);
    const schema = {
      safeParse: (v: unknown) =>
        typeof (v as { kWh: unknown }).kWh === 'number'
          ? { success: true }
          : { success: false, error: { message: 'Expected number, received string' } },
    };
    const s = DataStream.from(rows).validate(schema);
    const { outputs } = await execute({ ok: s, bad: s.getSideOutput(INVALID) });
    expect(outputs.ok).toHaveLength(3);
    expect(outputs.bad[0]!.reason).toBe('Expected number, received string');
  });
});
