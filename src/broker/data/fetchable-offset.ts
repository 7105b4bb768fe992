import type { PartitionLog } from '../../storage/index.ts';

/**
 * The exclusive bound of what a consumer may read: the high watermark, or under read_committed the
 * last stable offset (KIP-98). Until transactions exist no transaction is ever open, so the two
 * are equal; the transactions issue replaces the read_committed side.
 */
export function lastFetchableOffset(log: PartitionLog, readCommitted: boolean): bigint {
  return readCommitted ? log.highWatermark : log.highWatermark;
}
