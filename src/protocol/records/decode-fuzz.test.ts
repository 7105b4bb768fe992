import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../wire/decode-error.ts';
import { Compression, computeBatchCrc } from './batch-header.ts';
import { buildBatch } from './build-batch.ts';
import { decodeControlRecord } from './control-record.ts';
import { decodeBatch, decodeBatchAsync, decodeBatches } from './decode-batch.ts';

/**
 * Decoders face bytes from the network and from disk: whatever they get, they either decode
 * or throw DecodeError (never RangeError, TypeError, …), and they terminate.
 */
function onlyDecodeError(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof DecodeError, `unexpected ${(err as Error)?.constructor?.name}: ${String(err)}`);
  }
}

const valid = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd].map((compression) =>
  buildBatch({
    compression,
    baseOffset: 100n,
    now: 1_700_000_000_000n,
    records: Array.from({ length: 6 }, (_, i) => ({
      key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
      value: i === 4 ? null : Buffer.from(`value ${i} `.repeat(i + 1)),
      headers: i % 2 === 0 ? [{ key: 'h', value: Buffer.from([i]) }] : [],
      timestamp: 1_700_000_000_000n - BigInt(i * 7),
    })),
  }),
);

/** Re-stamps the CRC so mutations reach the record decoder instead of stopping at the checksum. */
function restamp(buf: Buffer): Buffer {
  if (buf.length >= 61 && buf.readInt32BE(8) + 12 <= buf.length && buf.readInt32BE(8) >= 49) {
    buf.writeUInt32BE(computeBatchCrc(buf, 0), 17);
  }
  return buf;
}

test('random bytes into decodeBatch / decodeBatches', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const buf = Buffer.from(bytes);
      onlyDecodeError(() => decodeBatch(buf));
      onlyDecodeError(() => decodeBatch(restamp(buf), 0));
      onlyDecodeError(() => decodeBatches(buf));
    }),
    { numRuns: 1000 },
  );
});

test('random bytes behind a valid header (CRC fixed up) reach the record decoder', () => {
  fc.assert(
    fc.property(fc.constantFrom(0, 1, 2, 3, 4), fc.integer({ min: -2, max: 50 }), fc.uint8Array({ maxLength: 300 }), (codec, count, body) => {
      const buf = Buffer.concat([Buffer.from(valid[0]!.subarray(0, 61)), Buffer.from(body)]);
      buf.writeInt32BE(buf.length - 12, 8);
      buf.writeInt16BE(codec, 21);
      buf.writeInt32BE(count, 57);
      restamp(buf);
      onlyDecodeError(() => {
        for (const r of decodeBatch(buf).records) onlyDecodeError(() => decodeControlRecord(r));
      });
    }),
    { numRuns: 1000 },
  );
});

test('mutated valid batches (all codecs), with and without CRC fix-up', async () => {
  fc.assert(
    fc.property(
      fc.nat(valid.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.nat(),
      (which, flips, fix, cut) => {
        const buf = Buffer.from(valid[which]!);
        for (const [where, xor] of flips) buf[where % buf.length]! ^= xor;
        if (fix) restamp(buf);
        onlyDecodeError(() => decodeBatch(buf));
        onlyDecodeError(() => decodeBatches(buf));
        onlyDecodeError(() => decodeBatch(valid[which]!.subarray(0, cut % valid[which]!.length)));
      },
    ),
    { numRuns: 1500 },
  );
  for (const buf of valid) {
    const bad = restamp(Buffer.from(buf));
    bad[bad.length - 3]! ^= 0xff;
    await decodeBatchAsync(restamp(bad)).then(
      () => {},
      (err: unknown) => assert.ok(err instanceof DecodeError),
    );
  }
});
