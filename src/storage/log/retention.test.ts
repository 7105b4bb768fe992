import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../util/index.ts';
import { listDir, openTestLog, readAll, testBatch, withTempDir } from './test-support.ts';

/** Retention on a manual clock: time and size limits, whole segments, the active one never, delayed unlinks. */

const none = { requiredDurability: 'none', leaderEpoch: 0 } as const;
const DAY = 24 * 60 * 60 * 1000;

test('retention.ms deletes whole expired segments, advances the log start, and unlinks after file.delete.delay.ms', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(10 * DAY);
    const log = await openTestLog({ dir, clock, config: { 'segment.bytes': 500, 'retention.ms': DAY, 'file.delete.delay.ms': 1000 } });
    // Old records (timestamps two days back), then fresh ones.
    for (let i = 0; i < 8; i++) await log.append(testBatch({ count: 2, valueBytes: 80, timestamp: 8 * DAY + i }), none);
    const oldEnd = log.logEndOffset;
    await log.roll();
    for (let i = 0; i < 4; i++) await log.append(testBatch({ count: 2, valueBytes: 80, timestamp: 10 * DAY }), none);
    log.updateHighWatermark(log.logEndOffset);
    const before = log.segments.length;
    const r = await log.deleteOldSegments();
    assert.equal(r.reason, 'retention.ms');
    assert.ok(r.deleted > 0 && r.deleted < before);
    assert.equal(log.logStartOffset, oldEnd, 'the log now starts at the first fresh segment');
    assert.equal((await readAll(log))[0]!.offset, oldEnd);
    assert.ok(listDir(dir).some((f) => f.endsWith('.log.deleted')), 'renamed first');
    clock.advance(999);
    await log.deleter.idle();
    assert.ok(listDir(dir).some((f) => f.endsWith('.log.deleted')));
    clock.advance(1);
    await log.deleter.idle();
    assert.ok(!listDir(dir).some((f) => f.endsWith('.deleted')), 'unlinked after the delay');
    assert.equal((await log.deleteOldSegments()).deleted, 0, 'nothing more to delete');
    await log.close();
  }));

test('retention.bytes deletes the oldest segments while the rest stays above the limit', () =>
  withTempDir(async (dir) => {
    const log = await openTestLog({ dir, config: { 'segment.bytes': 1000, 'retention.bytes': 2500 } });
    for (let i = 0; i < 20; i++) await log.append(testBatch({ count: 1, valueBytes: 200 }), none);
    log.updateHighWatermark(log.logEndOffset);
    const r = await log.deleteOldSegments();
    assert.equal(r.reason, 'retention.bytes');
    assert.ok(log.size >= 2500, `size ${log.size}: never below retention.bytes`);
    assert.ok(log.size - log.segments[0]!.size < 2500, 'deleting one more segment would go below it');
    assert.equal(log.logStartOffset, BigInt(log.segments[0]!.baseOffset));
    await log.close();
  }));

test('nothing at or above the high watermark is deleted', () =>
  withTempDir(async (dir) => {
    const log = await openTestLog({ dir, config: { 'segment.bytes': 500, 'retention.ms': 0 } });
    for (let i = 0; i < 10; i++) await log.append(testBatch({ count: 1, valueBytes: 200, timestamp: 1 }), none);
    log.updateHighWatermark(3n);
    await log.deleteOldSegments();
    assert.ok(log.logStartOffset <= 3n);
    assert.ok(BigInt(log.segments[0]!.baseOffset) <= 3n);
    await log.close();
  }));

test('a fully expired log rolls so that the active segment itself is never deleted', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(DAY * 30);
    const log = await openTestLog({ dir, clock, config: { 'retention.ms': DAY } });
    for (let i = 0; i < 3; i++) await log.append(testBatch({ count: 2, timestamp: DAY }), none);
    log.updateHighWatermark(log.logEndOffset);
    const r = await log.deleteOldSegments();
    assert.equal(r.deleted, 1);
    assert.deepEqual([log.logStartOffset, log.logEndOffset], [6n, 6n]);
    assert.equal(log.segments.length, 1);
    assert.equal(log.segments[0]!.baseOffset, 6);
    assert.equal((await log.append(testBatch(), none)).baseOffset, 6n);
    await log.close();
  }));

test('cleanup.policy=compact ignores time and size, but segments below DeleteRecords go', () =>
  withTempDir(async (dir) => {
    const log = await openTestLog({ dir, config: { 'segment.bytes': 400, 'cleanup.policy': 'compact', 'retention.ms': 0, 'retention.bytes': 0 } });
    for (let i = 0; i < 10; i++) await log.append(testBatch({ count: 1, valueBytes: 150, keys: [`k${i}`], timestamp: 1 }), none);
    log.updateHighWatermark(log.logEndOffset);
    assert.equal((await log.deleteOldSegments()).deleted, 0);
    await log.deleteRecords(5n);
    const r = await log.deleteOldSegments();
    assert.equal(r.reason, 'log-start-offset');
    assert.ok(log.segments[0]!.baseOffset <= 5);
    assert.equal(log.logStartOffset, 5n, 'the log start stays where DeleteRecords put it');
    await log.close();
  }));
