import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeConsumerProtocolSubscription, ErrorCode } from '../../protocol/messages/index.ts';
import { Writer } from '../../protocol/wire/index.ts';
import { ManualClock, silentLogger } from '../../util/index.ts';
import { GroupCoordinator, type GroupCoordinatorConfig } from './group-coordinator.ts';
import { MemoryGroupLog } from './group-log.ts';
import { decodeRecord, groupKey, offsetKey, offsetsPartitionFor } from './group-records.ts';
import type { JoinResult } from './types.ts';

const RETENTION_MS = 24 * 3_600_000;
const CHECK_MS = 600_000;
const CONFIG: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 0,
  maxGroupSize: 100,
  offsetsRetentionMs: RETENTION_MS,
  offsetsRetentionCheckIntervalMs: CHECK_MS,
  maxMetadataBytes: 16,
};

function setup(log = new MemoryGroupLog(), clock = new ManualClock(1_700_000_000_000)) {
  const gc = new GroupCoordinator(CONFIG, { clock, scheduler: clock, logger: silentLogger, log });
  return { clock, gc, log };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function subscription(...topics: string[]): Buffer {
  const w = new Writer();
  w.int16(1);
  encodeConsumerProtocolSubscription(w, 1, { topics, userData: null, ownedPartitions: [] });
  return w.toBuffer();
}

/** One consumer member, Stable in generation 1, subscribed to `topics`. */
async function member(gc: GroupCoordinator, clock: ManualClock, topics: string[], groupInstanceId: string | null = null): Promise<JoinResult> {
  const p = gc.join({
    groupId: 'g',
    memberId: '',
    groupInstanceId,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(...topics) }],
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
  });
  clock.advance(0);
  const j = await p;
  await gc.sync({ groupId: 'g', generationId: j.generationId, memberId: j.memberId, groupInstanceId, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('a') }] });
  await settle();
  return j;
}

const one = (offset: bigint, metadata: string | null = 'meta', topic = 't', partition = 0) => [{ topic, partition, offset, leaderEpoch: 3, metadata }];

describe('GroupOffsets: commit and fetch', () => {
  test('a simple commit (generation -1, no member) creates the group; fetch returns offset, epoch and metadata', async () => {
    const { gc } = setup();
    const r = await gc.offsets.commit({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, offsets: one(42n, 'état ✓') });
    assert.deepEqual(r, [{ topic: 't', partition: 0, errorCode: ErrorCode.NONE }]);
    const f = gc.offsets.fetch('solo', [{ topic: 't', partitions: [0, 1] }]);
    assert.deepEqual(f.offsets, [
      { topic: 't', partition: 0, offset: 42n, leaderEpoch: 3, metadata: 'état ✓', errorCode: 0 },
      { topic: 't', partition: 1, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: 0 },
    ]);
    assert.equal(gc.offsets.fetch('solo', null).offsets.length, 1, 'null topics = everything committed');
    assert.deepEqual(gc.offsets.fetch('nobody', [{ topic: 't', partitions: [0] }]).offsets[0]?.offset, -1n);
    assert.equal(gc.offsets.fetch('', null).errorCode, ErrorCode.INVALID_GROUP_ID);
  });

  test('null metadata is stored as ""; metadata over offset.metadata.max.bytes is refused per partition', async () => {
    const { gc } = setup();
    await gc.offsets.commit({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, offsets: one(1n, null) });
    assert.equal(gc.offsets.fetch('solo', [{ topic: 't', partitions: [0] }]).offsets[0]?.metadata, '');
    const r = await gc.offsets.commit({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, offsets: one(2n, 'x'.repeat(17)) });
    assert.equal(r[0]?.errorCode, ErrorCode.OFFSET_METADATA_TOO_LARGE);
    assert.equal(gc.offsets.fetch('solo', [{ topic: 't', partitions: [0] }]).offsets[0]?.offset, 1n);
  });

  test('member commits are checked against generation and membership', async () => {
    const { gc, clock } = setup();
    assert.equal((await gc.offsets.commit({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, offsets: one(1n) }))[0]?.errorCode, ErrorCode.ILLEGAL_GENERATION, 'unknown group, generation >= 0');
    const j = await member(gc, clock, ['t']);
    const commit = (generationId: number, memberId: string) => gc.offsets.commit({ groupId: 'g', generationId, memberId, groupInstanceId: null, offsets: one(7n) }).then((r) => r[0]?.errorCode);
    assert.equal(await commit(1, j.memberId), ErrorCode.NONE);
    assert.equal(await commit(0, j.memberId), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(await commit(1, 'other'), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await commit(-1, ''), ErrorCode.UNKNOWN_MEMBER_ID, 'simple commits only while the group is empty');
    // A second member joins: PreparingRebalance still accepts the current generation's commits.
    const second = gc.join({ groupId: 'g', memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription('t') }], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, clientId: 'c2', clientHost: '/h', requireKnownMemberId: false });
    assert.equal(await commit(1, j.memberId), ErrorCode.NONE);
    const rejoin = gc.join({ groupId: 'g', memberId: j.memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription('t') }], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, clientId: 'c', clientHost: '/h', requireKnownMemberId: false });
    const [r2] = await Promise.all([rejoin, second]);
    assert.equal(gc.describe('g').state, 'CompletingRebalance');
    assert.equal(await commit(r2.generationId, j.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
  });
});

describe('GroupOffsets: OffsetDelete', () => {
  test('GROUP_SUBSCRIBED_TO_TOPIC for subscribed topics; other offsets are deleted', async () => {
    const { gc, clock } = setup();
    const j = await member(gc, clock, ['in-use']);
    await gc.offsets.commit({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, offsets: [...one(1n, '', 'in-use'), ...one(2n, '', 'old')] });
    const r = await gc.offsets.delete('g', [{ topic: 'in-use', partitions: [0] }, { topic: 'old', partitions: [0] }]);
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.deepEqual(r.partitions.map((p) => [p.topic, p.errorCode]), [['in-use', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], ['old', ErrorCode.NONE]]);
    assert.equal(gc.offsets.fetch('g', [{ topic: 'old', partitions: [0] }]).offsets[0]?.offset, -1n);
    assert.equal(gc.offsets.fetch('g', [{ topic: 'in-use', partitions: [0] }]).offsets[0]?.offset, 1n);
    assert.equal((await gc.offsets.delete('missing', [])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

describe('GroupOffsets: persistence in __consumer_offsets format', () => {
  test("keys carry Kafka's int16 version prefix and schemas", () => {
    assert.deepEqual(offsetKey('g', 't', 2), Buffer.from([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 2]));
    assert.deepEqual(groupKey('g'), Buffer.from([0, 2, 0, 1, 0x67]));
    assert.deepEqual(decodeRecord(offsetKey('g', 't', 2), null), { kind: 'offset', group: 'g', topic: 't', partition: 2, value: null });
  });

  test("partition = Utils.abs(String.hashCode) % count, as Kafka's GroupMetadataManager", () => {
    // "hello".hashCode() == 99162322; "polygenelubricants".hashCode() == Integer.MIN_VALUE, which Utils.abs maps to 0.
    assert.equal(offsetsPartitionFor('hello', 50), 99162322 % 50);
    assert.equal(offsetsPartitionFor('polygenelubricants', 50), 0);
    // "Aa" and "BB" collide in Java (2112).
    assert.equal(offsetsPartitionFor('Aa', 7), 2112 % 7);
    assert.equal(offsetsPartitionFor('BB', 7), 2112 % 7);
  });

  test('a new coordinator replaying the log has the same groups, members, assignments and offsets', async () => {
    const { gc, clock, log } = setup();
    const j = await member(gc, clock, ['t'], 'instance-1');
    await gc.offsets.commit({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: 'instance-1', offsets: one(99n, 'kept') });
    await gc.offsets.commit({ groupId: 'gone', generationId: -1, memberId: '', groupInstanceId: null, offsets: one(5n) });
    await gc.deleteGroups(['gone']);
    gc.close();

    const restarted = setup(log, clock).gc;
    await restarted.load();
    assert.deepEqual(restarted.offsets.fetch('g', [{ topic: 't', partitions: [0] }]).offsets[0], { topic: 't', partition: 0, offset: 99n, leaderEpoch: 3, metadata: 'kept', errorCode: 0 });
    assert.equal(restarted.describe('gone').state, 'Dead');
    const d = restarted.describe('g');
    assert.equal(d.state, 'Stable');
    assert.deepEqual(d.members.map((m) => [m.memberId, m.groupInstanceId, m.memberAssignment.toString()]), [[j.memberId, 'instance-1', 'a']]);
    // The loaded member keeps its generation as long as it heartbeats.
    assert.equal(restarted.heartbeat({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: 'instance-1' }), ErrorCode.NONE);
    // ... and is dropped when it does not: the group empties after the session timeout.
    clock.advance(10_001);
    await settle();
    assert.equal(restarted.describe('g').state, 'Empty');
    restarted.close();
  });
});

describe('GroupOffsets: offsets.retention.minutes', () => {
  test("an empty group's offsets expire a retention period after it emptied, then the group goes", async () => {
    const { gc, clock, log } = setup();
    await gc.load();
    const j = await member(gc, clock, ['t']);
    await gc.offsets.commit({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, offsets: one(10n) });
    // While the member heartbeats, nothing expires, however old the commit (KIP-211).
    for (let t = 0; t < RETENTION_MS + CHECK_MS; t += 5_000) {
      clock.advance(5_000);
      assert.equal(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null }), ErrorCode.NONE);
    }
    await settle();
    assert.equal(gc.offsets.fetch('g', null).offsets.length, 1);
    // Line the sweep up with the moment the group empties, so the expiry lands exactly on a sweep.
    clock.advance(CHECK_MS - ((RETENTION_MS + CHECK_MS) % CHECK_MS));
    gc.leave('g', [{ memberId: j.memberId, groupInstanceId: null }]);
    await settle();
    assert.equal(gc.describe('g').state, 'Empty');
    clock.advance(RETENTION_MS - CHECK_MS);
    await settle();
    assert.equal(gc.offsets.fetch('g', null).offsets.length, 1);
    clock.advance(CHECK_MS);
    await settle();
    assert.equal(gc.offsets.fetch('g', null).offsets.length, 0);
    assert.equal(gc.describe('g').state, 'Dead');
    const tail = log.partitions[log.partitionFor('g')]!.slice(-2);
    assert.deepEqual(tail.map((r) => [decodeRecord(r.key, r.value).kind, r.value]), [['offset', null], ['group', null]]);
    gc.close();
  });

  test('standalone commits (no group membership ever) expire by commit time', async () => {
    const { gc, clock } = setup();
    await gc.offsets.commit({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, offsets: one(1n) });
    clock.advance(RETENTION_MS / 2);
    await gc.offsets.commit({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, offsets: one(2n, '', 't', 1) });
    clock.advance(RETENTION_MS / 2);
    assert.equal(await gc.offsets.expireOffsets(), 1);
    assert.deepEqual(gc.offsets.fetch('solo', null).offsets.map((o) => o.partition), [1]);
  });

  test('a failed append leaves the offsets as they were', async () => {
    const { gc, log } = setup();
    log.failWith = new Error('disk full');
    const r = await gc.offsets.commit({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, offsets: one(1n) });
    assert.equal(r[0]?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(gc.offsets.fetch('solo', null).offsets.length, 0);
  });
});
