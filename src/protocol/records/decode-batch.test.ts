import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../wire/decode-error.ts';
import { Compression } from './batch-header.ts';
import { decodeBatch, decodeBatchAsync, decodeBatches, decodeBatchesAsync, nextOffsetOf } from './decode-batch.ts';
import { KNOWN } from './testdata/known-batches.ts';


function checkKnown(batch: ReturnType<typeof decodeBatch>, compression: number): void {
  assert.deepEqual(batch.header, {
    baseOffset: 5n,
    batchLength: batch.size - 12,
    partitionLeaderEpoch: 7,
    magic: 2,
    crc: batch.header.crc,
    attributes: compression,
    lastOffsetDelta: 1,
    baseTimestamp: 1000n,
    maxTimestamp: 1003n,
    producerId: 42n,
    producerEpoch: 3,
    baseSequence: 10,
    recordCount: 2,
  });
  assert.equal(batch.compression, compression);
  assert.equal(batch.isControl, false);
  assert.equal(batch.isTransactional, false);
  assert.equal(batch.timestampType, 'create');
  assert.deepEqual(batch.records, [
    { offset: 5n, timestamp: 1003n, key: Buffer.from('k'), value: Buffer.from('v1'), headers: [{ key: 'h', value: null }] },
    { offset: 6n, timestamp: 999n, key: null, value: Buffer.alloc(0), headers: [] },
  ]);
}

const CASES = [
  ['none', KNOWN.none, Compression.none],
  ['gzip', KNOWN.gzip, Compression.gzip],
  ['snappy (raw block)', KNOWN.snappyRaw, Compression.snappy],
  ['snappy (xerial framing)', KNOWN.snappyXerial, Compression.snappy],
  ['lz4 (frame with content size and block checksums)', KNOWN.lz4, Compression.lz4],
  ['zstd', KNOWN.zstd, Compression.zstd],
] as const;

for (const [name, hex, compression] of CASES) {
  test(`decodes a hand-built ${name} batch`, async () => {
    const buf = Buffer.from(hex, 'hex');
    checkKnown(decodeBatch(buf), compression);
    checkKnown(await decodeBatchAsync(buf), compression);
  });
}

test('decodes a batch at an offset inside a larger buffer', () => {
  const buf = Buffer.concat([Buffer.from('junk'), Buffer.from(KNOWN.none, 'hex'), Buffer.from('more')]);
  checkKnown(decodeBatch(buf, 4), Compression.none);
});

test('keys and values of uncompressed batches are views of the input', () => {
  const buf = Buffer.from(KNOWN.none, 'hex');
  const rec = decodeBatch(buf).records[0]!;
  assert.equal(rec.key!.buffer, buf.buffer);
  assert.equal(rec.value!.buffer, buf.buffer);
});

test('any flipped byte under the CRC is detected', () => {
  const good = Buffer.from(KNOWN.none, 'hex');
  for (let i = 21; i < good.length; i++) {
    const bad = Buffer.from(good);
    bad[i]! ^= 0x01;
    assert.throws(() => decodeBatch(bad), /fails its CRC-32C check/, `byte ${i}`);
  }
});

test('baseOffset and leader epoch are outside the CRC', () => {
  const buf = Buffer.from(KNOWN.none, 'hex');
  buf.writeBigInt64BE(1000n, 0);
  buf.writeInt32BE(99, 12);
  const batch = decodeBatch(buf);
  assert.equal(batch.records[1]!.offset, 1001n);
  assert.equal(batch.header.partitionLeaderEpoch, 99);
  assert.equal(nextOffsetOf(batch.header), 1002n);
});

test('LogAppendTime batches give every record the batch maxTimestamp', () => {
  const buf = Buffer.from(KNOWN.none, 'hex');
  buf.writeInt16BE(0x08, 21);
  const batch = decodeBatch(buf, 0, { verifyCrc: false });
  assert.equal(batch.timestampType, 'logAppend');
  assert.deepEqual(batch.records.map((r) => r.timestamp), [1003n, 1003n]);
});

test('record count and record lengths must match the bytes exactly (DefaultRecordBatch iterator)', () => {
  const tooMany = Buffer.from(KNOWN.none, 'hex');
  tooMany.writeInt32BE(3, 57);
  assert.throws(() => decodeBatch(tooMany, 0, { verifyCrc: false }), /does not fit|need|invalid/);
  const tooFew = Buffer.from(KNOWN.none, 'hex');
  tooFew.writeInt32BE(1, 57);
  assert.throws(() => decodeBatch(tooFew, 0, { verifyCrc: false }), /bytes left/);
  const longer = Buffer.from(KNOWN.none, 'hex');
  longer[61] = 0x1a; // first record claims 13 bytes, holds 12
  assert.throws(() => decodeBatch(longer, 0, { verifyCrc: false }), DecodeError);
  const negativeCount = Buffer.from(KNOWN.none, 'hex');
  negativeCount.writeInt32BE(-1, 57);
  assert.throws(() => decodeBatch(negativeCount, 0, { verifyCrc: false }), DecodeError);
});

test('rejects other magics, bad lengths, bad positions and unknown codecs with DecodeError', () => {
  const good = Buffer.from(KNOWN.none, 'hex');
  const magic1 = Buffer.from(good);
  magic1[16] = 1;
  assert.throws(() => decodeBatch(magic1), /magic 1/);
  const short = Buffer.from(good);
  short.writeInt32BE(48, 8);
  assert.throws(() => decodeBatch(short), /below the minimum/);
  assert.throws(() => decodeBatch(good.subarray(0, good.length - 1)), /overruns/);
  assert.throws(() => decodeBatch(good, -1), DecodeError);
  assert.throws(() => decodeBatch(good, 0.5), DecodeError);
  assert.throws(() => decodeBatch(good, good.length), DecodeError);
  const codec6 = Buffer.from(good);
  codec6.writeInt16BE(6, 21);
  assert.throws(() => decodeBatch(codec6, 0, { verifyCrc: false }), /unknown compression codec 6/);
});

test('decodeBatches decodes every batch and drops a trailing partial one', async () => {
  const one = Buffer.from(KNOWN.gzip, 'hex');
  const two = Buffer.from(KNOWN.lz4, 'hex');
  const blob = Buffer.concat([one, two, two.subarray(0, 30)]);
  const batches = decodeBatches(blob);
  assert.deepEqual(batches.map((b) => b.compression), [Compression.gzip, Compression.lz4]);
  assert.deepEqual(await decodeBatchesAsync(blob), batches);
  assert.throws(() => decodeBatches(Buffer.concat([one, Buffer.alloc(20, 0xff)])), DecodeError);
  await assert.rejects(decodeBatchesAsync(Buffer.concat([one, Buffer.alloc(20, 0xff)])), DecodeError);
});

test('the decompression limit applies to decodeBatch', () => {
  assert.throws(() => decodeBatch(Buffer.from(KNOWN.zstd, 'hex'), 0, { maxDecompressedBytes: 10 }), /exceeds the limit/);
});
