import { DecodeError } from '../wire/decode-error.ts';
import {
  Attributes,
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  MIN_BATCH_LENGTH,
  isBatchCrcValid,
  readBatchHeader,
  type BatchHeader,
} from './batch-header.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, decompress, decompressAsync } from './compression.ts';
import { decodeRecords, type Record } from './record.ts';
import { scanBatches } from './scan-batches.ts';

export interface DecodedBatch {
  header: BatchHeader;
  records: Record[];
  isControl: boolean;
  isTransactional: boolean;
  /** Attribute bits 0-2 (see Compression). */
  compression: number;
  timestampType: 'create' | 'logAppend';
  /** Bytes the batch occupies in the input (LOG_OVERHEAD + batchLength). */
  size: number;
}

export interface DecodeOptions {
  /** Bound on a compressed batch's inflated records (decompression-bomb guard). */
  maxDecompressedBytes?: number;
  /** Check CRC-32C first (Kafka consumers' `check.crcs`, default true). */
  verifyCrc?: boolean;
}

interface Framed {
  header: BatchHeader;
  size: number;
  codec: number;
  body: Buffer;
}

/** Validates framing, magic and CRC of the batch at `at`, and returns its records section. */
function frame(buf: Buffer, at: number, options: DecodeOptions): Framed {
  if (!Number.isSafeInteger(at) || at < 0) throw new DecodeError(`bad batch position ${at}`);
  const header = readBatchHeader(buf, at);
  if (header.batchLength < MIN_BATCH_LENGTH) throw new DecodeError(`batch length ${header.batchLength} is below the minimum ${MIN_BATCH_LENGTH}`);
  const size = LOG_OVERHEAD + header.batchLength;
  if (at + size > buf.length) throw new DecodeError(`batch of ${size} bytes at ${at} overruns the buffer (${buf.length} bytes)`);
  if (header.magic !== 2) throw new DecodeError(`unsupported record batch magic ${header.magic}`);
  if ((options.verifyCrc ?? true) && !isBatchCrcValid(buf, at)) {
    throw new DecodeError(`record batch at ${at} fails its CRC-32C check (stored ${header.crc})`);
  }
  const body = buf.subarray(at + BATCH_HEADER_SIZE, at + size);
  return { header, size, codec: header.attributes & Attributes.compressionMask, body };
}

function finish(f: Framed, data: Buffer): DecodedBatch {
  const { header } = f;
  const logAppend = (header.attributes & Attributes.logAppendTime) !== 0;
  return {
    header,
    records: decodeRecords(data, 0, data.length, header.recordCount, header.baseOffset, header.baseTimestamp, logAppend ? header.maxTimestamp : null),
    isControl: (header.attributes & Attributes.control) !== 0,
    isTransactional: (header.attributes & Attributes.transactional) !== 0,
    compression: f.codec,
    timestampType: logAppend ? 'logAppend' : 'create',
    size: f.size,
  };
}

/**
 * Decodes the magic-2 batch at `at` (DefaultRecordBatch), inflating it if compressed. Keys and
 * values are views of `buf` (or of the inflated buffer). Any malformed input raises DecodeError.
 */
export function decodeBatch(buf: Buffer, at = 0, options: DecodeOptions = {}): DecodedBatch {
  const f = frame(buf, at, options);
  return finish(f, decompress(f.codec, f.body, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES));
}

/** Like decodeBatch, inflating on the thread pool. */
export async function decodeBatchAsync(buf: Buffer, at = 0, options: DecodeOptions = {}): Promise<DecodedBatch> {
  const f = frame(buf, at, options);
  return finish(f, await decompressAsync(f.codec, f.body, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES));
}

/**
 * Decodes every batch of a records blob as Fetch returns it. A trailing partial batch is
 * skipped, as clients do (the broker may cut the last batch at the size limit, KIP-74);
 * anything else malformed raises DecodeError.
 */
export function decodeBatches(buf: Buffer, options: DecodeOptions = {}): DecodedBatch[] {
  const scan = scanBatches(buf, { allowPartialTail: true, verifyCrc: false });
  if (scan.error) throw new DecodeError(`records at ${scan.error.position}: ${scan.error.message}`);
  return scan.batches.map((b) => decodeBatch(buf, b.position, options));
}

export async function decodeBatchesAsync(buf: Buffer, options: DecodeOptions = {}): Promise<DecodedBatch[]> {
  const scan = scanBatches(buf, { allowPartialTail: true, verifyCrc: false });
  if (scan.error) throw new DecodeError(`records at ${scan.error.position}: ${scan.error.message}`);
  return Promise.all(scan.batches.map((b) => decodeBatchAsync(buf, b.position, options)));
}

/** The header's last offset + 1: where the next batch starts (also for empty or compacted batches). */
export function nextOffsetOf(header: BatchHeader): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
}
