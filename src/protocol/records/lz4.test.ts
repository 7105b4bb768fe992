import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decompressFrameSync, compressSync as lz4BlockCompress } from 'lz4-napi';
import { DecodeError } from '../wire/decode-error.ts';
import { lz4Compress, lz4CompressAsync, lz4Decompress, lz4DecompressAsync } from './lz4.ts';
import { xxh32 } from './xxhash32.ts';

/**
 * testdata/lz4-linked-blocks.lz4 was written by the lz4 1.9.4 CLI (`lz4 -B4 -BD -BX`: 64 KiB
 * linked blocks, block and content checksums, no content size) from 8 KiB of LCG bytes
 * repeated 25 times; linking halves its size, so decoding it proves the dependent-block path.
 */
function lcgInput(): Buffer {
  const chunk = Buffer.allocUnsafe(8192);
  let x = 1;
  for (let i = 0; i < chunk.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    chunk[i] = (x >> 16) & 0xff;
  }
  return Buffer.concat(Array.from({ length: 25 }, () => chunk));
}
const linked = readFileSync(new URL('./testdata/lz4-linked-blocks.lz4', import.meta.url));

test('writes standard frames: version 01, independent 64 KiB blocks, no checksums or content size', () => {
  const frame = lz4Compress(Buffer.from('hello hello hello hello'));
  assert.equal(frame.readUInt32LE(0), 0x184d2204);
  assert.equal(frame.subarray(4, 7).toString('hex'), '604082', 'FLG, BD and the header checksum the lz4 CLI writes');
  assert.equal(frame.readUInt32LE(frame.length - 4), 0, 'ends with the EndMark');
});

test('lz4_flex (lz4-napi) reads the frames we write, stored blocks included', async () => {
  const text = Buffer.from('kafka records compress well. '.repeat(10_000));
  const noise = Buffer.alloc(150_000);
  let x = 2463534242;
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    noise[i] = x & 0xff;
  }
  for (const data of [Buffer.alloc(0), text, noise, Buffer.concat([noise, text])]) {
    const frame = lz4Compress(data);
    assert.ok(decompressFrameSync(frame).equals(data));
    assert.ok(lz4Decompress(frame, 1 << 20).equals(data));
    assert.ok((await lz4DecompressAsync(frame, 1 << 20)).equals(data));
    assert.ok((await lz4CompressAsync(data)).equals(frame));
  }
  // Three incompressible blocks, stored: header 7 + 3 × (size word 4) + data + EndMark 4.
  assert.equal(lz4Compress(noise).length, 7 + 12 + noise.length + 4);
});

test('reads the CLI frame with linked blocks, block and content checksums', async () => {
  const expected = lcgInput();
  assert.equal(linked[4], 0x54, 'FLG: linked blocks, block checksums, content checksum');
  assert.ok(lz4Decompress(linked, 64 << 20).equals(expected));
  assert.ok((await lz4DecompressAsync(linked, 64 << 20)).equals(expected));
  assert.ok(lz4Decompress(linked, expected.length).equals(expected));
  assert.throws(() => lz4Decompress(linked, expected.length - 1), /exceeds the limit/);
});

test('verifies header, block and content checksums and the content size', () => {
  const cases: Array<[number, RegExp]> = [
    [6, /header checksum/],
    [20, /block checksum/],
    [linked.length - 2, /content checksum/],
  ];
  for (const [where, message] of cases) {
    const bad = Buffer.from(linked);
    bad[where]! ^= 0x10;
    assert.throws(() => lz4Decompress(bad, 64 << 20), message);
  }
  // A content size of 3 where the block holds 5 bytes.
  const storedHello = Buffer.from('05000080' + '68656c6c6f', 'hex');
  const frame = Buffer.concat([frameHeader('68400300000000000000'), storedHello, Buffer.alloc(4)]);
  assert.throws(() => lz4Decompress(frame, 100), /content size mismatch/);
});

test('accepts concatenated and skippable frames', () => {
  const skippable = Buffer.from('502a4d1803000000abcdef', 'hex');
  const a = lz4Compress(Buffer.from('first '));
  const b = lz4Compress(Buffer.from('second'));
  assert.equal(lz4Decompress(Buffer.concat([a, b]), 1000).toString(), 'first second');
  assert.throws(() => lz4Decompress(Buffer.concat([a, skippable.subarray(0, 6)]), 1000), /truncated/);
  assert.equal(lz4Decompress(Buffer.concat([skippable, a, skippable, b]), 1000).toString(), 'first second');
});

/** Magic, the descriptor given in hex, and its header checksum. */
function frameHeader(descriptorHex: string): Buffer {
  const descriptor = Buffer.from(descriptorHex, 'hex');
  return Buffer.concat([Buffer.from('04224d18', 'hex'), descriptor, Buffer.from([(xxh32(descriptor) >>> 8) & 0xff])]);
}

test('a bomb of 4 MiB blocks is stopped at the limit without inflating it whole', () => {
  // One block that inflates to 4 MiB of zeros, repeated: 20 blocks = 80 MiB declared nowhere.
  const block = lz4BlockCompress(Buffer.alloc(4 << 20)).subarray(4);
  const parts: Buffer[] = [frameHeader('6070')];
  const size = Buffer.alloc(4);
  size.writeUInt32LE(block.length, 0);
  for (let i = 0; i < 20; i++) parts.push(size, block);
  parts.push(Buffer.alloc(4));
  const bomb = Buffer.concat(parts);
  assert.ok(bomb.length < 400_000);
  assert.throws(() => lz4Decompress(bomb, 64 << 20), /exceeds the limit of 67108864/);
  // A declared content size past the limit is refused from the header alone.
  const declared = Buffer.concat([frameHeader('68700000000001000000'), Buffer.alloc(4)]);
  assert.throws(() => lz4Decompress(declared, 64 << 20), /exceeds the limit/);
});

test('structural garbage raises DecodeError', () => {
  for (const hex of ['', '04224d', '04224d18', '04224d1800', '04224d18604000', '04224d18607000ffffff7f', '04224d18e07000', '04224d18600000', 'deadbeef00000000']) {
    assert.throws(() => lz4Decompress(Buffer.from(hex, 'hex'), 1 << 20), DecodeError, hex);
  }
});
