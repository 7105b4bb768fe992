import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xxh32 } from './xxhash32.ts';

test('matches the published XXH32 vectors', () => {
  const vectors: Array<[string, number, number]> = [
    ['', 0, 0x02cc5d05],
    ['a', 0, 0x550d7456],
    ['abc', 0, 0x32d153ff],
    ['Nobody inspects the spammish repetition', 0, 0xe2293b2f],
  ];
  for (const [text, seed, hash] of vectors) assert.equal(xxh32(Buffer.from(text), seed), hash, JSON.stringify(text));
});

test('agrees with the LZ4 frame header checksums the lz4 CLI writes', () => {
  // FLG/BD pairs and the HC byte that follows them in lz4 1.9.4 output.
  for (const [descriptor, hc] of [['6440', 0xa7], ['6040', 0x82], ['6050', 0xfb], ['7c404400000000000000', 0xa6], ['7c401400000000000000', 0x14]] as const) {
    assert.equal((xxh32(Buffer.from(descriptor, 'hex')) >>> 8) & 0xff, hc, descriptor);
  }
});
