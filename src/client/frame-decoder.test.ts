import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameDecoder } from './frame-decoder.ts';

function frame(body: string): Buffer {
  const b = Buffer.from(body);
  const size = Buffer.alloc(4);
  size.writeInt32BE(b.length);
  return Buffer.concat([size, b]);
}

test('splits a stream into frames whatever the chunk boundaries', () => {
  const stream = Buffer.concat([frame('hello'), frame(''), frame('a longer frame body'), frame('x')]);
  for (let chunkSize = 1; chunkSize <= stream.length; chunkSize++) {
    const d = new FrameDecoder(1024);
    const out: string[] = [];
    for (let i = 0; i < stream.length; i += chunkSize) out.push(...d.push(stream.subarray(i, i + chunkSize)).map((f) => f.toString()));
    assert.deepEqual(out, ['hello', '', 'a longer frame body', 'x'], `chunk size ${chunkSize}`);
    assert.equal(d.buffered, 0);
  }
});

test('rejects a frame size beyond the limit or negative', () => {
  assert.throws(() => new FrameDecoder(10).push(frame('more than ten bytes')), RangeError);
  assert.throws(() => new FrameDecoder(10).push(Buffer.from([0xff, 0xff, 0xff, 0xff])), RangeError);
});

test('reports bytes of an unfinished frame', () => {
  const d = new FrameDecoder(100);
  assert.deepEqual(d.push(frame('abcdef').subarray(0, 7)), []);
  assert.equal(d.buffered, 7);
});
