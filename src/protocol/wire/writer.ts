import { uuidToBytes } from './uuid.ts';

/** Byte fields at least this large are appended by reference instead of copied. */
const ZERO_COPY_THRESHOLD = 8192;

/**
 * Appends Kafka's primitive types into a list of buffer chunks. It never reallocates and
 * copies: when the current block is full it is sealed as a chunk and a new one begins, so a
 * view returned by `reserve()` stays valid, and large byte fields (record batches) are kept
 * as their own chunks for a zero-copy `writev` to the socket.
 */
export class Writer {
  private readonly chunks: Buffer[] = [];
  private block: Buffer;
  private start = 0;
  private pos = 0;
  private sealed = 0;

  constructor(initialSize = 512) {
    this.block = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.sealed + this.pos - this.start;
  }

  private room(n: number): void {
    if (this.pos + n <= this.block.length) return;
    this.seal();
    this.block = Buffer.allocUnsafe(Math.max(n, this.block.length * 2));
    this.start = 0;
    this.pos = 0;
  }

  private seal(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.block.subarray(this.start, this.pos));
      this.sealed += this.pos - this.start;
      this.start = this.pos;
    }
  }

  /** Reserves `n` bytes to be filled in later (e.g. a length prefix) and returns a view of them. */
  reserve(n: number): Buffer {
    this.room(n);
    const view = this.block.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  int8(v: number): this {
    this.room(1);
    this.block.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  uint8(v: number): this {
    this.room(1);
    this.block[this.pos++] = v & 0xff;
    return this;
  }
  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.room(2);
    this.pos = this.block.writeInt16BE(v, this.pos);
    return this;
  }
  uint16(v: number): this {
    this.room(2);
    this.pos = this.block.writeUInt16BE(v, this.pos);
    return this;
  }
  int32(v: number): this {
    this.room(4);
    this.pos = this.block.writeInt32BE(v, this.pos);
    return this;
  }
  uint32(v: number): this {
    this.room(4);
    this.pos = this.block.writeUInt32BE(v, this.pos);
    return this;
  }
  int64(v: bigint): this {
    this.room(8);
    this.pos = this.block.writeBigInt64BE(v, this.pos);
    return this;
  }
  float64(v: number): this {
    this.room(8);
    this.pos = this.block.writeDoubleBE(v, this.pos);
    return this;
  }
  uuid(v: string): this {
    this.room(16);
    uuidToBytes(v, this.block, this.pos);
    this.pos += 16;
    return this;
  }

  uvarint(v: number): this {
    this.room(5);
    let n = v >>> 0;
    while (n >= 0x80) {
      this.block[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.block[this.pos++] = n;
    return this;
  }
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  varlong(v: bigint): this {
    this.room(10);
    let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (n >= 0x80n) {
      this.block[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.block[this.pos++] = Number(n);
    return this;
  }

  private utf8(v: string, len: number): this {
    this.room(len);
    this.pos += this.block.write(v, this.pos, len, 'utf8');
    return this;
  }
  string(v: string): this {
    const len = Buffer.byteLength(v);
    return this.int16(len).utf8(v, len);
  }
  nullableString(v: string | null): this {
    return v === null ? this.int16(-1) : this.string(v);
  }
  compactString(v: string): this {
    const len = Buffer.byteLength(v);
    return this.uvarint(len + 1).utf8(v, len);
  }
  compactNullableString(v: string | null): this {
    return v === null ? this.uvarint(0) : this.compactString(v);
  }

  /** Appends raw bytes; large ones by reference (the caller must not modify them afterwards). */
  raw(v: Uint8Array): this {
    if (v.length >= ZERO_COPY_THRESHOLD) {
      this.seal();
      this.chunks.push(Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length));
      this.sealed += v.length;
      return this;
    }
    this.room(v.length);
    this.block.set(v, this.pos);
    this.pos += v.length;
    return this;
  }
  bytes(v: Uint8Array): this {
    return this.int32(v.length).raw(v);
  }
  nullableBytes(v: Uint8Array | null): this {
    return v === null ? this.int32(-1) : this.bytes(v);
  }
  compactBytes(v: Uint8Array): this {
    return this.uvarint(v.length + 1).raw(v);
  }
  compactNullableBytes(v: Uint8Array | null): this {
    return v === null ? this.uvarint(0) : this.compactBytes(v);
  }

  /** The written bytes as chunks, for `writev`. The writer must not be used afterwards. */
  finish(): Buffer[] {
    this.seal();
    return this.chunks;
  }

  /** The written bytes as one buffer (copies only when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.sealed);
  }
}
