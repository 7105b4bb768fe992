import { GregorError } from '../../util/index.ts';
import { Attributes, BATCH_HEADER_SIZE, BatchOffsets, Compression, LOG_OVERHEAD, computeBatchCrc, type CompressionCode } from './batch-header.ts';
import { compress, compressAsync, type CompressOptions } from './compression.ts';
import { sizeOfRecord, sizeOfRecordBody, writeRecord, type RecordHeader } from './record.ts';
import { isFastVarlong } from './varint.ts';

export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Defaults to the batch's `now`. */
  timestamp?: bigint;
  /** Defaults to the record's index; must increase (compacted batches have gaps). */
  offsetDelta?: number;
}

export interface BuildBatchOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  compression?: CompressionCode;
  compressionLevel?: number;
  timestampType?: 'create' | 'logAppend';
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  /**
   * Defaults to the first record's timestamp (MemoryRecordsBuilder). The log cleaner stores
   * the delete horizon here together with hasDeleteHorizon (KIP-534).
   */
  baseTimestamp?: bigint;
  hasDeleteHorizon?: boolean;
  /** Timestamp of records that have none (Date.now() by default). */
  now?: bigint;
  records: readonly RecordInput[];
}

const INT32_MAX = 0x7fffffff;

/** The records section, uncompressed, plus what the header needs to know about it. */
interface Encoded {
  /** The records, after BATCH_HEADER_SIZE reserved bytes when uncompressed. */
  records: Buffer;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  lastOffsetDelta: number;
}

/**
 * Encodes the records in two passes over them: sizes first, then one write into a buffer of
 * exactly the right size. Uncompressed, that buffer already has room for the batch header so
 * the batch is built without any copy. Follows MemoryRecordsBuilder: baseTimestamp is the first
 * record's timestamp, maxTimestamp the largest, lastOffsetDelta the last record's offsetDelta.
 */
function encodeRecords(opts: BuildBatchOptions, reserveHeader: boolean): Encoded {
  const records = opts.records;
  const n = records.length;
  if (n > INT32_MAX) throw invalid('too many records for one batch');
  const now = opts.now ?? BigInt(Date.now());
  const baseTimestamp = opts.baseTimestamp ?? (n === 0 ? -1n : (records[0]!.timestamp ?? now));
  let maxTimestamp = n === 0 ? -1n : (records[0]!.timestamp ?? now);
  const bodySizes = new Int32Array(n);
  const deltas = new Float64Array(n);
  let bigDeltas: Map<number, bigint> | null = null;
  let size = reserveHeader ? BATCH_HEADER_SIZE : 0;
  let lastOffsetDelta = -1;
  for (let i = 0; i < n; i++) {
    const rec = records[i]!;
    const offsetDelta = rec.offsetDelta ?? i;
    if (!Number.isInteger(offsetDelta) || offsetDelta <= lastOffsetDelta || offsetDelta > INT32_MAX) {
      throw invalid(`record ${i}: offsetDelta ${offsetDelta} must be an int32 above ${lastOffsetDelta}`);
    }
    lastOffsetDelta = offsetDelta;
    const ts = rec.timestamp ?? now;
    if (ts > maxTimestamp) maxTimestamp = ts;
    let delta: number | bigint = ts === baseTimestamp ? 0 : Number(ts - baseTimestamp);
    if (!isFastVarlong(delta)) {
      delta = BigInt.asIntN(64, ts - baseTimestamp);
      (bigDeltas ??= new Map()).set(i, delta);
    }
    deltas[i] = typeof delta === 'number' ? delta : 0;
    const body = sizeOfRecordBody(delta, offsetDelta, rec.key ?? null, rec.value, rec.headers);
    bodySizes[i] = body;
    size += sizeOfRecord(body);
  }
  if (size > INT32_MAX - BATCH_HEADER_SIZE) throw invalid('records exceed the 2 GiB a batch can hold');
  const out = Buffer.allocUnsafe(size);
  let pos = reserveHeader ? BATCH_HEADER_SIZE : 0;
  for (let i = 0; i < n; i++) {
    const rec = records[i]!;
    const delta = bigDeltas?.get(i) ?? deltas[i]!;
    pos = writeRecord(out, pos, bodySizes[i]!, delta, rec.offsetDelta ?? i, rec.key ?? null, rec.value, rec.headers);
  }
  return { records: out, baseTimestamp, maxTimestamp, lastOffsetDelta };
}

function attributesOf(opts: BuildBatchOptions, codec: CompressionCode): number {
  let attributes: number = codec;
  if (opts.timestampType === 'logAppend') attributes |= Attributes.logAppendTime;
  if (opts.isTransactional) attributes |= Attributes.transactional;
  if (opts.isControl) attributes |= Attributes.control;
  if (opts.hasDeleteHorizon) attributes |= Attributes.deleteHorizon;
  return attributes;
}

/** Fills the 61-byte header at the start of `batch` and stamps the CRC-32C last. */
function writeHeader(batch: Buffer, opts: BuildBatchOptions, codec: CompressionCode, enc: Encoded): Buffer {
  batch.writeBigInt64BE(opts.baseOffset ?? 0n, BatchOffsets.baseOffset);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BatchOffsets.batchLength);
  batch.writeInt32BE(opts.partitionLeaderEpoch ?? -1, BatchOffsets.partitionLeaderEpoch);
  batch.writeInt8(2, BatchOffsets.magic);
  batch.writeInt16BE(attributesOf(opts, codec), BatchOffsets.attributes);
  batch.writeInt32BE(enc.lastOffsetDelta, BatchOffsets.lastOffsetDelta);
  batch.writeBigInt64BE(enc.baseTimestamp, BatchOffsets.baseTimestamp);
  batch.writeBigInt64BE(enc.maxTimestamp, BatchOffsets.maxTimestamp);
  batch.writeBigInt64BE(opts.producerId ?? -1n, BatchOffsets.producerId);
  batch.writeInt16BE(opts.producerEpoch ?? -1, BatchOffsets.producerEpoch);
  batch.writeInt32BE(opts.baseSequence ?? -1, BatchOffsets.baseSequence);
  batch.writeInt32BE(opts.records.length, BatchOffsets.recordCount);
  batch.writeUInt32BE(computeBatchCrc(batch, 0), BatchOffsets.crc);
  return batch;
}

function withHeader(compressed: Buffer): Buffer {
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
  compressed.copy(batch, BATCH_HEADER_SIZE);
  return batch;
}

/**
 * Builds a magic-2 record batch (KIP-98 layout). Argument errors (decreasing offset deltas,
 * out-of-range fields) are bugs in the caller and throw GregorError INVALID_ARGUMENT.
 */
export function buildBatch(opts: BuildBatchOptions): Buffer {
  const codec = opts.compression ?? Compression.none;
  if (codec === Compression.none) {
    const enc = encodeRecords(opts, true);
    return writeHeader(enc.records, opts, codec, enc);
  }
  const enc = encodeRecords(opts, false);
  return writeHeader(withHeader(compress(codec, enc.records, compressOptions(opts))), opts, codec, enc);
}

/** Like buildBatch, compressing on the thread pool. */
export async function buildBatchAsync(opts: BuildBatchOptions): Promise<Buffer> {
  const codec = opts.compression ?? Compression.none;
  if (codec === Compression.none) return buildBatch(opts);
  const enc = encodeRecords(opts, false);
  return writeHeader(withHeader(await compressAsync(codec, enc.records, compressOptions(opts))), opts, codec, enc);
}

function compressOptions(opts: BuildBatchOptions): CompressOptions {
  return opts.compressionLevel === undefined ? {} : { level: opts.compressionLevel };
}

function invalid(message: string): GregorError {
  return new GregorError('INVALID_ARGUMENT', message);
}
