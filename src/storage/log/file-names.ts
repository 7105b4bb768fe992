import path from 'node:path';

/**
 * File names of a partition directory, as Kafka's `LogFileUtils` spells them: segment files are named
 * by their base offset zero-padded to 20 digits.
 */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
export const DELETED_SUFFIX = '.deleted';
export const DELETE_DIR_SUFFIX = '-delete';
export const PARTITION_METADATA_FILE = 'partition.metadata';
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
export const HIGH_WATERMARK_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

export function offsetFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

export interface SegmentPaths {
  readonly log: string;
  readonly index: string;
  readonly timeIndex: string;
  /** Kafka's transaction index: aborted transactions whose markers are in the segment. */
  readonly txnIndex: string;
}

export function segmentPaths(dir: string, baseOffset: number): SegmentPaths {
  return {
    log: path.join(dir, offsetFileName(baseOffset, LOG_SUFFIX)),
    index: path.join(dir, offsetFileName(baseOffset, INDEX_SUFFIX)),
    timeIndex: path.join(dir, offsetFileName(baseOffset, TIME_INDEX_SUFFIX)),
    txnIndex: path.join(dir, offsetFileName(baseOffset, TXN_INDEX_SUFFIX)),
  };
}

/** Base offset from a name like `00000000000000000042.log[.swap]`, or undefined if it is not one. */
export function baseOffsetOfFile(name: string): number | undefined {
  const match = /^(\d{20})\./.exec(name);
  if (match === null) return undefined;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** `<topic>-<partition>` back into its parts; the topic may itself contain '-'. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const partText = name.slice(dash + 1);
  if (!/^\d+$/.test(partText)) return undefined;
  return { topic: name.slice(0, dash), partition: Number(partText) };
}

export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
