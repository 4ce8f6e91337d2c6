// One key group's pipeline for `connectParallel` (see main.ts): the readings of the premises in
// this key group, hourly electricity per borough. Written once; each worker runs it per group.
import { DataStream, keyGroupOf, TumblingEventTimeWindows, WatermarkStrategy } from '@eventide/core';
import type { KeyGroupContext } from '@eventide/core/node';
import { createFleet, type MeterReading, premiseKey, readings, registrationOf } from '@eventide/generator';

export interface BoroughHour {
  readonly borough: string;
  readonly hour: string;
  readonly kWh: number;
}

export default function hourlyByBorough({ keyGroup, keyGroups }: KeyGroupContext) {
  const fleet = createFleet({ seed: 42, services: 200 });
  const mine = fleet.services.filter(
    (s) => keyGroupOf(premiseKey(registrationOf(s)), keyGroups) === keyGroup,
  );
  const boroughOf = new Map(mine.map((s) => [s.serviceId, s.premise.zip.borough as string]));
  const run = readings(fleet, { start: '2026-01-05T05:00:00Z', days: 1, services: mine });
  return {
    perBorough: DataStream.from(run.source())
      .name('readings')
      .filter((r) => r.commodity === 'electricity')
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<MeterReading>().withTimestampAssigner(
          (r) => r.interval_start_ms,
        ),
      )
      .keyBy((r) => boroughOf.get(r.service_uid)!)
      .window(TumblingEventTimeWindows.of(3_600_000))
      .aggregate(
        {
          createAccumulator: () => 0,
          add: (r: MeterReading, kWh: number) => kWh + r.quantity,
          getResult: (kWh: number) => kWh,
          merge: (a: number, b: number) => a + b,
        },
        (borough: string, ctx, [kWh]: readonly number[]): BoroughHour[] => [
          { borough, hour: new Date(ctx.window.start).toISOString(), kWh: kWh! },
        ],
      ),
  };
}
