import {
  connect,
  DataStream,
  OutputTag,
  type TimelineItem,
  TumblingEventTimeWindows,
  type WindowContext,
} from '@eventide/core';

/**
 * Watermarks, allowed lateness and the late side output on a tiny timeline: one meter, 10-minute
 * windows, 5 minutes of allowed lateness. Times are minutes for readability.
 */

export interface Reading {
  readonly meter: string;
  readonly kWh: number;
}

const r = (minute: number, kWh: number): TimelineItem<Reading> => ({
  value: { meter: 'm1', kWh },
  timestamp: minute,
});
const w = (minute: number): TimelineItem<Reading> => ({ watermark: minute });

/** Arrival order: readings with their event times, and the watermarks the source promised. */
export const TIMELINE: readonly TimelineItem<Reading>[] = [
  r(1, 0.1),
  r(4, 0.2),
  r(12, 0.3),
  w(9), // [0, 10) fires: 0.1 + 0.2
  r(7, 0.4), // behind the watermark but within the allowed lateness: [0, 10) fires again
  w(14), // 14 = 9 + 5: [0, 10) is now closed for good
  r(8, 0.5), // too late: goes to the late side output
  r(15, 0.6),
  w(25), // [10, 20) fires
];

export const LATE = new OutputTag<Reading>('late');

export async function lateData(): Promise<{ firings: string[]; late: string[] }> {
  const windows = DataStream.fromTimeline(TIMELINE)
    .keyBy((x) => x.meter)
    .window(TumblingEventTimeWindows.of(10))
    .allowedLateness(5)
    .sideOutputLateData(LATE)
    .process((meter, ctx: WindowContext<string>, readings) => [
      `${meter} [${ctx.window.start}, ${ctx.window.end}) at watermark ${ctx.currentWatermark}: ${readings
        .reduce((a, x) => a + x.kWh, 0)
        .toFixed(1)} kWh from ${readings.length} readings`,
    ]);
  const firings: string[] = [];
  const late: string[] = [];
  const job = connect({ windows, late: windows.getSideOutput(LATE) });
  job.outputs.windows.subscribe((s) => firings.push(s));
  job.outputs.late.subscribe((x) => late.push(`${x.meter} ${x.kWh} kWh`));
  job.start();
  await job.done;
  return { firings, late };
}
