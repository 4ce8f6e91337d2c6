import { DataStream, TumblingEventTimeWindows, WatermarkStrategy } from '@eventide/core';
import { createFleet, type MeterReading, readings } from '@eventide/generator';

/** Hourly electricity of a small New York fleet: readings in, hourly totals out. */
export async function hourlyTotals(services = 100, days = 1): Promise<{ hour: string; kWh: number }[]> {
  const fleet = createFleet({ seed: 7, services });
  const run = readings(fleet, { start: '2026-01-05T05:00:00Z', days });
  return DataStream.from(run.source())
    .filter((r) => r.commodity === 'electricity')
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forMonotonousTimestamps<MeterReading>().withTimestampAssigner(
        (r) => r.interval_start_ms,
      ),
    )
    .windowAll(TumblingEventTimeWindows.of(60 * 60_000))
    .aggregate(
      {
        createAccumulator: () => 0,
        add: (r, kWh) => kWh + r.interval_kWh,
        getResult: (kWh) => kWh,
        merge: (a, b) => a + b,
      },
      (ctx, [kWh]) => [{ hour: new Date(ctx.window.start).toISOString(), kWh: Number(kWh!.toFixed(3)) }],
    )
    .collect();
}
