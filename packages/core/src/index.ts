// @eventide/core: an event-time stream-processing engine on RxJS. This entry is what applications
// need; operator authors import `@eventide/core/operator`, Node.js helpers `@eventide/core/node`.

// Streams
export {
  AllWindowedStream,
  DataStream,
  DataStreamSink,
  type KeyByOptions,
  KeyedStream,
  type ProcessAllWindowFunction,
  type StreamInput,
  WindowedStream,
} from './api/data-stream';
export type { SourceOptions } from './api/sources';
// Sources and sinks
export type {
  AnySink,
  Json,
  Sink,
  Source,
  SourcePosition,
  SourceReader,
  TwoPhaseCommitSink,
} from './connectors';
export { IllegalArgumentError, OperatorError } from './errors';
// Key groups: which worker or partition a key belongs to
export { keyGroupOf, stableHash } from './internal/keys';
// Messages: credentials out of every printed line
export { redactCredentials, withCredentialsFrom } from './internal/redact';
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
// Checkpoints
export {
  type Checkpoint,
  CheckpointError,
  type CheckpointInfo,
  type CheckpointStorage,
  decodeCheckpoint,
  encodeCheckpoint,
  InMemoryCheckpointStorage,
  type OperatorCheckpoint,
} from './runtime/checkpoint';
export type { CheckpointInterval, CheckpointStats } from './runtime/coordinator';
// Running pipelines
export {
  type CheckpointOptions,
  type ConnectOptions,
  connect,
  type ExecutionResult,
  execute,
  Job,
  type JobCut,
  type JobMetrics,
  type OperatorMetricsSnapshot,
  type PipelineSnapshot,
  type StopOptions,
} from './runtime/job';
export type { HasNode } from './runtime/plan';
export {
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  type ValueState,
  ValueStateDescriptor,
} from './state/keyed-state';
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
