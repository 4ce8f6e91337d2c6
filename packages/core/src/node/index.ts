// @eventide/core/node: durable checkpoints and exactly-once files on the local file system.
export { FileCheckpointStorage, type FileCheckpointStorageOptions } from './file-checkpoint-storage';
export { FileSink, type FileSinkOptions, type FileTransaction } from './file-sink';
export { type ClaimOptions, claimOutputDir, OutputPathError, openForWriteNoFollow } from './output-dir';
