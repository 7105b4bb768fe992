import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Compression } from './batch-header.ts';
import { buildBatch } from './build-batch.ts';
import { checkBatchAt, scanBatches, scanFetchedBatches } from './scan-batches.ts';

const a = buildBatch({ baseOffset: 0n, now: 1n, records: [{ value: Buffer.from('one') }, { value: Buffer.from('two') }] });
const b = buildBatch({ baseOffset: 2n, now: 2n, compression: Compression.gzip, records: [{ value: Buffer.from('three') }] });
const c = buildBatch({ baseOffset: 3n, now: 3n, records: [] });
const blob = Buffer.concat([a, b, c]);

test('lists every batch with its position, size and header', () => {
  const scan = scanBatches(blob);
  assert.equal(scan.error, undefined);
  assert.equal(scan.validBytes, blob.length);
  assert.deepEqual(
    scan.batches.map((x) => [x.position, x.size, x.header.baseOffset]),
    [
      [0, a.length, 0n],
      [a.length, b.length, 2n],
      [a.length + b.length, c.length, 3n],
    ],
  );
  assert.deepEqual(scanBatches(Buffer.alloc(0)), { batches: [], validBytes: 0, partialTail: 0 });
});

test('a trailing partial batch is an error for Produce and recovery, dropped for Fetch', () => {
  for (let cut = 1; cut < c.length; cut++) {
    const torn = blob.subarray(0, blob.length - cut);
    const strict = scanBatches(torn);
    assert.equal(strict.error?.kind, 'truncated', `cut ${cut}`);
    assert.equal(strict.error?.position, a.length + b.length);
    assert.equal(strict.validBytes, a.length + b.length);
    const tolerant = scanFetchedBatches(torn);
    assert.equal(tolerant.error, undefined);
    assert.equal(tolerant.batches.length, 2);
    assert.equal(tolerant.partialTail, c.length - cut);
  }
});

test('reports CRC, magic and length problems at the first bad batch', () => {
  const crc = Buffer.from(blob);
  crc[a.length + 70]! ^= 0x40;
  assert.deepEqual(
    [scanBatches(crc).error?.kind, scanBatches(crc).validBytes, scanBatches(crc).batches.length],
    ['crc', a.length, 1],
  );
  assert.equal(scanBatches(crc, { verifyCrc: false }).error, undefined);
  assert.equal(scanFetchedBatches(crc).error?.kind, 'crc');

  const magic = Buffer.from(blob);
  magic[a.length + 16] = 1;
  assert.equal(scanBatches(magic).error?.kind, 'magic');
  // Garbage is not mistaken for a partial batch once its magic byte is visible.
  assert.equal(scanFetchedBatches(magic.subarray(0, a.length + 20)).error?.kind, 'magic');

  const short = Buffer.from(blob);
  short.writeInt32BE(12, a.length + 8);
  assert.equal(scanBatches(short).error?.kind, 'corrupt');
  short.writeInt32BE(-5, a.length + 8);
  assert.equal(scanFetchedBatches(short).error?.kind, 'corrupt');
});

test('checkBatchAt returns the size of a good batch', () => {
  assert.equal(checkBatchAt(blob, a.length), b.length);
  assert.equal(checkBatchAt(blob, blob.length - 5), 'truncated');
});

test('garbage only ever yields a result, never an exception, and never loops', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, tolerant) => {
      const buf = Buffer.from(bytes);
      const scan = scanBatches(buf, { allowPartialTail: tolerant });
      assert.ok(scan.validBytes <= buf.length);
      assert.ok(scan.error !== undefined || scan.validBytes + scan.partialTail === buf.length);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (where, xor) => {
      const buf = Buffer.from(blob);
      buf[where % buf.length]! ^= xor;
      const scan = scanBatches(buf);
      assert.ok(scan.error !== undefined || scan.validBytes === buf.length);
    }),
    { numRuns: 500 },
  );
});
