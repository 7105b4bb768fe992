import { DecodeError } from '../wire/decode-error.ts';
import { Reader } from '../wire/reader.ts';
import { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.ts';

/** One record of a v2 batch (Kafka's DefaultRecord), with absolute offset and timestamp. */
export interface Record {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * Wire layout of a record (DefaultRecord.writeTo): length varint (of the rest), attributes int8
 * (unused, 0), timestampDelta varlong, offsetDelta varint, key and value as varint length
 * (-1 = null) + bytes, header count varint, then per header a varint-length UTF-8 key and a
 * varint-length (-1 = null) value.
 */
export function sizeOfRecordBody(
  timestampDelta: number | bigint,
  offsetDelta: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly RecordHeader[] | undefined,
): number {
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta);
  size += key === null ? 1 : sizeOfVarint(key.length) + key.length;
  size += value === null ? 1 : sizeOfVarint(value.length) + value.length;
  const count = headers === undefined ? 0 : headers.length;
  size += sizeOfVarint(count);
  for (let i = 0; i < count; i++) {
    const h = headers![i]!;
    const keyLength = Buffer.byteLength(h.key, 'utf8');
    size += sizeOfVarint(keyLength) + keyLength;
    size += h.value === null ? 1 : sizeOfVarint(h.value.length) + h.value.length;
  }
  return size;
}

export function sizeOfRecord(bodySize: number): number {
  return sizeOfVarint(bodySize) + bodySize;
}

/** Writes a record whose body size was computed by sizeOfRecordBody; returns the end position. */
export function writeRecord(
  buf: Buffer,
  pos: number,
  bodySize: number,
  timestampDelta: number | bigint,
  offsetDelta: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly RecordHeader[] | undefined,
): number {
  pos = writeVarint(buf, pos, bodySize);
  buf[pos++] = 0;
  pos = writeVarlong(buf, pos, timestampDelta);
  pos = writeVarint(buf, pos, offsetDelta);
  pos = writeBytes(buf, pos, key);
  pos = writeBytes(buf, pos, value);
  const count = headers === undefined ? 0 : headers.length;
  pos = writeVarint(buf, pos, count);
  for (let i = 0; i < count; i++) {
    const h = headers![i]!;
    const keyLength = Buffer.byteLength(h.key, 'utf8');
    pos = writeVarint(buf, pos, keyLength);
    pos += buf.write(h.key, pos, keyLength, 'utf8');
    pos = writeBytes(buf, pos, h.value);
  }
  return pos;
}

function writeBytes(buf: Buffer, pos: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, bytes.length);
  // TypedArray#set: cheaper than Buffer#copy for the small fields of typical records.
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Smallest record: length, attributes, timestampDelta, offsetDelta, key, value, header count. */
export const MIN_RECORD_SIZE = 7;

/**
 * Decodes `count` records filling data[start, end) exactly, as DefaultRecordBatch's iterator
 * does (it rejects both missing and left-over bytes). Keys, values and header values are views
 * of `data`. With `logAppendTime` set every record takes it as its timestamp (Kafka ignores the
 * deltas of LogAppendTime batches).
 */
export function decodeRecords(
  data: Buffer,
  start: number,
  end: number,
  count: number,
  baseOffset: bigint,
  baseTimestamp: bigint,
  logAppendTime: bigint | null,
): Record[] {
  if (count < 0 || count * MIN_RECORD_SIZE > end - start) {
    throw new DecodeError(`record count ${count} does not fit in ${end - start} bytes of records`);
  }
  const records: Record[] = new Array(count);
  const r = new Reader(data, start, end);
  // Kafka adds deltas in wrapping long arithmetic; only bases near the int64 edges can wrap.
  const wrapOffsets = baseOffset > INT64_MAX - OFFSET_MARGIN || baseOffset < INT64_MIN + OFFSET_MARGIN;
  const wrapTimestamps = baseTimestamp > INT64_MAX - TIMESTAMP_MARGIN || baseTimestamp < INT64_MIN + TIMESTAMP_MARGIN;
  for (let i = 0; i < count; i++) {
    const length = readVarint(r);
    const recordEnd = r.pos + length;
    if (length < 0 || recordEnd > end) throw new DecodeError(`record ${i} has an invalid length ${length}`);
    r.skip(1); // attributes: unused in v2
    const timestampDelta = readVarlong(r);
    const offsetDelta = readVarint(r);
    const key = nullableBytes(r);
    const value = nullableBytes(r);
    const headerCount = readVarint(r);
    // Each header takes at least 2 bytes: this bounds the array before it is allocated.
    if (headerCount < 0 || headerCount * 2 > recordEnd - r.pos) {
      throw new DecodeError(`record ${i} has an invalid header count ${headerCount}`);
    }
    const headers: RecordHeader[] = new Array(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const keyLength = readVarint(r);
      if (keyLength < 0) throw new DecodeError(`record ${i} has a header with a null key`);
      const keyStart = r.pos;
      r.skip(keyLength);
      headers[h] = { key: data.toString('utf8', keyStart, keyStart + keyLength), value: nullableBytes(r) };
    }
    if (r.pos !== recordEnd) throw new DecodeError(`record ${i} declares ${length} bytes but holds ${length + r.pos - recordEnd}`);
    records[i] = {
      offset: addDelta(baseOffset, offsetDelta, wrapOffsets),
      timestamp: logAppendTime ?? addDelta(baseTimestamp, timestampDelta, wrapTimestamps),
      key,
      value,
      headers,
    };
  }
  if (r.pos !== end) throw new DecodeError(`${end - r.pos} bytes left after the batch's ${count} records`);
  return records;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const OFFSET_MARGIN = 2n ** 31n;
/** readVarlong returns numbers below 2^48 in magnitude; larger deltas come as bigints. */
const TIMESTAMP_MARGIN = 2n ** 48n;

function addDelta(base: bigint, delta: number | bigint, wrap: boolean): bigint {
  if (delta === 0) return base;
  if (typeof delta === 'number' && !wrap) return base + BigInt(delta);
  return BigInt.asIntN(64, base + BigInt(delta));
}

/** Negative lengths mean null, as in DefaultRecord.readFrom (which treats any negative so). */
function nullableBytes(r: Reader): Buffer | null {
  const length = readVarint(r);
  return length < 0 ? null : r.raw(length);
}
