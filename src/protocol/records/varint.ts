import { DecodeError } from '../wire/decode-error.ts';
import type { Reader } from '../wire/reader.ts';

/**
 * Zigzag varints as records use them (Kafka's ByteUtils), in position-passing form for the
 * batch builder, which sizes every record first and then writes into one exact buffer.
 * Varlongs stay in plain numbers while |v| <= 2^52 (zigzag then fits in 2^53); timestamp
 * deltas always do in practice, and wider values take the bigint path.
 */
const FAST_VARLONG_LIMIT = 2 ** 52;

export function sizeOfUnsignedVarint(u: number): number {
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x200000) return 3;
  if (u < 0x10000000) return 4;
  return 5;
}

/** Size of a zigzag varint of the int32 `v`. */
export function sizeOfVarint(v: number): number {
  return sizeOfUnsignedVarint(((v << 1) ^ (v >> 31)) >>> 0);
}

export function writeVarint(buf: Buffer, pos: number, v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  return pos;
}

/** True when `v` may be passed to the number forms of the varlong functions. */
export function isFastVarlong(v: number): boolean {
  return v >= -FAST_VARLONG_LIMIT && v <= FAST_VARLONG_LIMIT;
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

/** Size of a zigzag varlong; numbers must satisfy isFastVarlong. */
export function sizeOfVarlong(v: number | bigint): number {
  if (typeof v === 'bigint') {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    let n = 1;
    while (u >= 0x80n) {
      u >>= 7n;
      n++;
    }
    return n;
  }
  let u = zigzag(v);
  if (u < 0x10000000) return sizeOfUnsignedVarint(u);
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

export function writeVarlong(buf: Buffer, pos: number, v: number | bigint): number {
  if (typeof v === 'bigint') {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (u >= 0x80n) {
      buf[pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    buf[pos++] = Number(u);
    return pos;
  }
  let u = zigzag(v);
  while (u >= 0x80) {
    buf[pos++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[pos++] = u;
  return pos;
}

/**
 * Reads a zigzag varint (int32) from `r`. Faster than Reader.varint for the record hot loop:
 * int32 bit operations, and one-byte values (most lengths and deltas) return at once.
 */
export function readVarint(r: Reader): number {
  const buf = r.buf;
  const end = r.end;
  let pos = r.pos;
  if (pos >= end) throw new DecodeError('truncated varint');
  let b = buf[pos++]!;
  let u = b & 0x7f;
  for (let shift = 7; b >= 0x80; shift += 7) {
    if (pos >= end) throw new DecodeError('truncated varint');
    b = buf[pos++]!;
    if (shift === 28 && b > 0x0f) throw new DecodeError('varint exceeds 32 bits');
    u |= (b & 0x7f) << shift;
  }
  r.pos = pos;
  return (u >>> 1) ^ -(u & 1);
}

/**
 * Reads a zigzag varlong from `r`, as a number when it fits 49 bits (7 bytes; the common case,
 * with no bigint work) and as a bigint otherwise. Rejects encodings past 10 bytes / 64 bits.
 */
export function readVarlong(r: Reader): number | bigint {
  const buf = r.buf;
  const end = r.end;
  let pos = r.pos;
  let u = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (pos >= end) throw new DecodeError('truncated varlong');
    const b = buf[pos++]!;
    u += (b & 0x7f) * scale;
    if (b < 0x80) {
      r.pos = pos;
      return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
    scale *= 128;
  }
  let big = BigInt(u);
  for (let shift = 49n; shift < 70n; shift += 7n) {
    if (pos >= end) throw new DecodeError('truncated varlong');
    const b = buf[pos++]!;
    big |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      if (big >> 64n !== 0n) throw new DecodeError('varlong exceeds 64 bits');
      r.pos = pos;
      return (big >> 1n) ^ -(big & 1n);
    }
  }
  throw new DecodeError('varlong longer than 10 bytes');
}
