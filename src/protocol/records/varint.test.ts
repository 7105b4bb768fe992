import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../wire/decode-error.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { isFastVarlong, readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.ts';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const anyVarlong = fc.oneof(int64, fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), fc.integer({ min: -1000, max: 1000 }));

test('varints match the wire Writer byte for byte and their predicted size', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
      const buf = Buffer.alloc(5);
      const end = writeVarint(buf, 0, v);
      assert.equal(end, sizeOfVarint(v));
      assert.deepEqual(buf.subarray(0, end), new Writer().varint(v).toBuffer());
      assert.equal(new Reader(buf, 0, end).varint(), v);
      assert.equal(readVarint(new Reader(buf, 0, end)), v);
    }),
  );
});

test('varlongs (number and bigint forms) match the wire Writer and read back exactly', () => {
  fc.assert(
    fc.property(anyVarlong, (v) => {
      const big = BigInt(v);
      const buf = Buffer.alloc(10);
      const end = writeVarlong(buf, 0, v);
      assert.equal(end, sizeOfVarlong(v));
      assert.deepEqual(buf.subarray(0, end), new Writer().varlong(big).toBuffer());
      const r = new Reader(buf, 0, end);
      const back = readVarlong(r);
      assert.equal(BigInt(back), big);
      assert.equal(r.pos, end);
      // Small values come back as numbers, so decoding needs no bigint arithmetic for them.
      if (big >= -(2n ** 48n) && big < 2n ** 48n) assert.equal(typeof back, 'number');
      if (typeof v === 'number') assert.ok(isFastVarlong(v));
    }),
  );
  for (const edge of [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 48n, -(2n ** 48n) - 1n, 2n ** 52n, -(2n ** 52n)]) {
    const buf = Buffer.alloc(10);
    const end = writeVarlong(buf, 0, edge);
    assert.equal(BigInt(readVarlong(new Reader(buf, 0, end))), edge);
  }
});

test('readVarlong rejects truncated, overlong and over-64-bit encodings', () => {
  for (const hex of ['', '80', 'ffffffffffffff', 'ffffffffffffffffffff01', 'ffffffffffffffffff7f', 'ffffffffffffffffffff']) {
    assert.throws(() => readVarlong(new Reader(Buffer.from(hex, 'hex'))), DecodeError, hex);
  }
  assert.equal(readVarlong(new Reader(Buffer.from('ffffffffffffffffff01', 'hex'))), -(2n ** 63n));
});

test('readVarint agrees with the wire Reader on arbitrary bytes, errors included', () => {
  const outcome = (read: (r: Reader) => number, bytes: Buffer): string => {
    const r = new Reader(bytes);
    try {
      return `${read(r)}@${r.pos}`;
    } catch (err) {
      assert.ok(err instanceof DecodeError);
      return 'error';
    }
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 7 }), (bytes) => {
      const buf = Buffer.from(bytes);
      assert.equal(outcome(readVarint, buf), outcome((r) => r.varint(), buf));
    }),
    { numRuns: 2000 },
  );
});
