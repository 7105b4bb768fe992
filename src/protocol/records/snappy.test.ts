import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressSync as rawSnappy } from 'snappy';
import { DecodeError } from '../wire/decode-error.ts';
import { XERIAL_BLOCK_SIZE, isXerialFramed, snappyCompress, snappyCompressAsync, snappyDecompress, snappyDecompressAsync } from './snappy.ts';

const XERIAL_HEADER_HEX = '82534e415050590000000001' + '00000001';

function sample(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = 0x61 + ((i * 7 + (i >> 5)) % 23);
  return out;
}

test('writes xerial framing with 32 KiB blocks, as snappy-java does', () => {
  const data = sample(100_000);
  const framed = snappyCompress(data);
  assert.equal(framed.subarray(0, 16).toString('hex'), XERIAL_HEADER_HEX);
  let pos = 16;
  const blocks: number[] = [];
  while (pos < framed.length) {
    const len = framed.readInt32BE(pos);
    const block = framed.subarray(pos + 4, pos + 4 + len);
    blocks.push(snappyDecompress(block, 1 << 20).length);
    pos += 4 + len;
  }
  assert.equal(pos, framed.length);
  assert.deepEqual(blocks, [XERIAL_BLOCK_SIZE, XERIAL_BLOCK_SIZE, XERIAL_BLOCK_SIZE, 100_000 - 3 * XERIAL_BLOCK_SIZE]);
  assert.ok(snappyDecompress(framed, 1 << 20).equals(data));
});

test('async compression gives the same bytes; async decompression the same data', async () => {
  const data = sample(70_000);
  const framed = await snappyCompressAsync(data);
  assert.ok(framed.equals(snappyCompress(data)));
  assert.ok((await snappyDecompressAsync(framed, 1 << 20)).equals(data));
  assert.ok((await snappyDecompressAsync(rawSnappy(data), 1 << 20)).equals(data));
});

test('reads raw snappy (librdkafka) as well as xerial', () => {
  const data = sample(50_000);
  const raw = rawSnappy(data);
  assert.equal(isXerialFramed(raw), false);
  assert.ok(snappyDecompress(raw, 1 << 20).equals(data));
  // A literal-only block written by hand: preamble varint 5, tag (5-1)<<2, bytes.
  assert.equal(snappyDecompress(Buffer.from('051068656c6c6f', 'hex'), 100).toString(), 'hello');
});

test('reads concatenated xerial streams and a header-only stream', () => {
  const a = snappyCompress(Buffer.from('kafka '));
  const b = snappyCompress(Buffer.from('snappy'));
  assert.equal(snappyDecompress(Buffer.concat([a, b]), 100).toString(), 'kafka snappy');
  assert.equal(snappyDecompress(Buffer.from(XERIAL_HEADER_HEX, 'hex'), 100).length, 0);
  assert.equal(snappyCompress(Buffer.alloc(0)).toString('hex'), XERIAL_HEADER_HEX);
});

test('the declared sizes are checked before inflating', () => {
  // A raw block claiming 2^32-1 bytes, and xerial blocks whose sum passes the limit.
  assert.throws(() => snappyDecompress(Buffer.from('ffffffff0f00', 'hex'), 1 << 20), /exceeds the limit/);
  const data = sample(3 * XERIAL_BLOCK_SIZE);
  assert.throws(() => snappyDecompress(snappyCompress(data), 2 * XERIAL_BLOCK_SIZE + 1), /exceeds the limit/);
  assert.equal(snappyDecompress(snappyCompress(data), data.length).length, data.length);
});

test('broken framing and blocks raise DecodeError', () => {
  const framed = snappyCompress(sample(40_000));
  const cases = [
    Buffer.alloc(0),
    framed.subarray(0, 10),
    framed.subarray(0, 18),
    framed.subarray(0, framed.length - 1),
    Buffer.concat([Buffer.from(XERIAL_HEADER_HEX, 'hex'), Buffer.from('ffffffff', 'hex')]),
    Buffer.from('ffffffffff', 'hex'),
    Buffer.from('0a1068656c6c6f', 'hex'),
  ];
  for (const c of cases) assert.throws(() => snappyDecompress(c, 1 << 20), DecodeError, c.toString('hex').slice(0, 40));
});
