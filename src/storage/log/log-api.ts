import { StorageError, StorageErrorCode } from '../errors.ts';

/**
 * The types of the partition log API. int64 values (offsets, timestamps) are bigint here; inside the
 * log they are numbers, which is exact because `toSafeNumber` refuses anything beyond 2^53.
 */

/**
 * How durable an append must be before its promise resolves. 'none': the bytes are in the page cache
 * (a process crash keeps them, a power loss may not); 'fsync': they were fdatasync'ed, with the
 * directory entry of a new segment. See src/storage/README.md "Durability".
 */
export type Durability = 'none' | 'fsync';

export interface AppendOptions {
  readonly requiredDurability: Durability;
  /** Stamped into each batch's partitionLeaderEpoch and recorded in the leader epoch cache. */
  readonly leaderEpoch: number;
  /** Broker time to stamp when message.timestamp.type=LogAppendTime; the clock's time by default. */
  readonly logAppendTime?: bigint;
  /**
   * Check each batch's CRC-32C (default true). A caller that has just checked it (the produce path
   * with scanBatches) may pass false: over 256 KiB batches the check is a sixth of the append cost.
   */
  readonly verifyCrc?: boolean;
}

export interface AppendResult {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** The LogAppendTime stamped, or -1 under CreateTime (ProduceResponse `log_append_time_ms`). */
  readonly logAppendTime: bigint;
  readonly logStartOffset: bigint;
}

export interface ReadOptions {
  /** Return the first batch even when it is larger than maxBytes (KIP-74). Default true. */
  readonly minOneBatch?: boolean;
  /** Exclusive bound on the batches returned: the high watermark (or LSO) for consumers. Default: log end. */
  readonly upToOffset?: bigint;
}

export interface ReadResult {
  /**
   * Whole batches exactly as stored, ready to be sent as a Fetch response's records. Large results
   * live in a slab of the process's read-buffer pool (util/slab-pool.ts): a broker connection
   * hands the slab to the next read once it has written these bytes to a socket, so whoever keeps
   * them past that point (a cache, say) must copy them.
   */
  readonly bytes: Buffer;
  readonly highWatermark: bigint;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
}

export interface OffsetAndTimestamp {
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly leaderEpoch: number;
}

export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new StorageError(StorageErrorCode.offsetOutOfRange, `offset ${value} is beyond what this log supports (2^53)`);
  }
  return Number(value);
}
