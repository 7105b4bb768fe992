import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { OffsetIndex } from './offset-index.ts';
import { withTempDir } from './test-support.ts';
import { TimeIndex } from './time-index.ts';

test('offset index: floor lookups match a linear search', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.nat(100_000), { minLength: 0, maxLength: 60 }), fc.nat(100_001), (rels, target) => {
      const sorted = [...rels].sort((a, b) => a - b);
      const index = new OffsetIndex(1 << 20);
      sorted.forEach((r, i) => index.append(r, (i + 1) * 100));
      let expected = 0;
      sorted.forEach((r, i) => {
        if (r <= target) expected = (i + 1) * 100;
      });
      assert.equal(index.lookupPosition(target), expected);
    }),
  );
});

test('offset index: ignores non-increasing entries, stops at its size, truncates by position', () => {
  const index = new OffsetIndex(8 * 3);
  index.append(5, 100);
  index.append(5, 200);
  index.append(4, 300);
  index.append(9, 50);
  assert.equal(index.entries, 1);
  index.append(9, 300);
  index.append(12, 400);
  index.append(20, 500);
  assert.equal(index.entries, 3);
  assert.ok(index.isFull());
  index.truncateToPosition(300);
  assert.equal(index.entries, 1);
  assert.equal(index.lookupPosition(100), 100);
});

test('offset index: persists incrementally in Kafka format, reloads, and rejects broken files', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'x.index');
    const fd = fs.openSync(file, 'w+');
    const index = new OffsetIndex(1 << 16);
    index.append(1, 10);
    index.append(3, 20);
    await index.persist(fd);
    index.append(7, 30);
    assert.ok(index.isDirty());
    await index.persist(fd);
    assert.deepEqual(fs.readFileSync(file), Buffer.from([0, 0, 0, 1, 0, 0, 0, 10, 0, 0, 0, 3, 0, 0, 0, 20, 0, 0, 0, 7, 0, 0, 0, 30]));
    index.truncateToPosition(20);
    await index.persist(fd);
    assert.equal(fs.statSync(file).size, 8, 'truncation reaches the file');
    const loaded = new OffsetIndex(1 << 16);
    assert.equal(await loaded.load(fd, 8, 1000), true);
    assert.equal(loaded.lookupPosition(2), 10);
    assert.equal(await loaded.load(fd, 8, 10), false, 'a position beyond the log is rejected');
    fs.writeFileSync(file, Buffer.from([0, 0, 0, 9, 0, 0, 0, 10, 0, 0, 0, 3, 0, 0, 0, 20]));
    assert.equal(await loaded.load(fd, 16, 1000), false, 'offsets going backwards are rejected');
    assert.equal(await loaded.load(fd, 7, 1000), false, 'a partial entry is rejected');
    assert.equal(loaded.entries, 0);
    fs.closeSync(fd);
  }));

test('time index: keeps strictly growing timestamps, finds where to start a search, persists as 12-byte entries', () =>
  withTempDir(async (dir) => {
    const index = new TimeIndex(1 << 16);
    index.maybeAppend(100, 0);
    index.maybeAppend(100, 2);
    index.maybeAppend(90, 3);
    index.maybeAppend(150, 5);
    index.maybeAppend(300, 9);
    assert.equal(index.entries, 3);
    assert.equal(index.lowerRelOffset(100), -1, 'nothing is strictly older than 100');
    assert.equal(index.lowerRelOffset(101), 0);
    assert.equal(index.lowerRelOffset(300), 5);
    assert.equal(index.lowerRelOffset(1000), 9);
    const file = path.join(dir, 'x.timeindex');
    const fd = fs.openSync(file, 'w+');
    await index.persist(fd);
    assert.equal(fs.statSync(file).size, 36);
    assert.deepEqual(fs.readFileSync(file).subarray(12, 24), Buffer.from([0, 0, 0, 0, 0, 0, 0, 150, 0, 0, 0, 5]));
    const loaded = new TimeIndex(1 << 16);
    assert.equal(await loaded.load(fd, 36, 100), true);
    assert.deepEqual(loaded.last(), { timestamp: 300, relOffset: 9 });
    index.truncateToRelOffset(5);
    assert.deepEqual(index.last(), { timestamp: 100, relOffset: 0 });
    const small = new TimeIndex(24);
    small.maybeAppend(1, 0);
    small.maybeAppend(2, 1);
    small.maybeAppend(3, 2);
    assert.equal(small.entries, 2);
    small.maybeAppend(3, 2, true);
    assert.equal(small.entries, 3, 'the final entry of a rolled segment is written even when full');
    fs.closeSync(fd);
  }));
