import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attributes, Compression, buildBatch, decodeBatches } from '../../protocol/records/index.ts';
import { ManualClock, MemoryLogger } from '../../util/index.ts';
import { cleanLog, dirtyStats } from './cleaner.ts';
import { logConfig } from './log-config.ts';
import type { PartitionLog } from './partition-log.ts';
import { listDir, openTestLog, readAll, testBatch, withTempDir } from './test-support.ts';

/** Compaction on a manual clock: latest value per key, offsets kept, tombstones and their horizon, lag. */

const none = { requiredDurability: 'none', leaderEpoch: 0 } as const;
const compact = { 'cleanup.policy': 'compact', 'segment.bytes': 700, 'delete.retention.ms': 1000 } as const;

async function clean(log: PartitionLog, clock: ManualClock, checkpoint?: number): Promise<number> {
  const stats = await dirtyStats(log, checkpoint, clock.now());
  const r = await cleanLog(log, stats, clock.now(), { maxKeysPerPass: 1000, logger: new MemoryLogger() });
  return r?.endOffset ?? checkpoint ?? 0;
}

async function writeKeys(log: PartitionLog, rounds: number, keys: number, clock: ManualClock): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < keys; k++) {
      await log.append(testBatch({ keys: [`k${k}`], values: [Buffer.from(`v${r}`)], timestamp: clock.now() }), none);
    }
  }
  log.updateHighWatermark(log.logEndOffset);
}

test('keeps only the latest record per key below the active segment, with offsets unchanged', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog({ dir, clock, config: compact });
    await writeKeys(log, 10, 5, clock);
    const before = await readAll(log);
    const activeBase = BigInt(log.segments.at(-1)!.baseOffset);
    const stats = await dirtyStats(log, undefined, clock.now());
    assert.ok(stats.ratio === 1 && stats.dirtyBytes > 0);
    const end = await clean(log, clock);
    assert.equal(BigInt(end), activeBase);
    const after = await readAll(log);
    // The map covers the cleaned section only: a key rewritten in the active segment keeps its
    // latest record below it too (Kafka's behaviour).
    const latestBelowActive = new Map<string, bigint>();
    for (const r of before) if (r.offset < activeBase) latestBelowActive.set(r.key!, r.offset);
    const expected = before.filter((r) => r.offset >= activeBase || latestBelowActive.get(r.key!) === r.offset);
    assert.deepEqual(after, expected);
    assert.ok(expected.length < before.length / 2);
    assert.ok(log.segments.length > 3);
    assert.equal(log.logEndOffset, BigInt(before.length));
    assert.ok(!listDir(dir).some((f) => f.endsWith('.cleaned') || f.endsWith('.swap')));
    // The result survives a restart with full recovery.
    await log.close();
    const reopened = await openTestLog({ dir, clock, config: compact, params: { hadCleanShutdown: false, recoveryPoint: 0 } });
    assert.deepEqual(await readAll(reopened), after);
    await reopened.close();
  }));

test('tombstones survive one cleaning with a delete horizon, and go once it has passed', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog({ dir, clock, config: compact });
    await writeKeys(log, 3, 4, clock);
    await log.append(testBatch({ keys: ['k1'], values: [null], timestamp: clock.now() }), none);
    const tombstone = log.logEndOffset - 1n;
    await writeKeys(log, 1, 4, clock);
    await log.append(testBatch({ keys: ['k9'], values: [null], timestamp: clock.now() }), none);
    const tombstone9 = log.logEndOffset - 1n;
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    let checkpoint = await clean(log, clock);
    let records = await readAll(log);
    const t9 = records.find((r) => r.offset === tombstone9);
    assert.deepEqual(t9, { offset: tombstone9, key: 'k9', value: null }, 'a tombstone that is the latest for its key stays');
    assert.equal(records.find((r) => r.offset === tombstone), undefined, 'a superseded tombstone goes at once');
    const bytes = (await log.read(tombstone9, 1)).bytes;
    const batch = decodeBatches(bytes)[0]!;
    assert.ok((batch.header.attributes & Attributes.deleteHorizon) !== 0);
    assert.equal(batch.header.baseTimestamp, BigInt(clock.now() + 1000), 'horizon = clean time + delete.retention.ms');
    assert.equal(batch.records[0]!.timestamp, BigInt(clock.now()), 'record timestamps survive the horizon');

    clock.advance(999);
    await writeKeys(log, 1, 2, clock);
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    checkpoint = await clean(log, clock, checkpoint);
    assert.ok((await readAll(log)).some((r) => r.offset === tombstone9), 'still inside delete.retention.ms');
    clock.advance(2);
    await writeKeys(log, 1, 2, clock);
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    await clean(log, clock, checkpoint);
    records = await readAll(log);
    assert.equal(records.find((r) => r.key === 'k9'), undefined, 'tombstone removed after the horizon');
    assert.ok(records.some((r) => r.key === 'k0'));
    await log.close();
  }));

test('segments are merged into groups that fit segment.bytes', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog({ dir, clock, config: compact });
    await writeKeys(log, 10, 5, clock);
    const segments = log.segments.length;
    assert.ok(segments > 4);
    log.updateConfig(logConfig({ ...compact, 'segment.bytes': 1400 }));
    const before = await readAll(log);
    await clean(log, clock);
    assert.equal(log.segments.length, Math.ceil((segments - 1) / 2) + 1, 'pairs of old segments became one');
    assert.equal((await readAll(log)).length < before.length, true);
    await log.close();
  }));

test('min.compaction.lag.ms keeps recent segments dirty', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog({ dir, clock, config: { ...compact, 'min.compaction.lag.ms': 10_000 } });
    await writeKeys(log, 5, 3, clock);
    const recentStats = await dirtyStats(log, undefined, clock.now());
    assert.equal(recentStats.dirtyBytes, 0, 'every segment is within the lag');
    clock.advance(10_001);
    const stats = await dirtyStats(log, undefined, clock.now());
    assert.ok(stats.dirtyBytes > 0);
    await log.close();
  }));

test('compressed batches are rewritten with their codec, and batches untouched are copied as they are', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog({ dir, clock, config: { ...compact, 'segment.bytes': 100_000 } });
    const records = (v: string): Array<{ key: Buffer; value: Buffer; timestamp: bigint }> =>
      ['a', 'b', 'c'].map((k) => ({ key: Buffer.from(k), value: Buffer.from(`${k}${v}`), timestamp: 5n }));
    await log.append(buildBatch({ compression: Compression.gzip, records: records('1') }), none);
    await log.append(buildBatch({ compression: Compression.gzip, records: [records('2')[0]!] }), none);
    await log.append(testBatch({ keys: ['z'] }), none);
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    const untouched = (await log.read(4n, 1)).bytes;
    await clean(log, clock);
    const batches = decodeBatches((await log.read(0n, 1 << 20)).bytes);
    assert.equal(batches[0]!.compression, Compression.gzip);
    assert.deepEqual(batches[0]!.records.map((r) => [r.offset, r.value!.toString()]), [[1n, 'b1'], [2n, 'c1']]);
    assert.equal(batches[0]!.header.lastOffsetDelta, 2, 'the batch keeps its offset span');
    assert.deepEqual((await log.read(4n, 1)).bytes, untouched);
    await log.close();
  }));

test('appends go on while a large log is being cleaned', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog({ dir, clock, config: { ...compact, 'segment.bytes': 256 * 1024 } });
    const big = Buffer.alloc(2000, 1);
    for (let i = 0; i < 1500; i++) await log.append(testBatch({ keys: [`k${i % 50}`], values: [big] }), none);
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    let cleaned = false;
    const cleaning = clean(log, clock).then(() => {
      cleaned = true;
    });
    for (let i = 0; i < 5; i++) await log.append(testBatch({ keys: ['during'] }), none);
    assert.equal(cleaned, false, 'five appends completed before the cleaning pass did');
    await cleaning;
    assert.equal((await readAll(log)).filter((r) => r.key === 'during').length, 5);
    await log.close();
  }));
