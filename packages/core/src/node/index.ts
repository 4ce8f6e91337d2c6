// @eventide/core/node: durable checkpoints and exactly-once files on the local file system, and
// jobs split by key group over worker threads.
export { FileCheckpointStorage, type FileCheckpointStorageOptions } from './file-checkpoint-storage';
export { FileSink, type FileSinkOptions, type FileTransaction } from './file-sink';
export { type ClaimOptions, claimOutputDir, OutputPathError, openForWriteNoFollow } from './output-dir';
export {
  combineKeyGroups,
  connectParallel,
  type FromKeyGroup,
  type KeyGroupContext,
  type MergedOutputs,
  type OutputsOf,
  ParallelJob,
  type ParallelOptions,
  type ParallelPipeline,
} from './parallel';
export { redactStandardStreams } from './redact-streams';
