import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../../util/index.ts';
import { listDir, openTestLog, testBatch, withTempDir } from './test-support.ts';
import { ABORTED_TXN_SIZE, TxnIndex, decodeAbortedTxn, encodeAbortedTxn, type AbortedTxn } from './txn-index.ts';

const none = { requiredDurability: 'none', leaderEpoch: 0 } as const;
const txn = (producerId: bigint, firstOffset: bigint, lastOffset: bigint, lastStableOffset = lastOffset + 1n): AbortedTxn => ({ producerId, firstOffset, lastOffset, lastStableOffset });
const TXN0 = '00000000000000000000.txnindex';

describe('TxnIndex file format', () => {
  test("entries are Kafka's AbortedTxn: 34 bytes, version 0, then four int64", () => {
    const buf = encodeAbortedTxn(txn(0x0102n, 5n, 9n, 7n));
    assert.equal(buf.length, ABORTED_TXN_SIZE);
    assert.equal(buf.toString('hex'), '0000' + '0000000000000102' + '0000000000000005' + '0000000000000009' + '0000000000000007');
    assert.deepEqual(decodeAbortedTxn(buf), txn(0x0102n, 5n, 9n, 7n));
  });

  test('append, reload, collect, truncate; a torn tail entry is dropped on load', () =>
    withTempDir(async (dir) => {
      const file = path.join(dir, TXN0);
      const a = new TxnIndex(file);
      await a.append(txn(1n, 0n, 4n));
      await a.append(txn(2n, 2n, 8n));
      await assert.rejects(a.append(txn(3n, 1n, 8n)), /not after the last entry/);
      assert.equal(fs.statSync(file).size, 2 * ABORTED_TXN_SIZE);
      fs.appendFileSync(file, Buffer.alloc(10)); // a crash mid-append
      const b = new TxnIndex(file);
      assert.deepEqual(await b.entries(), [txn(1n, 0n, 4n), txn(2n, 2n, 8n)]);
      assert.equal(fs.statSync(file).size, 2 * ABORTED_TXN_SIZE, 'torn tail cut');
      assert.deepEqual(await b.collect(5n, 100n), [txn(2n, 2n, 8n)], 'marker before the fetch offset: not needed');
      assert.deepEqual(await b.collect(0n, 2n), [txn(1n, 0n, 4n)], 'data starts at or after the upper bound: not needed');
      assert.deepEqual(await b.collect(0n, 3n), [txn(1n, 0n, 4n), txn(2n, 2n, 8n)]);
      await b.truncateTo(8n);
      assert.deepEqual(await new TxnIndex(file).entries(), [txn(1n, 0n, 4n)]);
      await b.truncateTo(0n);
      assert.equal(fs.existsSync(file), false, 'an empty index has no file');
    }));

  test('ensure adds a missing entry once, in marker order', () =>
    withTempDir(async (dir) => {
      const file = path.join(dir, TXN0);
      const a = new TxnIndex(file);
      await a.append(txn(1n, 0n, 4n));
      await a.append(txn(3n, 5n, 12n));
      assert.equal(await a.ensure(txn(2n, 6n, 9n)), true);
      assert.equal(await a.ensure(txn(2n, 6n, 9n)), false);
      assert.equal(await a.ensure(txn(4n, 13n, 14n)), true);
      assert.deepEqual((await new TxnIndex(file).entries()).map((e) => e.lastOffset), [4n, 9n, 12n, 14n]);
    }));
});

describe('PartitionLog and .txnindex', () => {
  test('the entry goes to the segment holding the marker; collect spans segments', () =>
    withTempDir(async (dir) => {
      const log = await openTestLog({ dir });
      await log.append(testBatch({ count: 5 }), none); // 0-4
      await log.recordAbortedTxn(txn(1n, 0n, 4n));
      await log.roll();
      await log.append(testBatch({ count: 5 }), none); // 5-9
      await log.recordAbortedTxn(txn(2n, 3n, 9n, 3n));
      assert.ok(listDir(dir).includes(TXN0));
      assert.ok(listDir(dir).includes('00000000000000000005.txnindex'));
      assert.deepEqual(await log.collectAbortedTransactions(0n, 10n), [txn(1n, 0n, 4n), txn(2n, 3n, 9n, 3n)]);
      assert.deepEqual(await log.collectAbortedTransactions(5n, 10n), [txn(2n, 3n, 9n, 3n)]);
      // An entry for an offset beyond the log end (truncated meanwhile) is not written.
      await log.recordAbortedTxn(txn(3n, 10n, 50n));
      assert.equal((await log.collectAbortedTransactions(0n, 100n)).length, 2);
      await log.close();
      const reopened = await openTestLog({ dir, params: { hadCleanShutdown: true, recoveryPoint: 10 } });
      assert.deepEqual(await reopened.collectAbortedTransactions(0n, 10n), [txn(1n, 0n, 4n), txn(2n, 3n, 9n, 3n)]);
      await reopened.close();
    }));

  test('truncation drops entries of truncated markers; retention deletes the file with its segment', () =>
    withTempDir(async (dir) => {
      const clock = new ManualClock(1_000_000);
      const log = await openTestLog({ dir, clock, config: { 'retention.ms': 1000, 'file.delete.delay.ms': 0 } });
      for (let i = 0; i < 3; i++) await log.append(testBatch({ count: 1, timestamp: 1_000_000 }), none); // 0, 1, 2
      await log.recordAbortedTxn(txn(1n, 0n, 1n));
      await log.recordAbortedTxn(txn(2n, 0n, 2n));
      await log.truncateTo(2n);
      assert.deepEqual(await log.collectAbortedTransactions(0n, 10n), [txn(1n, 0n, 1n)]);
      assert.deepEqual(await new TxnIndex(path.join(dir, TXN0)).entries(), [txn(1n, 0n, 1n)]);
      await log.roll();
      await log.append(testBatch({ count: 1, timestamp: 1_000_000 }), none);
      log.updateHighWatermark(log.logEndOffset);
      clock.advance(10_000);
      const r = await log.deleteOldSegments();
      assert.ok(r.deleted >= 1);
      clock.advance(1);
      await log.deleter.idle();
      assert.deepEqual(await log.collectAbortedTransactions(log.logStartOffset, 10n), []);
      assert.ok(!listDir(dir).includes(TXN0), `files: ${listDir(dir).join(' ')}`);
      await log.close();
    }));
});
