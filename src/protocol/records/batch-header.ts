import { crc32c } from '../wire/crc32c.ts';
import { DecodeError } from '../wire/decode-error.ts';

/**
 * Field positions of a magic-2 record batch (the format of KIP-98, on the wire and on disk).
 * See ../shared/kafka-protocol/README.md "Record batch (magic 2)".
 */
export const BatchOffsets = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
  records: 61,
} as const;

/** baseOffset (8) + batchLength (4): bytes before the part that batchLength counts. */
export const LOG_OVERHEAD = 12;
/** Size of the batch header, i.e. a batch with no records. */
export const BATCH_HEADER_SIZE = 61;
/** Smallest legal batchLength (header after the length field, no records). */
export const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;

export const Attributes = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCode = (typeof Compression)[keyof typeof Compression];

export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads the header of the batch at `at`. The caller guarantees BATCH_HEADER_SIZE bytes are there. */
export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  if (at < 0 || at + BATCH_HEADER_SIZE > buf.length) {
    throw new DecodeError(`record batch header needs ${BATCH_HEADER_SIZE} bytes at ${at}, have ${buf.length - at}`);
  }
  return {
    baseOffset: buf.readBigInt64BE(at),
    batchLength: buf.readInt32BE(at + BatchOffsets.batchLength),
    partitionLeaderEpoch: buf.readInt32BE(at + BatchOffsets.partitionLeaderEpoch),
    magic: buf.readInt8(at + BatchOffsets.magic),
    crc: buf.readUInt32BE(at + BatchOffsets.crc),
    attributes: buf.readInt16BE(at + BatchOffsets.attributes),
    lastOffsetDelta: buf.readInt32BE(at + BatchOffsets.lastOffsetDelta),
    baseTimestamp: buf.readBigInt64BE(at + BatchOffsets.baseTimestamp),
    maxTimestamp: buf.readBigInt64BE(at + BatchOffsets.maxTimestamp),
    producerId: buf.readBigInt64BE(at + BatchOffsets.producerId),
    producerEpoch: buf.readInt16BE(at + BatchOffsets.producerEpoch),
    baseSequence: buf.readInt32BE(at + BatchOffsets.baseSequence),
    recordCount: buf.readInt32BE(at + BatchOffsets.recordCount),
  };
}

/** Total size in bytes of the batch at `at` (LOG_OVERHEAD + batchLength). */
export function batchSize(buf: Buffer, at = 0): number {
  return LOG_OVERHEAD + buf.readInt32BE(at + BatchOffsets.batchLength);
}

/** CRC-32C over attributes..end of the batch, which is what the header's crc field covers. */
export function computeBatchCrc(buf: Buffer, at = 0): number {
  const end = at + batchSize(buf, at);
  return crc32c(buf.subarray(at + BatchOffsets.attributes, end));
}

export function isBatchCrcValid(buf: Buffer, at = 0): boolean {
  return computeBatchCrc(buf, at) === buf.readUInt32BE(at + BatchOffsets.crc);
}

/** Assigns offsets: baseOffset is outside the CRC, so no checksum work is needed. */
export function patchBaseOffset(buf: Buffer, at: number, baseOffset: bigint): void {
  buf.writeBigInt64BE(baseOffset, at + BatchOffsets.baseOffset);
}

/** partitionLeaderEpoch is outside the CRC as well. */
export function patchLeaderEpoch(buf: Buffer, at: number, epoch: number): void {
  buf.writeInt32BE(epoch, at + BatchOffsets.partitionLeaderEpoch);
}

/**
 * Stamps broker time on a topic with message.timestamp.type=LogAppendTime: sets the timestamp
 * type bit and maxTimestamp, then recomputes the CRC (both fields are covered by it).
 */
export function patchLogAppendTime(buf: Buffer, at: number, timestamp: bigint): void {
  const attributes = buf.readInt16BE(at + BatchOffsets.attributes);
  buf.writeInt16BE(attributes | Attributes.logAppendTime, at + BatchOffsets.attributes);
  buf.writeBigInt64BE(timestamp, at + BatchOffsets.maxTimestamp);
  buf.writeUInt32BE(computeBatchCrc(buf, at), at + BatchOffsets.crc);
}

export function lastOffsetOf(header: BatchHeader): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta);
}
