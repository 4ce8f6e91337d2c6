/**
 * @eventide/redis: Redis Streams for eventide. Read a partitioned stream (`RedisStreamSource`),
 * write outputs exactly once (`RedisStreamSink`), keep checkpoints in Redis
 * (`RedisCheckpointStorage`), and share a stream's partitions among several processes with
 * time-limited leases (`PartitionLeases`, `runPartitions`).
 */
export {
  LeaseLostError,
  RedisCheckpointStorage,
  type RedisCheckpointStorageOptions,
} from './checkpoint-storage';
export {
  describeConnection,
  isConnectionGone,
  openRedis,
  parseRedisUrl,
  type RedisConnection,
  RedisConnectionError,
  type RetryOptions,
  redactUrl,
} from './connection';
export { PartitionLeases, type PartitionLeasesOptions, type RebalanceListener } from './leases';
export {
  type PartitionedRun,
  type PartitionTask,
  type RunPartitionsOptions,
  runPartitions,
} from './partitioned-run';
export {
  RedisStreamPublisher,
  type RedisStreamPublisherOptions,
  RedisStreamSink,
  type RedisStreamSinkOptions,
  type RedisStreamTransaction,
  readDocument,
  readStreamMeta,
} from './sink';
export { type RedisStreamPosition, RedisStreamSource, type RedisStreamSourceOptions } from './source';
export {
  compareIds,
  decodeEntry,
  END_FIELD,
  MalformedEntryError,
  partitionKey,
  partitionOf,
  type StreamEntry,
  scanKeys,
  VALUE_FIELD,
} from './streams';
