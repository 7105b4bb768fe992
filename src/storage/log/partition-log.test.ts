import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Attributes, BatchOffsets, decodeBatches, isBatchCrcValid, readBatchHeader } from '../../protocol/records/index.ts';
import { ManualClock } from '../../util/index.ts';
import { StorageErrorCode } from '../errors.ts';
import { listDir, openTestLog, readAll, testBatch, withTempDir } from './test-support.ts';

/**
 * Conformance suite for the partition log API (what the broker and replication rely on). Every
 * behaviour is checked through the public methods only, so another log implementation can run it.
 */

const none = { requiredDurability: 'none', leaderEpoch: 0 } as const;

describe('append', () => {
  test('assigns consecutive offsets, stamps the leader epoch, and reads back the same bytes', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir });
      const a = await log.append(testBatch({ count: 3, tag: 'a' }), { requiredDurability: 'none', leaderEpoch: 5 });
      assert.deepEqual(a, { baseOffset: 0n, lastOffset: 2n, logAppendTime: -1n, logStartOffset: 0n });
      const twoBatches = Buffer.concat([testBatch({ count: 2, tag: 'b' }), testBatch({ count: 1, tag: 'c' })]);
      const b = await log.append(twoBatches, { requiredDurability: 'none', leaderEpoch: 5 });
      assert.deepEqual([b.baseOffset, b.lastOffset], [3n, 5n]);
      assert.equal(log.logEndOffset, 6n);
      const r = await log.read(0n, 1 << 20);
      const batches = decodeBatches(r.bytes);
      assert.deepEqual(batches.map((x) => x.header.baseOffset), [0n, 3n, 5n]);
      assert.ok(batches.every((x) => x.header.partitionLeaderEpoch === 5));
      assert.deepEqual(
        batches.flatMap((x) => x.records.map((rec) => `${rec.offset}:${rec.value?.toString()}`)),
        ['0:a-0', '1:a-1', '2:a-2', '3:b-0', '4:b-1', '5:c-0'],
      );
      assert.equal(r.logEndOffset, 6n);
      await log.close();
    }));

  test('concurrent appends resolve in call order and share writes', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(testBatch({ count: 2, tag: `p${i}` }), none)));
      results.forEach((r, i) => assert.equal(r.baseOffset, BigInt(2 * i)));
      assert.ok(log.stats.writes < 200, `200 appends took ${log.stats.writes} writes`);
      const all = await readAll(log);
      assert.equal(all.length, 400);
      assert.equal(all[399]!.value, 'p199-1');
      await log.close();
    }));

  test("'fsync' appends resolve after a flush that covers them, and one flush serves many", () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir });
      const results = await Promise.all(Array.from({ length: 50 }, () => log.append(testBatch(), { requiredDurability: 'fsync', leaderEpoch: 0 })));
      assert.equal(results.at(-1)!.lastOffset, 49n);
      assert.equal(log.recoveryPoint, 50n);
      assert.ok(log.stats.flushes < 50, `50 fsync appends took ${log.stats.flushes} flushes`);
      await log.close();
    }));

  test('flush.messages makes the log flush itself after that many records; by default it never does', () =>
    withTempDir(async (dir) => {
      const flushing = await openTestLog({ dir, config: { 'flush.messages': 3 } });
      await flushing.append(testBatch({ count: 2 }), none);
      await new Promise((r) => setImmediate(r));
      assert.equal(flushing.stats.flushes, 0);
      await flushing.append(testBatch({ count: 1 }), none);
      await new Promise((r) => setImmediate(r));
      assert.equal(flushing.stats.flushes, 1, 'the third record started a flush by itself');
      await flushing.flush();
      assert.equal(flushing.recoveryPoint, 3n);
      await flushing.closeForDelete();
      fs.mkdirSync(`${dir}/default`);
      const lazy = await openTestLog({ dir: `${dir}/default` });
      for (let i = 0; i < 20; i++) await lazy.append(testBatch({ count: 5 }), none);
      await new Promise((r) => setImmediate(r));
      assert.equal(lazy.stats.flushes, 0);
      assert.equal(lazy.recoveryPoint, 0n);
      await lazy.close();
    }));

  test('LogAppendTime topics get the broker time in every batch, with a valid CRC', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir, config: { 'message.timestamp.type': 'LogAppendTime' } });
      const r = await log.append(testBatch({ count: 2, timestamp: 5 }), { requiredDurability: 'none', leaderEpoch: 0, logAppendTime: 777n });
      assert.equal(r.logAppendTime, 777n);
      const bytes = (await log.read(0n, 1000)).bytes;
      const h = readBatchHeader(bytes, 0);
      assert.equal(h.maxTimestamp, 777n);
      assert.ok((h.attributes & Attributes.logAppendTime) !== 0);
      assert.ok(isBatchCrcValid(bytes, 0));
      assert.deepEqual(decodeBatches(bytes)[0]!.records.map((x) => x.timestamp), [777n, 777n]);
      await log.close();
    }));

  test('rejects invalid input without changing the log', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir, config: { 'max.message.bytes': 2000 } });
      const corrupt = testBatch({ count: 2 });
      corrupt[corrupt.length - 1]! ^= 0xff;
      await assert.rejects(log.append(corrupt, none), { code: StorageErrorCode.corruptMessage });
      await assert.rejects(log.append(testBatch({ valueBytes: 3000 }), none), { code: StorageErrorCode.recordTooLarge });
      await assert.rejects(log.append(Buffer.alloc(0), none), { code: StorageErrorCode.invalidRecord });
      const badCount = testBatch({ count: 2 });
      badCount.writeInt32BE(5, BatchOffsets.recordCount);
      await assert.rejects(log.append(badCount, none), { code: StorageErrorCode.corruptMessage }); // recordCount is under the CRC
      const truncated = testBatch({ count: 2 }).subarray(0, 70);
      await assert.rejects(log.append(truncated, none), { code: StorageErrorCode.corruptMessage });
      assert.equal(log.logEndOffset, 0n);
      await log.append(testBatch(), none);
      assert.equal(log.logEndOffset, 1n);
      await log.close();
    }));

  test('appendAsFollower keeps the offsets and epochs it is given and refuses to go backwards', () =>
    withTempDir(async (dir) => {
      const leader = await openTestLog({ dir: `${dir}` });
      await leader.append(testBatch({ count: 3 }), { requiredDurability: 'none', leaderEpoch: 2 });
      await leader.append(testBatch({ count: 2 }), { requiredDurability: 'none', leaderEpoch: 4 });
      const bytes = (await leader.read(0n, 1 << 20)).bytes;
      await leader.close();
      fs.mkdirSync(`${dir}/f`);
      const follower = await openTestLog({ dir: `${dir}/f` });
      const r = await follower.appendAsFollower(Buffer.from(bytes), { requiredDurability: 'none' });
      assert.deepEqual([r.baseOffset, r.lastOffset], [0n, 4n]);
      assert.deepEqual(follower.leaderEpochs.entries(), [
        { epoch: 2, startOffset: 0 },
        { epoch: 4, startOffset: 3 },
      ]);
      await assert.rejects(follower.appendAsFollower(Buffer.from(bytes), { requiredDurability: 'none' }), { code: StorageErrorCode.invalidRecord });
      assert.equal(follower.logEndOffset, 5n);
      await follower.close();
    }));
});

describe('read', () => {
  test('returns whole batches up to maxBytes, at least one (KIP-74), and stops before upToOffset', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir });
      for (let i = 0; i < 10; i++) await log.append(testBatch({ count: 2, valueBytes: 100 }), none);
      const sizes = decodeBatches((await log.read(0n, 1 << 20)).bytes).map((b) => b.size);
      const one = sizes[0]!;
      assert.equal((await log.read(0n, 1)).bytes.length, one, 'minOneBatch returns a whole batch larger than maxBytes');
      assert.equal((await log.read(0n, 1, { minOneBatch: false })).bytes.length, 0);
      assert.equal((await log.read(0n, one * 3 + 5)).bytes.length, one * 3, 'never a partial batch');
      const mid = decodeBatches((await log.read(5n, 1 << 20)).bytes);
      assert.equal(mid[0]!.header.baseOffset, 4n, 'starts with the batch holding the offset');
      const bounded = decodeBatches((await log.read(0n, 1 << 20, { upToOffset: 7n })).bytes);
      assert.deepEqual(bounded.map((b) => b.header.baseOffset), [0n, 2n, 4n, 6n]);
      assert.equal((await log.read(20n, 100)).bytes.length, 0, 'the log end is a valid, empty position');
      await assert.rejects(log.read(21n, 100), { code: StorageErrorCode.offsetOutOfRange });
      await assert.rejects(log.read(-1n, 100), { code: StorageErrorCode.offsetOutOfRange });
      await log.close();
    }));
});

describe('segments', () => {
  test('roll on segment.bytes, and reads cross segments', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir, config: { 'segment.bytes': 1000, 'index.interval.bytes': 100 } });
      for (let i = 0; i < 30; i++) await log.append(testBatch({ count: 1, valueBytes: 150, tag: `v${i}` }), none);
      assert.ok(log.segments.length >= 5);
      for (const s of log.segments) assert.ok(s.size <= 1000);
      assert.ok(listDir(dir).includes('00000000000000000000.log'));
      const all = await readAll(log, 0n, 500);
      assert.deepEqual(all.map((r) => r.value?.slice(0, 3)), Array.from({ length: 30 }, (_, i) => `v${i}-`.slice(0, 3)));
      for (let o = 0; o < 30; o++) {
        const b = decodeBatches((await log.read(BigInt(o), 1)).bytes);
        assert.equal(b[0]!.header.baseOffset, BigInt(o));
      }
      await log.close();
    }));

  test('roll on segment.ms, measured on the injected clock', () =>
    withTempDir(async (dir) => {
      const clock = new ManualClock(0);
      const log = await openTestLog({ dir, clock, config: { 'segment.ms': 1000 } });
      await log.append(testBatch(), none);
      clock.advance(999);
      await log.append(testBatch(), none);
      assert.equal(log.segments.length, 1);
      clock.advance(2);
      await log.append(testBatch(), none);
      assert.deepEqual(log.segments.map((s) => s.baseOffset), [0, 2]);
      await log.close();
    }));

  test('roll when the offset index is full', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir, config: { 'segment.index.bytes': 8 * 3, 'index.interval.bytes': 0 } });
      for (let i = 0; i < 10; i++) await log.append(testBatch(), none);
      assert.ok(log.segments.length >= 3);
      for (const s of log.segments) assert.ok(s.offsetIndex.entries <= 3);
      assert.equal((await readAll(log)).length, 10);
      await log.close();
    }));

  test('roll when an offset would not fit a 32-bit delta from the segment base', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir });
      await log.append(testBatch(), none);
      const far = testBatch();
      far.writeBigInt64BE(2n ** 31n + 10n, 0);
      await log.appendAsFollower(far, { requiredDurability: 'none' });
      assert.deepEqual(log.segments.map((s) => s.baseOffset), [0, 2 ** 31 + 10]);
      assert.equal(log.logEndOffset, 2n ** 31n + 11n);
      await log.close();
    }));
});

describe('lookups', () => {
  test('offsetForTimestamp finds the first record at or after a time; maxTimestampOffset the largest', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir, config: { 'segment.bytes': 600, 'index.interval.bytes': 50 } });
      // Timestamps 100.., 4 records per batch, not monotonic across batches.
      const starts = [100, 200, 150, 300, 250, 400, 390];
      for (const t of starts) await log.append(testBatch({ count: 4, timestamp: t, valueBytes: 40 }), none);
      assert.ok(log.segments.length > 1);
      const at = async (t: number): Promise<bigint | undefined> => (await log.offsetForTimestamp(BigInt(t)))?.offset;
      assert.equal(await at(0), 0n);
      assert.equal(await at(102), 2n);
      assert.equal(await at(104), 4n, 'the first record with timestamp >= 104 is at 200 (offset 4)');
      assert.equal(await at(152), 4n, 'offset order, not time order: 200 at offset 4 comes before 152 at offset 10');
      assert.equal(await at(203), 7n);
      assert.equal(await at(401), 21n);
      assert.equal(await at(404), undefined);
      assert.deepEqual(await log.maxTimestampOffset(), { offset: 23n, timestamp: 403n, leaderEpoch: 0 });
      await log.close();
    }));

  test('endOffsetForEpoch answers OffsetForLeaderEpoch from the epoch cache, which survives a restart', () =>
    withTempDir(async (dir) => {
      let log = await openTestLog({ dir });
      await log.append(testBatch({ count: 3 }), { requiredDurability: 'none', leaderEpoch: 1 });
      await log.append(testBatch({ count: 2 }), { requiredDurability: 'none', leaderEpoch: 3 });
      await log.append(testBatch({ count: 1 }), { requiredDurability: 'none', leaderEpoch: 3 });
      const check = (): void => {
        assert.deepEqual(log.endOffsetForEpoch(1), { leaderEpoch: 1, endOffset: 3n });
        assert.deepEqual(log.endOffsetForEpoch(2), { leaderEpoch: 1, endOffset: 3n });
        assert.deepEqual(log.endOffsetForEpoch(3), { leaderEpoch: 3, endOffset: 6n });
        assert.deepEqual(log.endOffsetForEpoch(0), { leaderEpoch: 0, endOffset: 0n });
        assert.deepEqual(log.endOffsetForEpoch(9), { leaderEpoch: -1, endOffset: -1n });
      };
      check();
      await log.close();
      assert.equal(fs.readFileSync(`${dir}/leader-epoch-checkpoint`, 'utf8'), '0\n2\n1 0\n3 3\n');
      log = await openTestLog({ dir, params: { hadCleanShutdown: true } });
      check();
      await log.close();
    }));
});

describe('truncation and log start', () => {
  test('truncateTo removes whole batches from the offset on, across segments', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir, config: { 'segment.bytes': 500 } });
      for (let i = 0; i < 20; i++) await log.append(testBatch({ count: 2, valueBytes: 60, tag: `t${i}` }), { requiredDurability: 'none', leaderEpoch: i < 10 ? 1 : 2 });
      log.updateHighWatermark(40n);
      assert.equal(await log.truncateTo(25n), 24n, 'the batch 24-25 straddles 25 and goes entirely');
      assert.equal(log.logEndOffset, 24n);
      assert.equal(log.highWatermark, 24n);
      assert.deepEqual(log.endOffsetForEpoch(2), { leaderEpoch: 2, endOffset: 24n });
      assert.equal((await readAll(log)).at(-1)!.offset, 23n);
      const r = await log.append(testBatch({ tag: 'after' }), none);
      assert.equal(r.baseOffset, 24n);
      assert.equal(await log.truncateTo(3n), 2n);
      assert.deepEqual((await readAll(log)).map((x) => x.offset), [0n, 1n]);
      await log.truncateFullyAndStartAt(100n);
      assert.deepEqual([log.logStartOffset, log.logEndOffset], [100n, 100n]);
      assert.equal((await log.append(testBatch(), none)).baseOffset, 100n);
      await log.close();
    }));

  test('maybeIncrementHighWatermark only moves forward, up to the log end', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir });
      for (let i = 0; i < 3; i++) await log.append(testBatch({ count: 2 }), none);
      assert.equal(log.maybeIncrementHighWatermark(4n), 4n);
      assert.equal(log.maybeIncrementHighWatermark(2n), 4n, 'an append resolving late does not pull it back');
      assert.equal(log.maybeIncrementHighWatermark(99n), 6n, 'clamped to the log end');
      await log.close();
    }));

  test('deleteRecords moves the log start, up to the high watermark only', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir });
      for (let i = 0; i < 5; i++) await log.append(testBatch({ count: 2 }), none);
      log.updateHighWatermark(6n);
      assert.equal(await log.deleteRecords(3n), 3n);
      await assert.rejects(log.read(2n, 100), { code: StorageErrorCode.offsetOutOfRange });
      assert.equal(decodeBatches((await log.read(3n, 100)).bytes)[0]!.header.baseOffset, 2n, 'the batch holding the start is returned whole');
      await assert.rejects(log.deleteRecords(7n), { code: StorageErrorCode.offsetOutOfRange });
      assert.equal(log.logStartOffset, 3n);
      await log.close();
    }));
});

describe('restart', () => {
  test('clean and unclean reopen keep every record, rebuild missing indexes, and continue offsets', () =>
    withTempDir(async (dir) => {
      const config = { 'segment.bytes': 2000, 'index.interval.bytes': 128 };
      let log = await openTestLog({ dir, config });
      for (let i = 0; i < 40; i++) await log.append(testBatch({ count: 1 + (i % 3), valueBytes: 50, tag: `x${i}` }), none);
      const expected = await readAll(log);
      await log.close();
      assert.ok(listDir(dir).some((f) => f.endsWith('.index')));
      log = await openTestLog({ dir, config, params: { hadCleanShutdown: true, recoveryPoint: Number.MAX_SAFE_INTEGER } });
      assert.deepEqual(await readAll(log, 0n, 300), expected);
      await log.close();
      for (const f of listDir(dir)) if (f.endsWith('index')) fs.rmSync(`${dir}/${f}`);
      log = await openTestLog({ dir, config, params: { hadCleanShutdown: false, recoveryPoint: 0 } });
      assert.deepEqual(await readAll(log, 0n, 300), expected);
      assert.equal((await log.append(testBatch(), none)).baseOffset, BigInt(expected.length));
      await log.close();
    }));
});

/** Model-based check: random appends, reads, truncations and restarts against an array of records. */
test('property: the log behaves like an array of batches', async () => {
  type Cmd =
    | { kind: 'append'; batches: number[]; bytes: number }
    | { kind: 'read'; at: number; maxBytes: number }
    | { kind: 'truncate'; at: number }
    | { kind: 'reopen'; clean: boolean };
  const cmd = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), batches: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), bytes: fc.integer({ min: 0, max: 300 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), at: fc.nat(), maxBytes: fc.integer({ min: 1, max: 3000 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const), clean: fc.boolean() }) },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) =>
      withTempDir(async (dir) => {
        const config = { 'segment.bytes': 1500, 'index.interval.bytes': 200 };
        let log = await openTestLog({ dir, config });
        // The model: batches as [base, count, tag].
        let model: Array<{ base: number; count: number; tag: string }> = [];
        let end = 0;
        let n = 0;
        for (const c of cmds) {
          if (c.kind === 'append') {
            const bufs = c.batches.map((count) => testBatch({ count, valueBytes: c.bytes, tag: `b${n++}` }));
            const r = await log.append(Buffer.concat(bufs), { requiredDurability: n % 2 === 0 ? 'fsync' : 'none', leaderEpoch: 0 });
            assert.equal(r.baseOffset, BigInt(end));
            for (const [i, count] of c.batches.entries()) {
              model.push({ base: end, count, tag: `b${n - c.batches.length + i}` });
              end += count;
            }
          } else if (c.kind === 'read') {
            if (end === 0) continue;
            const at = c.at % (end + 1);
            const got = decodeBatches((await log.read(BigInt(at), c.maxBytes)).bytes);
            const first = model.findIndex((b) => b.base + b.count > at);
            if (first < 0) {
              assert.equal(got.length, 0);
              continue;
            }
            assert.ok(got.length >= 1);
            got.forEach((b, i) => {
              const m = model[first + i]!;
              assert.equal(b.header.baseOffset, BigInt(m.base));
              assert.equal(b.records.length, m.count);
              assert.ok(b.records[0]!.value!.toString().startsWith(`${m.tag}-0`));
            });
            const total = got.reduce((s, b) => s + b.size, 0);
            assert.ok(got.length === 1 || total <= c.maxBytes);
          } else if (c.kind === 'truncate') {
            const at = c.at % (end + 1);
            const newEnd = Number(await log.truncateTo(BigInt(at)));
            model = model.filter((b) => b.base + b.count <= at);
            end = model.length === 0 ? Math.min(at, end) : model.at(-1)!.base + model.at(-1)!.count;
            if (model.length === 0) end = newEnd;
            assert.equal(newEnd, end);
          } else {
            if (c.clean) await log.close();
            else await log.closeForDelete(); // no flush, no final index writes: as after a crash of the process
            log = await openTestLog({ dir, config, params: { hadCleanShutdown: c.clean, recoveryPoint: c.clean ? end : 0 } });
          }
          assert.equal(log.logEndOffset, BigInt(end));
        }
        const all = await readAll(log);
        assert.equal(all.length, model.reduce((s, b) => s + b.count, 0));
        await log.close();
      }),
    ),
    { numRuns: 40 },
  );
});
