import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ManualClock, MemoryLogger } from '../util/index.ts';
import { StorageErrorCode } from './errors.ts';
import { logConfig } from './log/log-config.ts';
import { listDir, readAll, testBatch, withTempDir } from './log/test-support.ts';
import { LogManager, type LogManagerOptions } from './log-manager.ts';

const none = { requiredDurability: 'none', leaderEpoch: 0 } as const;
const TOPIC_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';

function open(dir: string, clock: ManualClock, extra: Partial<LogManagerOptions> = {}): Promise<LogManager> {
  return LogManager.open({ dir, clock, scheduler: clock, logger: new MemoryLogger(), ...extra });
}

test('creates logs in Kafka layout, and a clean close leaves checkpoints and the clean-shutdown marker', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000);
    const m = await open(dir, clock);
    const log = await m.createLog('orders.v1', 3, TOPIC_ID, logConfig());
    assert.equal(await m.createLog('orders.v1', 3, TOPIC_ID), log, 'creating again returns the same log');
    await assert.rejects(m.createLog('orders.v1', 3, '11111111-2222-4333-8444-555555555555'), { code: StorageErrorCode.topicAlreadyExists });
    for (let i = 0; i < 5; i++) await log.append(testBatch({ count: 2 }), none);
    log.updateHighWatermark(10n);
    assert.equal(m.getLog('orders.v1', 3), log);
    assert.equal(m.getLog('orders.v1', 4), undefined);
    await m.close();
    const files = listDir(dir);
    for (const f of ['.kafka_cleanshutdown', 'recovery-point-offset-checkpoint', 'log-start-offset-checkpoint', 'replication-offset-checkpoint', 'orders.v1-3']) {
      assert.ok(files.includes(f), `${f} in ${files.join(' ')}`);
    }
    assert.equal(fs.readFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), 'utf8'), '0\n1\norders.v1 3 10\n');
    assert.equal(fs.readFileSync(path.join(dir, 'replication-offset-checkpoint'), 'utf8'), '0\n1\norders.v1 3 10\n');
    assert.equal(fs.readFileSync(path.join(dir, 'orders.v1-3', 'partition.metadata'), 'utf8'), 'version: 0\ntopic_id: Dx4tPEtaSXiGlaSzwtHg-Q\n');
    assert.deepEqual(listDir(path.join(dir, 'orders.v1-3')), [
      '00000000000000000000.index',
      '00000000000000000000.log',
      '00000000000000000000.timeindex',
      'leader-epoch-checkpoint',
      'partition.metadata',
    ]);
  }));

test('reopening after a clean close loads logs without recovery and removes the marker', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000);
    let m = await open(dir, clock);
    const log = await m.createLog('t', 0, TOPIC_ID);
    for (let i = 0; i < 5; i++) await log.append(testBatch({ count: 2, tag: `x${i}` }), none);
    const before = await readAll(log);
    await m.close();
    const logger = new MemoryLogger();
    m = await open(dir, clock, { logger });
    assert.ok(!listDir(dir).includes('.kafka_cleanshutdown'), 'a crash from now on must be seen as unclean');
    assert.ok(!logger.entries.some((e) => e.message.includes('not shut down cleanly')));
    const again = m.getLog('t', 0)!;
    assert.equal(again.topicId, TOPIC_ID);
    assert.deepEqual(await readAll(again), before);
    assert.equal(again.highWatermark, 0n, 'no high watermark was checkpointed beyond 0');
    await m.close();
  }));

test('after a crash (no close) the next open recovers from the recovery point and truncates a torn tail', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000);
    const crashed = await open(dir, clock);
    const log = await crashed.createLog('t', 0, TOPIC_ID, logConfig({ 'segment.bytes': 400 }));
    for (let i = 0; i < 10; i++) await log.append(testBatch({ count: 1, valueBytes: 100 }), { requiredDurability: 'fsync', leaderEpoch: 0 });
    await crashed.checkpoint();
    // A write torn by the crash: half a batch at the end of the active segment.
    const active = log.segments.at(-1)!;
    fs.appendFileSync(active.paths.log, testBatch({ count: 3 }).subarray(0, 30));
    const logger = new MemoryLogger();
    const m = await open(dir, clock, { logger, topicConfig: () => logConfig({ 'segment.bytes': 400 }) });
    assert.ok(logger.entries.some((e) => e.message.includes('not shut down cleanly')));
    assert.ok(logger.entries.some((e) => e.level === 'warn' && e.message.includes('partial write')));
    const recovered = m.getLog('t', 0)!;
    assert.equal(recovered.logEndOffset, 10n);
    assert.equal((await recovered.append(testBatch(), none)).baseOffset, 10n);
    await m.close();
    await crashed.logs()[0]!.closeForDelete();
  }));

test('deleteLog renames the directory at once and removes it after file.delete.delay.ms', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000);
    const m = await open(dir, clock);
    const log = await m.createLog('gone', 0, TOPIC_ID, logConfig({ 'file.delete.delay.ms': 5_000 }));
    await log.append(testBatch(), none);
    await m.deleteLog('gone', 0);
    assert.equal(m.getLog('gone', 0), undefined);
    await assert.rejects(log.append(testBatch(), none), { code: StorageErrorCode.logClosed });
    const deleted = listDir(dir).filter((f) => /^gone-0\.[0-9a-f]{32}-delete$/.test(f));
    assert.equal(deleted.length, 1);
    const fresh = await m.createLog('gone', 0, '11111111-2222-4333-8444-555555555555');
    assert.equal(fresh.logEndOffset, 0n, 'a new log of the same name starts empty');
    clock.advance(5_000);
    await m.idle();
    assert.ok(!listDir(dir).some((f) => f.endsWith('-delete')));
    await assert.rejects(m.deleteLog('nope', 0), { code: StorageErrorCode.unknownTopicOrPartition });
    await m.close();
  }));

test('timers on the injected clock run retention, checkpoints and the cleaner', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(10_000_000);
    const m = await open(dir, clock, { retentionCheckIntervalMs: 1_000, checkpointIntervalMs: 500, cleanerBackoffMs: 2_000, flushCheckIntervalMs: 100 });
    const deleting = await m.createLog('del', 0, undefined, logConfig({ 'segment.bytes': 300, 'retention.ms': 1_000, 'file.delete.delay.ms': 0 }));
    const compacted = await m.createLog('cmp', 0, undefined, logConfig({ 'segment.bytes': 300, 'cleanup.policy': 'compact' }));
    const flushed = await m.createLog('fl', 0, undefined, logConfig({ 'flush.ms': 200 }));
    for (let i = 0; i < 10; i++) {
      await deleting.append(testBatch({ count: 1, valueBytes: 100, timestamp: 1 }), none);
      await compacted.append(testBatch({ keys: ['same'], valueBytes: 100, timestamp: 1 }), none);
    }
    await flushed.append(testBatch(), none);
    deleting.updateHighWatermark(deleting.logEndOffset);
    compacted.updateHighWatermark(compacted.logEndOffset);
    assert.equal(flushed.recoveryPoint, 0n);
    clock.advance(300);
    await m.idle();
    assert.equal(flushed.recoveryPoint, 1n, 'flush.ms made the append durable');
    clock.advance(700);
    await m.idle();
    assert.ok(deleting.logStartOffset > 0n, 'retention ran');
    assert.match(fs.readFileSync(path.join(dir, 'log-start-offset-checkpoint'), 'utf8'), new RegExp(`del 0 ${deleting.logStartOffset}\\n`));
    const sizeBefore = compacted.size;
    clock.advance(1_000);
    await m.idle();
    assert.ok(compacted.size < sizeBefore, 'the cleaner compacted the log');
    assert.ok((m.cleanerCheckpoint('cmp', 0) ?? 0) > 0);
    clock.advance(500);
    await m.idle();
    assert.match(fs.readFileSync(path.join(dir, 'cleaner-offset-checkpoint'), 'utf8'), /cmp 0 \d+\n/);
    await m.close();
  }));

test('leftover -delete directories are removed on open; unrelated entries are left alone', () =>
  withTempDir(async (dir) => {
    fs.mkdirSync(path.join(dir, 't-0.0123456789abcdef0123456789abcdef-delete'));
    fs.writeFileSync(path.join(dir, 't-0.0123456789abcdef0123456789abcdef-delete', '00000000000000000000.log'), '');
    fs.mkdirSync(path.join(dir, 'lost+found'));
    const m = await open(dir, new ManualClock(0));
    await m.idle();
    assert.deepEqual(
      listDir(dir).filter((f) => !f.includes('checkpoint')),
      ['lost+found'],
    );
    assert.equal(m.logs().length, 0);
    await m.close();
  }));
