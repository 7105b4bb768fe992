import { BatchOffsets, LOG_OVERHEAD, MIN_BATCH_LENGTH, isBatchCrcValid, readBatchHeader, type BatchHeader } from './batch-header.ts';

/**
 * Walking a records blob (concatenated batches, as Produce carries and as log segments and
 * Fetch responses hold them) without inflating anything: sizes, magic and CRC-32C only, like
 * Kafka's ByteBufferLogInputStream + RecordBatch.ensureValid(). Used by Produce validation
 * and by the storage recovery scan, which truncates at `validBytes`.
 */
export type BatchProblem =
  /** The blob ends inside a batch (torn write, or a Fetch response cut at its size limit). */
  | 'truncated'
  /** batchLength is below the size of a batch header. */
  | 'corrupt'
  /** magic is not 2 (legacy message sets are not accepted). */
  | 'magic'
  /** CRC-32C mismatch. */
  | 'crc';

export interface ScannedBatch {
  position: number;
  size: number;
  header: BatchHeader;
}

export interface ScanResult {
  batches: ScannedBatch[];
  /** Bytes from the start that hold whole valid batches: the truncation point for recovery. */
  validBytes: number;
  /** Bytes of an ignored trailing partial batch (only with allowPartialTail). */
  partialTail: number;
  /** The first problem found; the scan stops there. */
  error?: { kind: BatchProblem; position: number; message: string };
}

export interface ScanOptions {
  /** Treat a trailing partial batch as the end of the data, not an error (Fetch responses). */
  allowPartialTail?: boolean;
  verifyCrc?: boolean;
}

/**
 * Checks the batch at `at` and returns its size, or the problem. Order follows Kafka's
 * ByteBufferLogInputStream.nextBatchSize: size sanity, then magic (as soon as the magic byte
 * is there, so that garbage is not mistaken for a partial batch), then completeness, then CRC.
 */
export function checkBatchAt(buf: Buffer, at: number, verifyCrc = true): number | BatchProblem {
  const remaining = buf.length - at;
  if (remaining < LOG_OVERHEAD) return 'truncated';
  const batchLength = buf.readInt32BE(at + BatchOffsets.batchLength);
  if (batchLength < MIN_BATCH_LENGTH) return 'corrupt';
  if (remaining <= BatchOffsets.magic) return 'truncated';
  if (buf[at + BatchOffsets.magic] !== 2) return 'magic';
  const size = LOG_OVERHEAD + batchLength;
  if (size > remaining) return 'truncated';
  if (verifyCrc && !isBatchCrcValid(buf, at)) return 'crc';
  return size;
}

const MESSAGES: Record<BatchProblem, string> = {
  truncated: 'the data ends inside a record batch',
  corrupt: `batch length is below the minimum of ${MIN_BATCH_LENGTH}`,
  magic: 'record batch magic is not 2',
  crc: 'record batch fails its CRC-32C check',
};

export function scanBatches(buf: Buffer, options: ScanOptions = {}): ScanResult {
  const verifyCrc = options.verifyCrc ?? true;
  const batches: ScannedBatch[] = [];
  let at = 0;
  while (at < buf.length) {
    const checked = checkBatchAt(buf, at, verifyCrc);
    if (typeof checked === 'number') {
      batches.push({ position: at, size: checked, header: readBatchHeader(buf, at) });
      at += checked;
      continue;
    }
    if (checked === 'truncated' && options.allowPartialTail) {
      return { batches, validBytes: at, partialTail: buf.length - at };
    }
    return { batches, validBytes: at, partialTail: 0, error: { kind: checked, position: at, message: MESSAGES[checked] } };
  }
  return { batches, validBytes: at, partialTail: 0 };
}

/** The tolerant scan for Fetch responses: a trailing partial batch is dropped (KIP-74). */
export function scanFetchedBatches(buf: Buffer, verifyCrc = true): ScanResult {
  return scanBatches(buf, { allowPartialTail: true, verifyCrc });
}
