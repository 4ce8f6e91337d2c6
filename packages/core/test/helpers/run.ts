import { type DataStream, execute, INVALID, type OutputTag, type TimelineItem } from '../../src/index';

export type Item<T> = TimelineItem<T>;

export const rec = <T>(value: T, timestamp: number): Item<T> => ({ value, timestamp });
export const wm = (watermark: number): Item<never> => ({ watermark });

/** Runs a stream with its late tag (if any) and invalid output; returns everything in one run. */
export async function runWithSides<T, L>(stream: DataStream<T>, lateTag?: OutputTag<L>) {
  const { outputs, metrics } = await execute({
    main: stream,
    late: stream.getSideOutput(lateTag ?? (INVALID as unknown as OutputTag<L>)),
    invalid: stream.getSideOutput(INVALID),
  });
  return { main: outputs.main, late: lateTag ? outputs.late : [], invalid: outputs.invalid, metrics };
}
