// @eventide/core: an event-time stream-processing engine on RxJS.

// Streams
export {
  AllWindowedStream,
  DataStream,
  KeyedStream,
  type ProcessAllWindowFunction,
  type StreamInput,
  WindowedStream,
} from './api/data-stream';
// Running pipelines
export {
  type ConnectOptions,
  connect,
  type ExecutionResult,
  execute,
  type HasNode,
  Job,
  type PipelineSnapshot,
} from './api/job';
export type { Source, SourceOptions, SourceReader } from './api/sources';
export { IllegalArgumentError, OperatorError } from './errors';
export { NumberHeap } from './internal/heap';

// Custom operators (for `DataStream.transform`)
export { Operator, type OperatorInit } from './internal/operator';
export type { Output } from './internal/output';
export type { OperatorMetrics } from './metrics';
// Keyed state and timers
export type {
  Collector,
  KeyedProcessContext,
  KeyedProcessFunction,
  TimerService,
} from './operators/keyed-process';
export type { Validator } from './operators/stateless';
// Side outputs
export { INVALID, OutputTag } from './output-tag';
export {
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  type ValueState,
  ValueStateDescriptor,
} from './state/keyed-state';
export { TimerQueue } from './state/timer-queue';
export { type InputTime, mergeWatermarks } from './time/watermark-merge';
// Time
export {
  type IdlenessConfig,
  type TimestampAssigner,
  type WatermarkGenerator,
  type WatermarkOutput,
  WatermarkStrategy,
} from './time/watermark-strategy';
// Element model and shared contracts
export type {
  Batch,
  Clock,
  ErrorPolicy,
  InvalidRecord,
  StreamElement,
  StreamRecord,
  TimelineItem,
  Watermark,
  WatermarkStatus,
} from './types';
export type { AggregateFunction, ProcessWindowFunction, WindowContext } from './window/aggregation';
// Windows
export {
  EventTimeSessionWindows,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  type WindowAssigner,
} from './window/assigners';
export { type TimeWindow, windowStart } from './window/time-window';
