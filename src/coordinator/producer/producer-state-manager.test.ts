import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildBatch, buildControlBatch, readBatchHeader } from '../../protocol/records/index.ts';
import { ManualClock, MemoryLogger } from '../../util/index.ts';
import { PartitionLog, logConfig, writeProducerSnapshot } from '../../storage/index.ts';
import { ProducerStateManager } from './producer-state-manager.ts';

/** Building a partition's producer state: replay of the log, .txnindex repair, snapshots, expiry. */

const none = { requiredDurability: 'none', leaderEpoch: 0 } as const;
const DAY = 86_400_000;

async function withLog(fn: (log: PartitionLog, dir: string, clock: ManualClock) => Promise<void>): Promise<void> {
  const dir = await fs.promises.mkdtemp(path.join((await import('node:os')).tmpdir(), 'gregor-pstate-'));
  const clock = new ManualClock(10 * DAY);
  const open = (): Promise<PartitionLog> =>
    PartitionLog.open({ dir, topic: 't', partition: 0, config: logConfig({}), clock, scheduler: clock, logger: new MemoryLogger(), hadCleanShutdown: true, recoveryPoint: 0 });
  const log = await open();
  try {
    await fn(log, dir, clock);
  } finally {
    await log.close().catch(() => undefined);
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

const data = (producerId: bigint, seq: number, transactional: boolean, timestamp: bigint): Buffer =>
  buildBatch({ producerId, producerEpoch: 0, baseSequence: seq, isTransactional: transactional, records: [{ value: Buffer.from('v'), timestamp }] });

describe('ProducerStateManager', () => {
  test('replay rebuilds open transactions and restores a .txnindex entry a crash lost', () =>
    withLog(async (log, _dir, clock) => {
      const now = BigInt(clock.now());
      await log.append(data(1n, 0, true, now), none); // 0
      await log.append(data(2n, 0, true, now), none); // 1
      // The ABORT marker of producer 1 is in the log, its index entry is not (kill -9 in between).
      await log.append(buildControlBatch({ type: 'abort', producerId: 1n, producerEpoch: 0, coordinatorEpoch: 3 }), none); // 2
      assert.deepEqual(await log.collectAbortedTransactions(0n, 10n), []);
      const state = await new ProducerStateManager({ clock }).load(log);
      assert.equal(state.firstUnstableOffset, 1n, 'producer 2 still open');
      assert.deepEqual(await log.collectAbortedTransactions(0n, 10n), [{ producerId: 1n, firstOffset: 0n, lastOffset: 2n, lastStableOffset: 1n }]);
      assert.equal(state.producers().find((p) => p.producerId === 1n)?.coordinatorEpoch, 3);
      assert.equal(log.firstUnstableOffset(), 1n, 'the cleaner sees the first unstable offset');
    }));

  test("snapshots: Kafka's layout, written at shutdown, read back on load; corrupt ones are ignored", () =>
    withLog(async (log, dir, clock) => {
      const now = BigInt(clock.now());
      await log.append(data(1n, 0, false, now), none);
      await log.append(data(2n, 5, true, now), none);
      const a = new ProducerStateManager({ clock });
      await a.load(log);
      await a.writeSnapshots();
      const name = '00000000000000000002.snapshot';
      assert.ok(fs.readdirSync(dir).includes(name));
      const bytes = fs.readFileSync(path.join(dir, name));
      assert.equal(bytes.readInt16BE(0), 1, 'version 1');
      assert.equal(bytes.readInt32BE(6), 2, 'two entries');
      assert.equal(bytes.length, 10 + 2 * 46);
      const b = await new ProducerStateManager({ clock }).load(log);
      assert.deepEqual(b.producers(), (await a.load(log)).producers());
      assert.equal(b.firstUnstableOffset, 1n);

      // A snapshot naming a producer that is nowhere in the log proves the load reads it.
      await writeProducerSnapshot(dir, 2n, [{ producerId: 99n, epoch: 4, lastSequence: 7, lastOffset: 1n, offsetDelta: 0, timestamp: now, coordinatorEpoch: 2, currentTxnFirstOffset: -1n }]);
      const c = await new ProducerStateManager({ clock }).load(log);
      assert.deepEqual(c.describe(99n), { epoch: 4, lastSeq: 7 });
      assert.equal(c.check({ producerId: 99n, producerEpoch: 4, baseSequence: 7, lastOffsetDelta: 0 }).kind, 'duplicate');
      assert.equal(c.describe(1n), undefined, 'nothing before the snapshot offset was replayed');

      const file = path.join(dir, name);
      const corrupt = fs.readFileSync(file);
      corrupt[20] = corrupt[20]! ^ 0xff;
      fs.writeFileSync(file, corrupt);
      const d = await new ProducerStateManager({ clock }).load(log);
      assert.equal(d.describe(99n), undefined);
      assert.notEqual(d.describe(1n), undefined, 'a corrupt snapshot means a full replay');
      assert.ok(!fs.readdirSync(dir).includes(name), 'and is deleted');
    }));

  test('periodic snapshots wait until no write is in flight, then cover the log end', () =>
    withLog(async (log, dir, clock) => {
      const m = new ProducerStateManager({ clock });
      const state = await m.load(log);
      const b = data(1n, 0, true, BigInt(clock.now()));
      const h = readBatchHeader(b);
      let release!: (o: { baseOffset: bigint; lastOffset: bigint }) => void;
      assert.equal(state.check(h).kind, 'append');
      state.record(h, new Promise((r) => (release = r)), 0n);
      await m.snapshotIdle();
      assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.snapshot')), 'nothing while the batch is in flight');
      await log.append(b, none);
      release({ baseOffset: 0n, lastOffset: 0n });
      await new Promise((r) => setImmediate(r));
      await m.snapshotIdle();
      assert.ok(fs.readdirSync(dir).includes('00000000000000000001.snapshot'));
      const again = await new ProducerStateManager({ clock }).load(log);
      assert.equal(again.firstUnstableOffset, 0n, 'the open transaction comes back from the snapshot');
    }));

  test('producer.id.expiration.ms: idle producers without an open transaction expire, on load and periodically', () =>
    withLog(async (log, _dir, clock) => {
      const now = BigInt(clock.now());
      await log.append(data(1n, 0, false, now), none);
      await log.append(data(2n, 0, true, now), none);
      const m = new ProducerStateManager({ clock, expirationMs: DAY });
      const state = await m.load(log);
      const stop = m.scheduleExpiry(clock, 60_000);
      clock.advance(DAY - 60_000);
      assert.notEqual(state.describe(1n), undefined);
      clock.advance(60_000);
      assert.equal(state.describe(1n), undefined, 'expired');
      assert.notEqual(state.describe(2n), undefined, 'an open transaction keeps its producer');
      stop();
    }));
});
