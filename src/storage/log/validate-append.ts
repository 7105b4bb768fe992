import { BatchOffsets, checkBatchAt } from '../../protocol/records/index.ts';
import { StorageError, StorageErrorCode } from '../errors.ts';

/**
 * What the append path learns from a produce or replication payload without decoding any record:
 * where each batch starts and how many offsets it spans. Checks follow Kafka's
 * `UnifiedLog.analyzeAndValidateRecords` and `LogValidator`: whole batches of magic 2, a valid
 * CRC-32C, no batch above max.message.bytes, and (for a leader) a record count matching the offset span.
 */
export interface AppendInfo {
  /** Start of each batch in the buffer. */
  readonly positions: number[];
  readonly sizes: number[];
  /** lastOffsetDelta of each batch. */
  readonly deltas: number[];
  /** Offsets spanned by all batches when assigned back to back (sum of lastOffsetDelta + 1). */
  readonly offsetSpan: number;
  /** For a follower: base offset of the first batch and last offset of the last. */
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly recordCount: number;
}

export function validateAppend(buf: Buffer, options: { maxBatchBytes: number; asLeader: boolean; verifyCrc: boolean }): AppendInfo {
  if (buf.length === 0) throw new StorageError(StorageErrorCode.invalidRecord, 'append of no record batches');
  const positions: number[] = [];
  const sizes: number[] = [];
  const deltas: number[] = [];
  let offsetSpan = 0;
  let recordCount = 0;
  let at = 0;
  let previousLast = -1;
  let firstOffset = -1;
  while (at < buf.length) {
    const checked = checkBatchAt(buf, at, options.verifyCrc);
    if (typeof checked !== 'number') {
      throw new StorageError(StorageErrorCode.corruptMessage, `record batch at byte ${at} of the append is invalid (${checked})`);
    }
    if (checked > options.maxBatchBytes) {
      throw new StorageError(StorageErrorCode.recordTooLarge, `record batch of ${checked} bytes exceeds max.message.bytes ${options.maxBatchBytes}`);
    }
    const delta = buf.readInt32BE(at + BatchOffsets.lastOffsetDelta);
    const count = buf.readInt32BE(at + BatchOffsets.recordCount);
    if (delta < 0) throw new StorageError(StorageErrorCode.invalidRecord, `record batch at byte ${at} has lastOffsetDelta ${delta}`);
    if (options.asLeader) {
      if (count !== delta + 1) {
        throw new StorageError(StorageErrorCode.invalidRecord, `record batch at byte ${at} holds ${count} records but spans ${delta + 1} offsets`);
      }
    } else {
      const base = Number(buf.readBigInt64BE(at));
      if (base < 0 || base <= previousLast) {
        throw new StorageError(StorageErrorCode.invalidRecord, `replicated batch at byte ${at} has base offset ${base} after ${previousLast}`);
      }
      if (firstOffset < 0) firstOffset = base;
      previousLast = base + delta;
    }
    positions.push(at);
    sizes.push(checked);
    deltas.push(delta);
    offsetSpan += delta + 1;
    recordCount += Math.max(count, 0);
    at += checked;
  }
  return { positions, sizes, deltas, offsetSpan, firstOffset, lastOffset: previousLast, recordCount };
}
