/**
 * Storage: partition logs on local disk in Kafka's layout, and the manager of a log directory.
 * Speaks domain terms only (append batches, read from an offset, truncate, roll, clean); see README.md.
 */
export { LogManager } from './log-manager.ts';
export type { LogManagerOptions } from './log-manager.ts';
export { PartitionLog } from './log/partition-log.ts';
export type { PartitionLogParams } from './log/partition-log.ts';
export type { AppendOptions, AppendResult, Durability, OffsetAndTimestamp, ReadOptions, ReadResult } from './log/log-api.ts';
export {
  DEFAULT_LOG_CONFIG,
  LONG_MAX_AS_NUMBER,
  hasCompactPolicy,
  hasDeletePolicy,
  logConfig,
  logConfigFromProperties,
  validateLogConfig,
} from './log/log-config.ts';
export type { CleanupPolicy, LogConfig } from './log/log-config.ts';
export { StorageError, StorageErrorCode } from './errors.ts';
// Kafka's text checkpoint format, also used by the producer id block file (coordinator/producer).
export { readCheckpoint, writeCheckpoint } from './log/checkpoint-file.ts';
export type { CleanResult } from './log/cleaner.ts';
export type { AbortedTxn } from './log/txn-index.ts';
export { readProducerSnapshot, writeProducerSnapshot } from './log/producer-snapshot.ts';
export type { ProducerSnapshotEntry } from './log/producer-snapshot.ts';
export type { EpochEntry } from './log/leader-epoch-cache.ts';
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './log/leader-epoch-cache.ts';
