import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import fc from 'fast-check';
import { DecodeError } from '../wire/decode-error.ts';
import { Compression, type CompressionCode } from './batch-header.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, compress, compressAsync, decompress, decompressAsync } from './compression.ts';

const CODECS: CompressionCode[] = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];
const COMPRESSED: CompressionCode[] = CODECS.filter((c) => c !== Compression.none);

function textLike(n: number, seed: number): Buffer {
  let text = '';
  let x = seed;
  while (text.length < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    text += `{"id":${x % 10000},"user":"u${x % 97}","ok":${x % 2 === 0}}\n`;
  }
  return Buffer.from(text.slice(0, n));
}

const payload = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
  fc.tuple(fc.integer({ min: 0, max: 200_000 }), fc.nat()).map(([n, seed]) => textLike(n, seed)),
);

test('every codec round-trips, sync and async in any combination', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...CODECS), payload, async (codec, data) => {
      const sync = compress(codec, data);
      const async = await compressAsync(codec, data);
      assert.ok(decompress(codec, sync).equals(data));
      assert.ok(decompress(codec, async).equals(data));
      assert.ok((await decompressAsync(codec, sync)).equals(data));
    }),
    { numRuns: 60 },
  );
});

test('compression levels are honoured for gzip and zstd (KIP-390)', () => {
  const data = textLike(100_000, 3);
  for (const codec of [Compression.gzip, Compression.zstd] as const) {
    const fast = compress(codec, data, { level: 1 });
    const best = compress(codec, data, { level: codec === Compression.gzip ? 9 : 19 });
    assert.ok(best.length < fast.length, `codec ${codec}`);
    assert.ok(decompress(codec, best).equals(data));
  }
});

test('output past the limit raises DecodeError, sync and async', async () => {
  const data = textLike(200_000, 9);
  for (const codec of COMPRESSED) {
    const packed = compress(codec, data);
    assert.throws(() => decompress(codec, packed, 199_999), /exceeds the limit of 199999/, `codec ${codec}`);
    await assert.rejects(decompressAsync(codec, packed, 100), /exceeds the limit/, `codec ${codec}`);
    assert.equal(decompress(codec, packed, 200_000).length, 200_000);
    assert.equal((await decompressAsync(codec, packed, 200_000)).length, 200_000);
    assert.throws(() => decompress(codec, packed, 0), DecodeError);
  }
});

test('the default limit stops a 65 MiB bomb', () => {
  // zstd and gzip of zeros: a few KiB in, 65 MiB out. The limit trips while inflating.
  const zeros = Buffer.alloc(DEFAULT_MAX_DECOMPRESSED_BYTES + 1024 * 1024);
  assert.throws(() => decompress(Compression.zstd, zstdCompressSync(zeros)), /exceeds the limit of 67108864/);
  assert.throws(() => decompress(Compression.gzip, gzipSync(zeros, { level: 1 })), /exceeds the limit/);
});

test('unknown codecs 5..7 raise DecodeError; none passes data through', async () => {
  for (const codec of [5, 6, 7, -1]) {
    assert.throws(() => decompress(codec, Buffer.from('x')), DecodeError);
    await assert.rejects(decompressAsync(codec, Buffer.from('x')), DecodeError);
  }
  const data = Buffer.from('plain');
  assert.equal(compress(Compression.none, data), data);
  assert.equal(decompress(Compression.none, data), data);
});

test('random and mutated input raises only DecodeError (never another exception)', async () => {
  const samples = COMPRESSED.map((codec) => [codec, compress(codec, textLike(5_000, codec))] as const);
  const onlyDecodeErrors = (run: () => unknown): void => {
    try {
      run();
    } catch (err) {
      assert.ok(err instanceof DecodeError, `unexpected ${String(err)}`);
    }
  };
  fc.assert(
    fc.property(fc.constantFrom(...COMPRESSED), fc.uint8Array({ maxLength: 200 }), (codec, bytes) => {
      onlyDecodeErrors(() => decompress(codec, Buffer.from(bytes), 1 << 20));
    }),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(fc.nat(samples.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (which, flips, cut) => {
      const [codec, packed] = samples[which]!;
      const bad = Buffer.from(packed);
      for (const [where, xor] of flips) bad[where % bad.length]! ^= xor;
      onlyDecodeErrors(() => decompress(codec, bad, 1 << 20));
      onlyDecodeErrors(() => decompress(codec, packed.subarray(0, cut % packed.length), 1 << 20));
    }),
    { numRuns: 400 },
  );
  for (const codec of COMPRESSED) {
    await decompressAsync(codec, Buffer.from('definitely not compressed')).then(
      () => {},
      (err: unknown) => assert.ok(err instanceof DecodeError),
    );
  }
});
