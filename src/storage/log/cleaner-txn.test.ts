import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBatch, buildControlBatch, decodeBatches } from '../../protocol/records/index.ts';
import { ManualClock, MemoryLogger } from '../../util/index.ts';
import { cleanLog, dirtyStats } from './cleaner.ts';
import type { PartitionLog } from './partition-log.ts';
import { listDir, openTestLog, withTempDir } from './test-support.ts';

/**
 * Compaction with transactions (Kafka's LogCleaner with CleanedTransactionMetadata): aborted data
 * goes and does not shadow older values, markers go only once their transaction's data is gone and
 * delete.retention.ms has passed, the .txnindex follows the cleaned segment, and the dirty section
 * stops at the first open transaction.
 */

const none = { requiredDurability: 'none', leaderEpoch: 0 } as const;
const compact = { 'cleanup.policy': 'compact', 'segment.bytes': 400, 'delete.retention.ms': 1000 } as const;

async function clean(log: PartitionLog, clock: ManualClock): Promise<void> {
  log.updateHighWatermark(log.logEndOffset);
  const stats = await dirtyStats(log, undefined, clock.now());
  await cleanLog(log, stats, clock.now(), { maxKeysPerPass: 1000, logger: new MemoryLogger() });
}

const kv = (key: string, value: string, clock: ManualClock, txn?: { producerId: bigint; seq: number }): Buffer =>
  buildBatch({
    records: [{ key: Buffer.from(key), value: Buffer.from(value), timestamp: BigInt(clock.now()) }],
    ...(txn === undefined ? {} : { producerId: txn.producerId, producerEpoch: 0, baseSequence: txn.seq, isTransactional: true }),
  });

/** Every batch in the log as `offset:key=value`, markers as `offset:ABORT|COMMIT(pid)`, emptied ones as `offset:empty`. */
async function contents(log: PartitionLog): Promise<string[]> {
  const r = await log.read(log.logStartOffset, 1 << 20, { minOneBatch: true });
  let bytes = r.bytes;
  // Read every segment (one read stops at a segment's end).
  const parts: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const chunk = (await log.read(offset, 1 << 20)).bytes;
    if (chunk.length === 0) break;
    parts.push(chunk);
    const batches = decodeBatches(chunk);
    const last = batches.at(-1)!.header;
    offset = last.baseOffset + BigInt(last.lastOffsetDelta) + 1n;
  }
  bytes = Buffer.concat(parts);
  const out: string[] = [];
  for (const b of decodeBatches(bytes)) {
    if (b.records.length === 0) out.push(`${b.header.baseOffset}:empty`);
    for (const rec of b.records) {
      if (b.isControl) out.push(`${rec.offset}:${rec.key!.readInt16BE(2) === 0 ? 'ABORT' : 'COMMIT'}(${b.header.producerId})`);
      else out.push(`${rec.offset}:${rec.key?.toString()}=${rec.value?.toString()}`);
    }
  }
  return out;
}

async function abort(log: PartitionLog, producerId: bigint, firstOffset: bigint, clock: ManualClock): Promise<void> {
  const m = await log.append(buildControlBatch({ type: 'abort', producerId, producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(clock.now()) }), none);
  await log.recordAbortedTxn({ producerId, firstOffset, lastOffset: m.baseOffset, lastStableOffset: m.baseOffset + 1n });
}

async function commit(log: PartitionLog, producerId: bigint, clock: ManualClock): Promise<void> {
  await log.append(buildControlBatch({ type: 'commit', producerId, producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(clock.now()) }), none);
}

async function filler(log: PartitionLog, n: number, clock: ManualClock): Promise<void> {
  for (let i = 0; i < n; i++) await log.append(kv(`f${i}`, 'x'.repeat(40), clock), none);
}

test('aborted data is removed and does not shadow older values; committed data is compacted normally', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog({ dir, clock, config: compact });
    await log.append(kv('a', 'old', clock), none); // 0
    await log.append(kv('a', 'aborted', clock, { producerId: 7n, seq: 0 }), none); // 1
    await log.append(kv('b', 'aborted', clock, { producerId: 7n, seq: 1 }), none); // 2
    await abort(log, 7n, 1n, clock); // 3
    await log.append(kv('c', 'committed', clock, { producerId: 8n, seq: 0 }), none); // 4
    await commit(log, 8n, clock); // 5
    await filler(log, 8, clock);
    assert.ok(log.segments.length >= 3);
    await clean(log, clock);
    const after = await contents(log);
    assert.ok(after.includes('0:a=old'), `older committed value kept: ${after.join(' ')}`);
    assert.ok(!after.some((r) => r.includes('aborted')), 'aborted records removed');
    assert.ok(after.includes('4:c=committed'));
    // The markers stay: the abort's data was still there at this cleaning, the commit's too.
    assert.ok(after.includes('3:ABORT(7)') && after.includes('5:COMMIT(8)'));
    assert.deepEqual(await log.collectAbortedTransactions(0n, 100n), [{ producerId: 7n, firstOffset: 1n, lastOffset: 3n, lastStableOffset: 4n }], '.txnindex carried into the cleaned segment');
    assert.ok(!listDir(dir).some((f) => f.endsWith('.cleaned') || f.endsWith('.swap')));

    // Second cleaning: no data of the aborted transaction is left, so its marker gets a delete horizon…
    await clean(log, clock);
    assert.ok((await contents(log)).includes('3:ABORT(7)'));
    assert.deepEqual(await log.collectAbortedTransactions(0n, 100n), [], 'no data left: the entry is no longer needed');
    // …and goes once delete.retention.ms has passed (emptied, not removed: it is producer 7's last
    // batch and carries its epoch). The commit marker stays while its transaction's data does.
    clock.advance(2000);
    await clean(log, clock);
    const final = await contents(log);
    assert.ok(!final.includes('3:ABORT(7)') && final.includes('3:empty'), final.join(' '));
    assert.ok(final.includes('5:COMMIT(8)'), final.join(' '));
    assert.ok(final.includes('0:a=old') && final.includes('4:c=committed'));
    await log.close();
  }));

test('the dirty section stops at the first unstable offset', () =>
  withTempDir(async (dir) => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog({ dir, clock, config: compact });
    await filler(log, 4, clock);
    const open = log.logEndOffset;
    await log.append(kv('t', 'open', clock, { producerId: 9n, seq: 0 }), none);
    await filler(log, 8, clock);
    log.updateHighWatermark(log.logEndOffset);
    const unbounded = await dirtyStats(log, undefined, clock.now());
    log.firstUnstableOffset = () => open;
    const bounded = await dirtyStats(log, undefined, clock.now());
    assert.ok(bounded.cleanableEndOffset <= Number(open), `${bounded.cleanableEndOffset} <= ${open}`);
    assert.ok(unbounded.cleanableEndOffset > Number(open));
    await log.close();
  }));
