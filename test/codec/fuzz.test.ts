import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { API_TABLE } from '../../codegen/api-table.ts';
import * as messages from '../../src/protocol/messages/index.ts';
import { DecodeError, Reader, Writer } from '../../src/protocol/wire/index.ts';
import { messageArbitrary, spec } from './spec-arbitraries.ts';

/**
 * Fuzzed input into every generated decoder: random bytes, and valid messages with bytes flipped,
 * cut short, inserted, or with a length/count field blown up. A decoder may succeed or throw
 * DecodeError; any other exception (RangeError, TypeError, out-of-memory from a huge count) fails.
 * The test-level timeout is a watchdog against hangs, not a timing assertion.
 */

type Decode = (r: Reader, v: number) => unknown;
type Encode = (w: Writer, v: number, o: never) => void;

const runs = Number(process.env['CODEC_FUZZ_RUNS'] ?? 60);
const table = messages as unknown as Record<string, unknown>;

function mustOnlyThrowDecodeError(decode: Decode, version: number, bytes: Uint8Array): void {
  try {
    decode(new Reader(Buffer.from(bytes)), version);
  } catch (err) {
    if (!(err instanceof DecodeError)) {
      assert.fail(`v${version}: ${String(err)} for input ${Buffer.from(bytes).toString('hex').slice(0, 200)}`);
    }
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), value: fc.constantFrom(0x7fffffff, 0xffffffff, 0x80000000, 0x0fffffff) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Buffer, m: Mutation): Buffer {
  if (bytes.length === 0) return bytes;
  const at = m.at % bytes.length;
  switch (m.kind) {
    case 'flip': {
      const copy = Buffer.from(bytes);
      copy[at] = m.value;
      return copy;
    }
    case 'cut':
      return bytes.subarray(0, at);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    case 'huge': {
      const copy = Buffer.from(bytes);
      if (at + 4 <= copy.length) copy.writeUInt32BE(m.value, at);
      return copy;
    }
  }
}

describe('decoders only ever throw DecodeError', { timeout: 120_000 }, () => {
  for (const [name, lo, hi] of API_TABLE) {
    for (const kind of ['Request', 'Response']) {
      const full = `${name}${kind}`;
      it(full, () => {
        const decode = table[`decode${full}`] as Decode;
        const encode = table[`encode${full}`] as Encode;
        const msg = spec(full);
        for (let v = lo; v <= hi; v++) {
          fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => mustOnlyThrowDecodeError(decode, v, bytes)), { numRuns: runs });
          fc.assert(
            fc.property(messageArbitrary(msg, v), fc.array(mutation, { minLength: 1, maxLength: 3 }), (o, mutations) => {
              const w = new Writer(64);
              encode(w, v, o as never);
              let bytes = w.toBuffer();
              for (const m of mutations) bytes = mutate(bytes, m);
              mustOnlyThrowDecodeError(decode, v, bytes);
            }),
            { numRuns: runs },
          );
        }
      });
    }
  }
});

describe('request frames', () => {
  it('header decoding of random frames only throws DecodeError', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 80 }), fc.integer({ min: -1, max: 20 }), fc.uint8Array({ maxLength: 128 }), (key, version, rest) => {
        const frame = Buffer.alloc(4 + rest.length);
        frame.writeInt16BE(key, 0);
        frame.writeInt16BE(version, 2);
        Buffer.from(rest).copy(frame, 4);
        try {
          const r = new Reader(frame);
          const header = messages.decodeRequestHeaderFrom(r);
          if (messages.API_INFO[header.apiKey] !== undefined) {
            messages.decodeRequestFrameBody(header.apiKey as messages.ApiKeyNumber, header.apiVersion, r);
          }
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a response frame encodes with the header version its API and version call for', () => {
    const apiVersions = messages.encodeResponseFrame(messages.ApiKey.ApiVersions, 3, 7, {
      errorCode: 0,
      apiKeys: [],
      throttleTimeMs: 0,
    });
    const bytes = Buffer.concat(apiVersions);
    // size, correlation id, then straight into the body: ApiVersions v3 still uses response header v0.
    assert.equal(bytes.readInt32BE(0), bytes.length - 4);
    assert.equal(bytes.readInt32BE(4), 7);
    assert.equal(bytes.readInt16BE(8), 0);
    const metadata = Buffer.concat(
      messages.encodeResponseFrame(messages.ApiKey.Metadata, 9, 8, { brokers: [], topics: [], clusterId: null, controllerId: 1 }),
    );
    // Metadata v9 is flexible: header v1 adds an (empty) tagged-field section after the correlation id.
    assert.equal(metadata.readInt32BE(4), 8);
    assert.equal(metadata[8], 0);
    const decoded = messages.decodeResponseFrame(messages.ApiKey.Metadata, 9, metadata.subarray(4));
    assert.equal(decoded.correlationId, 8);
    assert.equal(decoded.body.controllerId, 1);
  });
});
