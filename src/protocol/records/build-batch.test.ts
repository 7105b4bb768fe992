import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GregorError } from '../../util/index.ts';
import { Attributes, Compression, isBatchCrcValid, type CompressionCode } from './batch-header.ts';
import { buildBatch, buildBatchAsync, type BuildBatchOptions, type RecordInput } from './build-batch.ts';
import { decodeBatch } from './decode-batch.ts';
import { KNOWN } from './testdata/known-batches.ts';

/** Deterministic filler so large values shrink and replay with the fast-check seed. */
function filled(length: number, seed: number, compressible: boolean): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    out[i] = compressible ? 0x61 + ((x >>> 16) & 0x07) : x >>> 24;
  }
  return out;
}

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const largeBytes = fc
  .tuple(fc.integer({ min: 8_000, max: 120_000 }), fc.integer(), fc.boolean())
  .map(([n, seed, compressible]) => filled(n, seed, compressible));
const value = fc.oneof(
  { weight: 6, arbitrary: bytes },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: largeBytes },
);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NOW = 1_700_000_000_000n;
const timestamp = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: NOW - 100_000n, max: NOW + 100_000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(INT64_MIN, INT64_MAX, -1n, 0n) },
);
const header = fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 12 }), value: fc.option(bytes, { nil: null }) }, { noNullPrototype: true });
const record: fc.Arbitrary<RecordInput & { gap: number }> = fc.record(
  {
    key: fc.option(bytes, { nil: null }),
    value,
    headers: fc.array(header, { maxLength: 4 }),
    timestamp,
    gap: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 1000 })),
  },
  { requiredKeys: ['value', 'gap'], noNullPrototype: true },
);
const compression = fc.constantFrom<CompressionCode>(
  Compression.none,
  Compression.gzip,
  Compression.snappy,
  Compression.lz4,
  Compression.zstd,
);
const options = fc.record({
  baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  compression,
  producerId: fc.bigInt({ min: -1n, max: INT64_MAX }),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  isTransactional: fc.boolean(),
  explicitDeltas: fc.boolean(),
  records: fc.array(record, { maxLength: 12 }),
});

test('buildBatch → decodeBatch round-trips records and header fields (all codecs)', () => {
  fc.assert(
    fc.property(options, ({ explicitDeltas, records, ...rest }) => {
      let delta = -1;
      const inputs: RecordInput[] = records.map(({ gap, ...r }) => {
        delta += explicitDeltas ? gap : 1;
        return explicitDeltas ? { ...r, offsetDelta: delta } : r;
      });
      const opts: BuildBatchOptions = { ...rest, now: NOW, records: inputs };
      const buf = buildBatch(opts);
      assert.ok(isBatchCrcValid(buf));
      const batch = decodeBatch(buf);
      assert.equal(batch.size, buf.length);
      assert.equal(batch.compression, rest.compression);
      assert.equal(batch.isTransactional, rest.isTransactional);
      assert.equal(batch.isControl, false);
      const h = batch.header;
      assert.equal(h.baseOffset, rest.baseOffset);
      assert.equal(h.partitionLeaderEpoch, rest.partitionLeaderEpoch);
      assert.equal(h.producerId, rest.producerId);
      assert.equal(h.producerEpoch, rest.producerEpoch);
      assert.equal(h.baseSequence, rest.baseSequence);
      assert.equal(h.recordCount, inputs.length);
      assert.equal(h.lastOffsetDelta, delta);
      const stamps = inputs.map((r) => r.timestamp ?? NOW);
      assert.equal(h.baseTimestamp, stamps[0] ?? -1n);
      assert.equal(h.maxTimestamp, stamps.length === 0 ? -1n : stamps.reduce((a, b) => (b > a ? b : a)));
      assert.deepEqual(
        batch.records,
        inputs.map((r, i) => ({
          offset: rest.baseOffset + BigInt(r.offsetDelta ?? i),
          timestamp: stamps[i],
          key: r.key ?? null,
          value: r.value,
          headers: r.headers ?? [],
        })),
      );
    }),
    { numRuns: 150 },
  );
});

test('buildBatchAsync builds the same batch as buildBatch', async () => {
  const records = Array.from({ length: 300 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: filled(200, i, true), timestamp: NOW + BigInt(i) }));
  for (const codec of [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd] as const) {
    const opts = { compression: codec, records };
    const sync = buildBatch(opts);
    const async = await buildBatchAsync(opts);
    // zstd's streaming encoder may frame differently on the thread pool; the records must match.
    if (codec !== Compression.zstd) assert.ok(async.equals(sync), `codec ${codec}`);
    assert.deepEqual(decodeBatch(async).records, decodeBatch(sync).records);
  }
});

test('builds the known-answer batch byte for byte', () => {
  const built = buildBatch({
    baseOffset: 5n,
    partitionLeaderEpoch: 7,
    producerId: 42n,
    producerEpoch: 3,
    baseSequence: 10,
    baseTimestamp: 1000n,
    records: [
      { key: Buffer.from('k'), value: Buffer.from('v1'), headers: [{ key: 'h', value: null }], timestamp: 1003n },
      { key: null, value: Buffer.alloc(0), timestamp: 999n },
    ],
  });
  assert.equal(built.toString('hex'), KNOWN.none);
});

test('baseTimestamp defaults to the first record timestamp (MemoryRecordsBuilder)', () => {
  const buf = buildBatch({ records: [{ value: null, timestamp: 50n }, { value: null, timestamp: 20n }] });
  const batch = decodeBatch(buf);
  assert.equal(batch.header.baseTimestamp, 50n);
  assert.equal(batch.header.maxTimestamp, 50n);
  assert.deepEqual(batch.records.map((r) => r.timestamp), [50n, 20n]);
});

test('records without a timestamp get `now`', () => {
  const batch = decodeBatch(buildBatch({ now: 77n, records: [{ value: null }, { value: null, timestamp: 80n }] }));
  assert.deepEqual(batch.records.map((r) => r.timestamp), [77n, 80n]);
});

test('attribute bits: timestamp type, transactional, control, delete horizon', () => {
  const buf = buildBatch({
    timestampType: 'logAppend',
    isTransactional: true,
    isControl: true,
    hasDeleteHorizon: true,
    compression: Compression.lz4,
    records: [{ value: null, timestamp: 9n }],
  });
  const batch = decodeBatch(buf);
  assert.equal(
    batch.header.attributes,
    Compression.lz4 | Attributes.logAppendTime | Attributes.transactional | Attributes.control | Attributes.deleteHorizon,
  );
  assert.equal(batch.timestampType, 'logAppend');
  assert.ok(batch.isControl && batch.isTransactional);
});

test('an empty batch has lastOffsetDelta -1 and no timestamps (as Kafka writes them)', () => {
  const batch = decodeBatch(buildBatch({ baseOffset: 10n, records: [] }));
  assert.equal(batch.header.recordCount, 0);
  assert.equal(batch.header.lastOffsetDelta, -1);
  assert.equal(batch.header.baseTimestamp, -1n);
  assert.deepEqual(batch.records, []);
});

test('flipping any byte under the CRC of a built batch invalidates it', () => {
  fc.assert(
    fc.property(compression, fc.nat(), fc.integer({ min: 1, max: 255 }), (codec, where, xor) => {
      const buf = buildBatch({ compression: codec, now: NOW, records: [{ key: Buffer.from('key'), value: filled(300, 7, true) }] });
      const i = 21 + (where % (buf.length - 21));
      buf[i]! ^= xor;
      assert.equal(isBatchCrcValid(buf), false);
    }),
    { numRuns: 200 },
  );
});

test('offset deltas must increase: a caller bug, not a decode error', () => {
  const call = (deltas: number[]) => () => buildBatch({ records: deltas.map((offsetDelta) => ({ value: null, offsetDelta })) });
  assert.throws(call([0, 0]), (e: unknown) => e instanceof GregorError && e.code === 'INVALID_ARGUMENT');
  assert.throws(call([3, 2]), GregorError);
  assert.throws(call([-1]), GregorError);
  assert.throws(call([0.5]), GregorError);
  assert.throws(call([2 ** 31]), GregorError);
  assert.doesNotThrow(call([0, 5, 2 ** 31 - 1]));
});
