import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { MemoryLogger } from '../../util/index.ts';
import { LeaderEpochCache } from './leader-epoch-cache.ts';
import { withTempDir } from './test-support.ts';

test('assign keeps epochs and start offsets strictly increasing, dropping what contradicts a new entry', () =>
  withTempDir(async (dir) => {
    const logger = new MemoryLogger();
    const cache = await LeaderEpochCache.load(dir, logger);
    cache.assign(1, 0);
    cache.assign(1, 5);
    cache.assign(2, 10);
    cache.assign(4, 20);
    assert.deepEqual(cache.entries(), [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
      { epoch: 4, startOffset: 20 },
    ]);
    cache.assign(3, 15);
    assert.deepEqual(cache.entries().map((e) => e.epoch), [1, 2, 3]);
    assert.ok(logger.entries.some((e) => e.level === 'warn'));
    assert.equal(cache.epochForOffset(12), 2);
    assert.equal(cache.epochForOffset(100), 3);
  }));

test('endOffsetFor follows Kafka for known, unknown, older and newer epochs', () =>
  withTempDir(async (dir) => {
    const cache = await LeaderEpochCache.load(dir, new MemoryLogger());
    assert.deepEqual(cache.endOffsetFor(0, 10), { epoch: -1, endOffset: -1 });
    cache.assign(2, 5);
    cache.assign(5, 30);
    assert.deepEqual(cache.endOffsetFor(5, 42), { epoch: 5, endOffset: 42 });
    assert.deepEqual(cache.endOffsetFor(2, 42), { epoch: 2, endOffset: 30 });
    assert.deepEqual(cache.endOffsetFor(3, 42), { epoch: 2, endOffset: 30 });
    assert.deepEqual(cache.endOffsetFor(1, 42), { epoch: 1, endOffset: 5 });
    assert.deepEqual(cache.endOffsetFor(6, 42), { epoch: -1, endOffset: -1 });
    assert.deepEqual(cache.endOffsetFor(-1, 42), { epoch: -1, endOffset: -1 });
  }));

test('truncation from either end, and the checkpoint file round trip', () =>
  withTempDir(async (dir) => {
    const cache = await LeaderEpochCache.load(dir, new MemoryLogger());
    cache.assign(1, 0);
    cache.assign(2, 10);
    cache.assign(3, 20);
    cache.truncateFromEnd(20);
    assert.deepEqual(cache.entries().map((e) => e.epoch), [1, 2]);
    cache.truncateFromStart(12);
    assert.deepEqual(cache.entries(), [{ epoch: 2, startOffset: 12 }]);
    await cache.flush();
    assert.equal(fs.readFileSync(`${dir}/leader-epoch-checkpoint`, 'utf8'), '0\n1\n2 12\n');
    const reloaded = await LeaderEpochCache.load(dir, new MemoryLogger());
    assert.deepEqual(reloaded.entries(), [{ epoch: 2, startOffset: 12 }]);
  }));
