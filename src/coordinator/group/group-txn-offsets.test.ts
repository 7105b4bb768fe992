import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../protocol/messages/index.ts';
import { ManualClock, silentLogger } from '../../util/index.ts';
import { GroupCoordinator, type GroupCoordinatorConfig } from './group-coordinator.ts';
import { MemoryGroupLog } from './group-log.ts';
import type { TxnOffsetCommitRequest } from './types.ts';

/** Transactional offsets (TxnOffsetCommit): pending until the producer's marker, then visible or dropped. */

const CONFIG: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 0,
  maxGroupSize: 100,
  offsetsRetentionMs: 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  maxMetadataBytes: 4096,
};

function setup(log = new MemoryGroupLog(), clock = new ManualClock(1_700_000_000_000)) {
  const gc = new GroupCoordinator(CONFIG, { clock, scheduler: clock, logger: silentLogger, log });
  return { clock, gc, log };
}

const PID = 7n;

function txnCommit(offset: bigint, over: Partial<TxnOffsetCommitRequest> = {}): TxnOffsetCommitRequest {
  return {
    transactionalId: 'tx',
    groupId: 'g',
    producerId: PID,
    producerEpoch: 0,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: 'm' }],
    ...over,
  };
}

const fetchOne = (gc: GroupCoordinator, requireStable = false) => gc.offsets.fetch('g', [{ topic: 't', partitions: [0] }], requireStable).offsets[0]!;

describe('GroupOffsets: TxnOffsetCommit', () => {
  test('offsets stay invisible (UNSTABLE_OFFSET_COMMIT with require_stable) until a COMMIT marker on the group partition', async () => {
    const { gc, log } = setup();
    const r = await gc.offsets.commitTransactional(txnCommit(42n));
    assert.deepEqual(r.map((x) => x.errorCode), [ErrorCode.NONE]);
    assert.equal(fetchOne(gc).offset, -1n);
    assert.equal(fetchOne(gc, true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
    // A marker for another partition leaves the group's offsets pending.
    const partition = log.partitionFor('g');
    gc.offsets.completeTransaction(PID, 0, true, (partition + 1) % log.partitions.length);
    assert.equal(fetchOne(gc, true).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
    gc.offsets.completeTransaction(PID, 0, true, partition);
    assert.deepEqual({ offset: fetchOne(gc, true).offset, error: fetchOne(gc, true).errorCode, metadata: fetchOne(gc).metadata }, { offset: 42n, error: ErrorCode.NONE, metadata: 'm' });
  });

  test('an ABORT marker drops them', async () => {
    const { gc, log } = setup();
    await gc.offsets.commit({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: '' }] });
    await gc.offsets.commitTransactional(txnCommit(42n));
    gc.offsets.completeTransaction(PID, 0, false, log.partitionFor('g'));
    assert.equal(fetchOne(gc, true).offset, 5n);
    assert.equal(gc.offsets.pendingProducers('g').length, 0);
  });

  test('a plain commit written after the transactional one wins at commit time (Kafka compares record offsets)', async () => {
    const { gc, log } = setup();
    await gc.offsets.commitTransactional(txnCommit(42n));
    await gc.offsets.commit({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 50n, leaderEpoch: -1, metadata: '' }] });
    gc.offsets.completeTransaction(PID, 0, true, log.partitionFor('g'));
    assert.equal(fetchOne(gc).offset, 50n);
  });

  test('after a marker with a bumped epoch, a TxnOffsetCommit of the older epoch is refused (fenced zombie)', async () => {
    const { gc, log } = setup();
    gc.offsets.completeTransaction(PID, 1, false, log.partitionFor('g'));
    const r = await gc.offsets.commitTransactional(txnCommit(42n, { producerEpoch: 0 }));
    assert.deepEqual(r.map((x) => x.errorCode), [ErrorCode.INVALID_PRODUCER_EPOCH]);
    assert.equal(gc.offsets.hasPendingOffset('g', 't', 0), false);
  });

  test('validation: a generation for an unknown group is ILLEGAL_GENERATION; an unknown member UNKNOWN_MEMBER_ID', async () => {
    const { gc } = setup();
    assert.deepEqual((await gc.offsets.commitTransactional(txnCommit(1n, { generationId: 3, memberId: 'm' }))).map((x) => x.errorCode), [ErrorCode.ILLEGAL_GENERATION]);
    await gc.offsets.commitTransactional(txnCommit(1n)); // creates the simple group
    assert.deepEqual((await gc.offsets.commitTransactional(txnCommit(1n, { generationId: 0, memberId: 'nobody' }))).map((x) => x.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID]);
  });

  test('loading applies only committed transactional offsets; an open transaction stays pending', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const log = new MemoryGroupLog();
    const first = setup(log, clock);
    await first.gc.offsets.commitTransactional(txnCommit(10n, { producerId: 1n }));
    await first.gc.offsets.commitTransactional(txnCommit(20n, { producerId: 2n, offsets: [{ topic: 't', partition: 1, offset: 20n, leaderEpoch: -1, metadata: '' }] }));
    await first.gc.offsets.commitTransactional(txnCommit(30n, { producerId: 3n, offsets: [{ topic: 't', partition: 2, offset: 30n, leaderEpoch: -1, metadata: '' }] }));
    const partition = log.partitionFor('g');
    log.appendMarker(partition, 1n, true);
    log.appendMarker(partition, 2n, false);
    first.gc.close();

    const second = setup(log, clock);
    await second.gc.load();
    const all = second.gc.offsets.fetch('g', [{ topic: 't', partitions: [0, 1, 2] }], true).offsets;
    assert.deepEqual(
      all.map((o) => [o.partition, o.offset, o.errorCode]),
      [
        [0, 10n, ErrorCode.NONE],
        [1, -1n, ErrorCode.NONE],
        [2, -1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
      ],
    );
    // The open transaction settles later, as after a coordinator failover.
    second.gc.offsets.completeTransaction(3n, 0, true, partition);
    assert.equal(second.gc.offsets.fetch('g', [{ topic: 't', partitions: [2] }]).offsets[0]!.offset, 30n);
    second.gc.close();
  });
});

describe('GroupOffsets: pending offsets of deleted groups', () => {
  test('deleting the group drops its pending offsets, so a later COMMIT marker does not resurrect it', async () => {
    const { gc, log } = setup();
    await gc.offsets.commitTransactional(txnCommit(42n));
    assert.deepEqual((await gc.deleteGroups(['g'])).map((r) => r.errorCode), [ErrorCode.NONE]);
    assert.equal(gc.offsets.hasPendingOffset('g', 't', 0), false);
    gc.offsets.completeTransaction(PID, 0, true, log.partitionFor('g'));
    assert.equal(gc.describe('g').state, 'Dead');
    assert.equal(fetchOne(gc).offset, -1n);
  });
});
