import { DecodeError } from './decode-error.ts';
import { uuidFromBytes } from './uuid.ts';

/**
 * A cursor over a Buffer for Kafka's primitive types (big-endian integers, varints, strings,
 * bytes). Every read is bounds-checked and any malformed input raises DecodeError, so
 * decoders built on it never throw anything else (see the fuzz tests).
 * Byte fields are returned as zero-copy views of the input buffer.
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end) {
      throw new DecodeError(`need ${n} bytes at offset ${at}, have ${this.end - at}`);
    }
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  uint8(): number {
    return this.buf[this.need(1)]!;
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  uuid(): string {
    const at = this.need(16);
    return uuidFromBytes(this.buf, at);
  }

  /** Unsigned varint of at most 5 bytes (a uint32), as in KIP-482 compact lengths. */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf[this.need(1)]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new DecodeError('unsigned varint exceeds 32 bits');
        return result;
      }
    }
    throw new DecodeError('unsigned varint longer than 5 bytes');
  }

  /** Zigzag-encoded signed varint (int32), used inside records. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag-encoded signed varlong (int64). */
  varlong(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.buf[this.need(1)]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (result >> 64n !== 0n) throw new DecodeError('varlong exceeds 64 bits');
        return (result >> 1n) ^ -(result & 1n);
      }
    }
    throw new DecodeError('varlong longer than 10 bytes');
  }

  private utf8(len: number): string {
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new DecodeError('null where a non-nullable string is required');
    return this.utf8(len);
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    return this.utf8(len);
  }
  compactString(): string {
    const len = this.uvarint() - 1;
    if (len < 0) throw new DecodeError('null where a non-nullable compact string is required');
    return this.utf8(len);
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    if (len < 0) return null;
    return this.utf8(len);
  }

  /** A view of `len` raw bytes. */
  raw(len: number): Buffer {
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new DecodeError('null where non-nullable bytes are required');
    return this.raw(len);
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    return this.raw(len);
  }
  compactBytes(): Buffer {
    const len = this.uvarint() - 1;
    if (len < 0) throw new DecodeError('null where non-nullable compact bytes are required');
    return this.raw(len);
  }
  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1;
    if (len < 0) return null;
    return this.raw(len);
  }

  /** Array length (int32, -1 = null). Rejects counts that cannot fit in the remaining bytes. */
  arrayLength(minElementSize: number): number {
    const n = this.int32();
    this.checkCount(n, minElementSize);
    return n;
  }
  /** Compact array length (uvarint count+1, 0 = null → -1). */
  compactArrayLength(minElementSize: number): number {
    const n = this.uvarint() - 1;
    this.checkCount(n, minElementSize);
    return n;
  }
  private checkCount(n: number, minElementSize: number): void {
    if (n > 0 && n * Math.max(minElementSize, 1) > this.end - this.pos) {
      throw new DecodeError(`array of ${n} elements cannot fit in ${this.end - this.pos} bytes`);
    }
  }

  skip(n: number): void {
    this.need(n);
  }
}
