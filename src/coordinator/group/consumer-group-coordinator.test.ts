import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeConsumerGroupCurrentMemberAssignmentValue, encodeConsumerGroupCurrentMemberAssignmentValue, ErrorCode } from '../../protocol/messages/index.ts';
import { Reader, Writer } from '../../protocol/wire/index.ts';
import { ManualClock, silentLogger } from '../../util/index.ts';
import type { ConsumerHeartbeatRequest, ConsumerHeartbeatResult, TopicResolver } from './consumer-group-coordinator.ts';
import { GroupCoordinator, type GroupCoordinatorConfig } from './group-coordinator.ts';
import { MemoryGroupLog } from './group-log.ts';

/** KIP-848 groups driven by a ManualClock: heartbeats only, no sockets, no sleeps. */

const CONFIG: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  maxMetadataBytes: 4096,
  consumer: { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5_000, assignors: ['uniform', 'range'], maxGroupSize: 3 },
};

const T1 = '00000000-0000-0000-0000-000000000001';
const T2 = '00000000-0000-0000-0000-000000000002';

function topicsOf(list: { name: string; id: string; partitions: number }[]): TopicResolver & { list: typeof list } {
  return {
    list,
    byName: (name) => {
      const t = list.find((x) => x.name === name);
      return t === undefined ? undefined : { topicId: t.id, partitions: t.partitions };
    },
    byId: (id) => {
      const t = list.find((x) => x.id === id);
      return t === undefined ? undefined : { name: t.name, partitions: t.partitions };
    },
    names: () => list.map((t) => t.name),
  };
}

function setup(topics = topicsOf([{ name: 'orders', id: T1, partitions: 6 }])) {
  const clock = new ManualClock(1_700_000_000_000);
  const log = new MemoryGroupLog();
  const gc = new GroupCoordinator(CONFIG, { clock, scheduler: clock, logger: silentLogger, log, topics });
  return { clock, gc, topics, log };
}

type Owned = { topicId: string; partitions: number[] }[];

function join(gc: GroupCoordinator, memberId: string, over: Partial<ConsumerHeartbeatRequest> = {}): ConsumerHeartbeatResult {
  return gc.consumer.heartbeat({
    groupId: 'g',
    memberId,
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: ['orders'],
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: [],
    clientId: 'c',
    clientHost: '/127.0.0.1',
    version: 1,
    ...over,
  });
}

function beat(gc: GroupCoordinator, memberId: string, memberEpoch: number, owned: Owned | null, over: Partial<ConsumerHeartbeatRequest> = {}): ConsumerHeartbeatResult {
  return join(gc, memberId, { memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: owned, ...over });
}

const parts = (r: ConsumerHeartbeatResult): number[] => (r.assignment ?? []).flatMap((tp) => tp.partitions.map((p) => p)).sort((a, b) => a - b);

/**
 * A client that does what the Java consumer does: owns what the last assignment gave it (revoking
 * what is gone at once) and heartbeats with its epoch and owned partitions.
 */
class Member {
  epoch = 0;
  owned: Owned = [];
  readonly gc: GroupCoordinator;
  readonly id: string;
  constructor(gc: GroupCoordinator, id: string) {
    this.gc = gc;
    this.id = id;
  }
  join(over: Partial<ConsumerHeartbeatRequest> = {}): ConsumerHeartbeatResult {
    return this.#apply(join(this.gc, this.id, over));
  }
  beat(): ConsumerHeartbeatResult {
    return this.#apply(beat(this.gc, this.id, this.epoch, this.owned));
  }
  #apply(r: ConsumerHeartbeatResult): ConsumerHeartbeatResult {
    assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
    this.epoch = r.memberEpoch;
    if (r.assignment !== null) this.owned = r.assignment.map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }));
    return r;
  }
  partitions(): number[] {
    return this.owned.flatMap((tp) => tp.partitions).sort((a, b) => a - b);
  }
}

/** Heartbeats every member until nothing changes; asserts no partition is ever owned twice. */
function converge(members: Member[]): void {
  for (let round = 0; round < 20; round++) {
    const before = JSON.stringify(members.map((m) => [m.epoch, m.owned]));
    for (const m of members) {
      m.beat();
      const all = members.flatMap((x) => x.owned.flatMap((tp) => tp.partitions.map((p) => `${tp.topicId}:${p}`)));
      assert.equal(new Set(all).size, all.length, `partition owned twice: ${all.join(' ')}`);
    }
    if (JSON.stringify(members.map((m) => [m.epoch, m.owned])) === before) return;
  }
  assert.fail('group did not converge');
}

describe('ConsumerGroupHeartbeat (KIP-848)', () => {
  test('a first member joins with epoch 0 and gets every partition at group epoch 1', () => {
    const { gc } = setup();
    const r = join(gc, 'm1');
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(r.memberId, 'm1');
    assert.equal(r.memberEpoch, 1);
    assert.equal(r.heartbeatIntervalMs, 5_000);
    assert.deepEqual(r.assignment, [{ topicId: T1, partitions: [0, 1, 2, 3, 4, 5] }]);
    const d = gc.consumer.describe('g');
    assert.equal(d.groupState, 'Stable');
    assert.equal(d.groupEpoch, 1);
    assert.equal(d.assignmentEpoch, 1);
    assert.equal(d.assignorName, 'uniform');
    assert.deepEqual(d.members[0]!.assignment, [{ topicId: T1, topicName: 'orders', partitions: [0, 1, 2, 3, 4, 5] }]);
  });

  test('v0: the coordinator generates the member id; v1 requires the member to send one', () => {
    const { gc } = setup();
    const r0 = join(gc, '', { version: 0 });
    assert.equal(r0.errorCode, ErrorCode.NONE);
    assert.ok(r0.memberId !== null && r0.memberId.length > 0);
    assert.equal(join(gc, '', { version: 1 }).errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('a second member: the first revokes before the second gets anything (no partition owned twice)', () => {
    const { gc } = setup();
    const a = new Member(gc, 'a');
    a.join();
    assert.deepEqual(a.partitions(), [0, 1, 2, 3, 4, 5]);
    const b = new Member(gc, 'b');
    const rb = b.join();
    // Group epoch 2, target computed, but a still owns everything: b is at epoch 2 with nothing yet.
    assert.equal(rb.memberEpoch, 2);
    assert.deepEqual(parts(rb), []);
    assert.equal(gc.consumer.describe('g').groupState, 'Reconciling');
    // a is told to revoke: it stays at epoch 1 with its kept half.
    const ra = a.beat();
    assert.equal(ra.memberEpoch, 1);
    assert.equal(a.partitions().length, 3);
    // Once a reported the revocation it moves to epoch 2; then b gets the released half.
    assert.equal(a.beat().memberEpoch, 2);
    b.beat();
    assert.equal(b.partitions().length, 3);
    assert.deepEqual([...a.partitions(), ...b.partitions()].sort(), [0, 1, 2, 3, 4, 5]);
    assert.equal(gc.consumer.describe('g').groupState, 'Stable');
  });

  test('three members end with two partitions each; a leaving member (-1) hands its partitions over', () => {
    const { gc } = setup();
    const ms = ['a', 'b', 'c'].map((id) => new Member(gc, id));
    for (const m of ms) m.join();
    converge(ms);
    assert.deepEqual(ms.map((m) => m.partitions().length), [2, 2, 2]);
    const left = beat(gc, 'c', ms[2]!.epoch, null, { memberEpoch: -1 });
    assert.equal(left.errorCode, ErrorCode.NONE);
    assert.equal(left.memberEpoch, -1);
    const rest = ms.slice(0, 2);
    converge(rest);
    assert.deepEqual(rest.map((m) => m.partitions().length), [3, 3]);
    assert.deepEqual(rest.flatMap((m) => m.partitions()).sort(), [0, 1, 2, 3, 4, 5]);
    assert.equal(gc.consumer.describe('g').members.length, 2);
  });

  test('the uniform assignor is sticky: partitions kept by remaining members do not move', () => {
    const { gc } = setup();
    const ms = ['a', 'b', 'c'].map((id) => new Member(gc, id));
    for (const m of ms) m.join();
    converge(ms);
    const before = ms.slice(0, 2).map((m) => m.partitions());
    beat(gc, 'c', ms[2]!.epoch, null, { memberEpoch: -1 });
    converge(ms.slice(0, 2));
    ms.slice(0, 2).forEach((m, i) => assert.ok(before[i]!.every((p) => m.partitions().includes(p))));
  });

  test('a session timeout removes the member; the others take its partitions', () => {
    const { gc, clock } = setup();
    const a = new Member(gc, 'a');
    const b = new Member(gc, 'b');
    a.join();
    b.join();
    converge([a, b]);
    clock.advance(30_000);
    a.beat();
    clock.advance(20_000); // b's 45 s session ended; a heartbeated 20 s ago.
    assert.equal(gc.consumer.describe('g').members.length, 1);
    converge([a]);
    assert.deepEqual(a.partitions(), [0, 1, 2, 3, 4, 5]);
    assert.equal(beat(gc, 'b', b.epoch, b.owned).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member that does not revoke within its rebalance timeout is fenced', () => {
    const { gc, clock } = setup();
    const a = new Member(gc, 'a');
    a.join({ rebalanceTimeoutMs: 10_000 });
    const b = new Member(gc, 'b');
    b.join();
    // a is asked to revoke but keeps reporting everything as owned.
    const stubborn = [{ topicId: T1, partitions: [0, 1, 2, 3, 4, 5] }];
    assert.equal(beat(gc, 'a', 1, stubborn).memberEpoch, 1);
    clock.advance(5_000);
    b.beat();
    assert.equal(beat(gc, 'a', 1, stubborn).memberEpoch, 1);
    clock.advance(6_000);
    assert.equal(gc.consumer.describe('g').members.length, 1);
    converge([b]);
    assert.deepEqual(b.partitions(), [0, 1, 2, 3, 4, 5]);
  });

  test('epochs: ahead is FENCED_MEMBER_EPOCH; one behind with a subset is accepted (lost response); else fenced', () => {
    const { gc } = setup();
    const a = new Member(gc, 'a');
    a.join();
    assert.equal(beat(gc, 'a', 5, a.owned).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
    const b = new Member(gc, 'b');
    b.join();
    converge([a, b]);
    // a is at epoch 2 (previous 1) owning half: a retry with epoch 1 and those partitions is fine.
    assert.equal(a.epoch, 2);
    assert.equal(beat(gc, 'a', 1, a.owned).errorCode, ErrorCode.NONE);
    assert.equal(beat(gc, 'a', 1, [{ topicId: T1, partitions: [0, 1, 2, 3, 4, 5] }]).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
    assert.equal(beat(gc, 'zz', 1, []).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    // A fenced member rejoins with epoch 0 and the same id.
    const again = join(gc, 'a');
    assert.equal(again.errorCode, ErrorCode.NONE);
  });

  test('request validation: bad epoch, missing rebalance timeout or subscription, unknown assignor, a regex that does not compile', () => {
    const { gc } = setup();
    assert.equal(join(gc, 'a', { memberEpoch: -3 }).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(join(gc, 'a', { rebalanceTimeoutMs: -1 }).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(join(gc, 'a', { subscribedTopicNames: null }).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(join(gc, 'a', { topicPartitions: [{ topicId: T1, partitions: [0] }] }).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(join(gc, 'a', { groupId: '' }).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(join(gc, 'a', { serverAssignor: 'sticky' }).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
    assert.equal(join(gc, 'a', { subscribedTopicNames: null, subscribedTopicRegex: '(' }).errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);
    assert.equal(beat(gc, 'a', 3, []).errorCode, ErrorCode.GROUP_ID_NOT_FOUND, 'unknown group and epoch > 0');
  });

  test('the same subscription in another order or repeated is not a change (no epoch bump); a new topic is', () => {
    const topics = topicsOf([
      { name: 'orders', id: T1, partitions: 2 },
      { name: 'refunds', id: T2, partitions: 2 },
    ]);
    const { gc } = setup(topics);
    const m = new Member(gc, 'a');
    m.join({ subscribedTopicNames: ['orders', 'refunds'] });
    const epoch = gc.consumer.describe('g').groupEpoch;
    beat(gc, 'a', m.epoch, m.owned, { subscribedTopicNames: ['refunds', 'orders', 'orders'] });
    assert.equal(gc.consumer.describe('g').groupEpoch, epoch);
    beat(gc, 'a', m.epoch, m.owned, { subscribedTopicNames: ['refunds'] });
    assert.equal(gc.consumer.describe('g').groupEpoch, epoch + 1);
  });

  test('group.consumer.max.size: GROUP_MAX_SIZE_REACHED for the fourth member of three', () => {
    const { gc } = setup();
    for (const id of ['a', 'b', 'c']) assert.equal(join(gc, id).errorCode, ErrorCode.NONE);
    assert.equal(join(gc, 'd').errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  });

  test('range assignor by name: contiguous ranges per topic in member id order', () => {
    const { gc } = setup(topicsOf([{ name: 'orders', id: T1, partitions: 5 }]));
    const ms = ['a', 'b'].map((id) => new Member(gc, id));
    for (const m of ms) m.join({ serverAssignor: 'range' });
    converge(ms);
    assert.deepEqual(ms[0]!.partitions(), [0, 1, 2]);
    assert.deepEqual(ms[1]!.partitions(), [3, 4]);
    assert.equal(gc.consumer.describe('g').assignorName, 'range');
  });

  test('regex subscription (v1) matches whole topic names; a new matching topic bumps the group epoch', () => {
    const topics = topicsOf([
      { name: 'orders', id: T1, partitions: 2 },
      { name: 'orders-eu', id: T2, partitions: 2 },
    ]);
    const { gc } = setup(topics);
    const m = new Member(gc, 'a');
    const r = m.join({ subscribedTopicNames: null, subscribedTopicRegex: 'orders' });
    assert.deepEqual(r.assignment, [{ topicId: T1, partitions: [0, 1] }]);
    const r2 = m.join({ subscribedTopicNames: null, subscribedTopicRegex: 'orders.*' });
    assert.equal(r2.assignment?.length, 2);
    const epoch = gc.consumer.describe('g').groupEpoch;
    topics.list.push({ name: 'orders-us', id: '00000000-0000-0000-0000-000000000003', partitions: 1 });
    m.beat();
    assert.equal(gc.consumer.describe('g').groupEpoch, epoch + 1);
    assert.equal(m.owned.length, 3);
  });

  test('static member: leave with -2 keeps its partitions; the restarted instance takes them over without a rebalance', () => {
    const { gc } = setup();
    const a = new Member(gc, 'a1');
    a.join({ instanceId: 'i-a' });
    const b = new Member(gc, 'b');
    b.join();
    converge([a, b]);
    const owned = a.partitions();
    const epoch = gc.consumer.describe('g').groupEpoch;
    assert.equal(beat(gc, 'a1', a.epoch, null, { memberEpoch: -2, instanceId: 'i-a' }).memberEpoch, -2);
    // -2 released the instance id: a new process (new member id, same instance id) takes the slot.
    const a2 = new Member(gc, 'a2');
    const r = a2.join({ instanceId: 'i-a' });
    assert.deepEqual(parts(r), owned);
    assert.equal(gc.consumer.describe('g').groupEpoch, epoch);
    assert.equal(join(gc, 'a3', { instanceId: 'i-a' }).errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  });
});

describe('KIP-848 groups and the rest of the coordinator', () => {
  test('OffsetCommit/OffsetFetch v9 check member id and epoch (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID)', async () => {
    const { gc } = setup();
    const a = new Member(gc, 'a');
    a.join();
    const commit = (memberId: string, epoch: number) =>
      gc.offsets.commit({ groupId: 'g', generationId: epoch, memberId, groupInstanceId: null, offsets: [{ topic: 'orders', partition: 0, offset: 42n, leaderEpoch: -1, metadata: null }] });
    assert.equal((await commit('a', 1))[0]!.errorCode, ErrorCode.NONE);
    assert.equal((await commit('a', 7))[0]!.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal((await commit('x', 1))[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await commit('', -1))[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'admin commits only while the group is empty');
    const v8 = await gc.offsets.commit({
      groupId: 'g',
      generationId: 1,
      memberId: 'a',
      groupInstanceId: null,
      apiVersion: 8,
      offsets: [{ topic: 'orders', partition: 0, offset: 43n, leaderEpoch: -1, metadata: null }],
    });
    assert.equal(v8[0]!.errorCode, ErrorCode.UNSUPPORTED_VERSION, 'a KIP-848 member must commit with OffsetCommit v9+');
    const fetched = gc.offsets.fetch('g', [{ topic: 'orders', partitions: [0] }], false, { memberId: 'a', memberEpoch: 1 });
    assert.equal(fetched.errorCode, ErrorCode.NONE);
    assert.equal(fetched.offsets[0]!.offset, 42n);
    assert.equal(gc.offsets.fetch('g', null, false, { memberId: 'a', memberEpoch: 9 }).errorCode, ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal(gc.offsets.fetch('g', null, false, { memberId: 'x', memberEpoch: 1 }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(gc.offsets.fetch('g', null).offsets.length, 1, 'admin tools (epoch -1) may read');
    // Once the group is empty, an admin commit is allowed again.
    beat(gc, 'a', 1, null, { memberEpoch: -1 });
    assert.equal((await commit('', -1))[0]!.errorCode, ErrorCode.NONE);
  });

  test('KIP-1251: a commit with an older member epoch is accepted for partitions held since then, per partition', async () => {
    const { gc, a, b, first, kept, moved } = twoMembersAndAnEpochBump();
    assert.equal(kept.length, 3);
    const commit = (memberId: string, epoch: number, partitions: number[]) => commitAs(gc, memberId, epoch, partitions);
    // a still commits with the epoch it joined at (it has not seen the new one): its kept partitions
    // are accepted, the ones that went to b are not; the answer keeps the request's order.
    const mixed = await commit('a', first, [moved[0]!, kept[0]!, moved[1]!, kept[1]!]);
    assert.deepEqual(mixed.map((r) => [r.partition, r.errorCode]), [
      [moved[0], ErrorCode.STALE_MEMBER_EPOCH],
      [kept[0], ErrorCode.NONE],
      [moved[1], ErrorCode.STALE_MEMBER_EPOCH],
      [kept[1], ErrorCode.NONE],
    ]);
    assert.equal(gc.offsets.fetch('g', [{ topic: 'orders', partitions: [kept[0]!, moved[0]!] }]).offsets.map((o) => o.offset).join(), '3,-1');
    // b got its partitions at a later epoch than a's first one: older than that is stale.
    assert.equal((await commit('b', b.epoch - 1, [moved[0]!]))[0]!.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal((await commit('b', b.epoch, [moved[0]!]))[0]!.errorCode, ErrorCode.NONE);
    assert.equal((await commit('a', a.epoch + 1, [kept[0]!]))[0]!.errorCode, ErrorCode.STALE_MEMBER_EPOCH, 'newer than the member is stale');
  });

  test('TxnOffsetCommit from a KIP-848 member is checked against its member epoch (franz-go TestTxnEtl/848)', async () => {
    const { gc } = setup();
    const a = new Member(gc, 'a');
    a.join();
    const txnCommit = (memberId: string, generationId: number) =>
      gc.offsets.commitTransactional({
        transactionalId: 'tx',
        groupId: 'g',
        producerId: 5n,
        producerEpoch: 0,
        generationId,
        memberId,
        groupInstanceId: null,
        offsets: [{ topic: 'orders', partition: 0, offset: 9n, leaderEpoch: -1, metadata: null }],
      });
    assert.equal((await txnCommit('a', 1))[0]!.errorCode, ErrorCode.NONE);
    // TxnOffsetCommit has no STALE_MEMBER_EPOCH; Kafka answers ILLEGAL_GENERATION.
    assert.equal((await txnCommit('a', 7))[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal((await txnCommit('x', 1))[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('one id namespace: a classic join to an active consumer group is INCONSISTENT_GROUP_PROTOCOL and vice versa', async () => {
    const { gc } = setup();
    join(gc, 'a');
    const j = await gc.join({
      groupId: 'g',
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      clientId: 'c',
      clientHost: 'h',
      requireKnownMemberId: false,
    });
    assert.equal(j.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const classicJoin = gc.join({
      groupId: 'classic',
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      clientId: 'c',
      clientHost: 'h',
      requireKnownMemberId: false,
    });
    assert.equal(join(gc, 'x', { groupId: 'classic' }).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    gc.close();
    await classicJoin;
  });

  test('an empty classic group holding offsets becomes a consumer group and keeps them', async () => {
    const { gc } = setup();
    await gc.offsets.commit({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 'orders', partition: 3, offset: 7n, leaderEpoch: -1, metadata: null }] });
    assert.equal(join(gc, 'a').errorCode, ErrorCode.NONE);
    assert.equal(gc.offsets.fetch('g', null, false, { memberId: 'a', memberEpoch: 1 }).offsets[0]!.offset, 7n);
  });

  test('the offsets sweep removes an empty consumer group without offsets, and keeps one with offsets until they expire', async () => {
    const { gc, clock } = setup();
    join(gc, 'a');
    join(gc, 'b', { groupId: 'h' });
    await gc.offsets.commit({ groupId: 'h', generationId: 1, memberId: 'b', groupInstanceId: null, offsets: [{ topic: 'orders', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] });
    beat(gc, 'a', 1, null, { memberEpoch: -1 });
    beat(gc, 'b', 1, null, { memberEpoch: -1, groupId: 'h' });
    await gc.offsets.expireOffsets();
    assert.deepEqual(gc.list([], []).map((g) => g.groupId), ['h']);
    clock.advance(CONFIG.offsetsRetentionMs);
    await gc.offsets.expireOffsets();
    assert.deepEqual(gc.list([], []), []);
  });

  test('ListGroups shows consumer groups with type "consumer"; DescribeGroups answers GROUP_ID_NOT_FOUND; DeleteGroups refuses a non-empty one', async () => {
    const { gc } = setup();
    join(gc, 'a');
    assert.deepEqual(gc.list([], []), [{ groupId: 'g', protocolType: 'consumer', state: 'Stable', type: 'consumer' }]);
    assert.deepEqual(gc.list([], ['classic']), []);
    assert.equal(gc.list(['stable'], ['Consumer']).length, 1);
    assert.equal(gc.describe('g').errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(gc.consumer.describe('nope').errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.deepEqual(await gc.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP }]);
    beat(gc, 'a', 1, null, { memberEpoch: -1 });
    assert.equal(gc.list([], [])[0]!.state, 'Empty');
    assert.deepEqual(await gc.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NONE }]);
    assert.deepEqual(gc.list([], []), []);
  });
});

/** a joins, b joins and takes half; returns a's first epoch and the partitions a kept and lost. */
function twoMembersAndAnEpochBump() {
  const { gc, log, topics } = setup();
  const a = new Member(gc, 'a');
  a.join();
  const first = a.epoch;
  const b = new Member(gc, 'b');
  b.join();
  converge([a, b]);
  assert.ok(a.epoch > first);
  return { gc, log, topics, a, b, first, kept: a.partitions(), moved: b.partitions() };
}
const commitAs = (gc: GroupCoordinator, memberId: string, epoch: number, partitions: number[]) =>
  gc.offsets.commit({
    groupId: 'g',
    generationId: epoch,
    memberId,
    groupInstanceId: null,
    offsets: partitions.map((partition) => ({ topic: 'orders', partition, offset: 3n, leaderEpoch: -1, metadata: null })),
  });

describe('KIP-848 group records in __consumer_offsets', () => {
  function restart(log: MemoryGroupLog, topics: TopicResolver) {
    const clock = new ManualClock(1_700_000_100_000);
    const gc = new GroupCoordinator(CONFIG, { clock, scheduler: clock, logger: silentLogger, log, topics });
    return { gc, clock };
  }

  test('a restarted coordinator has the same epochs, members and assignments; members carry on with their epochs', async () => {
    const { gc, log, topics } = setup();
    const ms = ['a', 'b', 'c'].map((id) => new Member(gc, id));
    for (const m of ms) m.join({ serverAssignor: 'range' });
    converge(ms);
    const before = gc.consumer.describe('g');
    assert.equal(before.groupState, 'Stable');
    gc.close();

    const { gc: gc2, clock } = restart(log, topics);
    await gc2.load();
    const after = gc2.consumer.describe('g');
    assert.deepEqual(after, before);
    for (const m of ms) {
      const r = beat(gc2, m.id, m.epoch, m.owned);
      assert.equal(r.errorCode, ErrorCode.NONE, `${m.id}: ${r.errorMessage}`);
      assert.equal(r.memberEpoch, m.epoch);
    }
    // Loaded members must heartbeat within a session, as after a failover: c does not and is removed.
    clock.advance(30_000);
    beat(gc2, 'a', ms[0]!.epoch, ms[0]!.owned);
    beat(gc2, 'b', ms[1]!.epoch, ms[1]!.owned);
    clock.advance(20_000);
    assert.deepEqual(gc2.consumer.describe('g').members.map((m) => m.memberId).sort(), ['a', 'b']);
    gc2.close();
  });

  test('KIP-1251 assignment epochs survive a restart: an older-epoch commit is still accepted for partitions held since then', async () => {
    const { gc, log, topics, first, kept, moved } = twoMembersAndAnEpochBump();
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc.close();
    const { gc: gc2 } = restart(log, topics);
    await gc2.load();
    const r = await commitAs(gc2, 'a', first, [kept[0]!, moved[0]!]);
    assert.deepEqual(r.map((x) => [x.partition, x.errorCode]), [
      [kept[0], ErrorCode.NONE],
      [moved[0], ErrorCode.STALE_MEMBER_EPOCH],
    ]);
    gc2.close();
  });

  test('current-assignment records without assignment epochs (before Kafka 4.3) load with the member epoch', async () => {
    const { gc, log, topics, a, first, kept } = twoMembersAndAnEpochBump();
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc.close();
    // Rewrite every current-assignment value as a Kafka before 4.3 wrote it: no tag 0.
    let rewritten = 0;
    for (const partition of log.partitions) {
      for (const [i, e] of partition.entries()) {
        // Key type 8: ConsumerGroupCurrentMemberAssignmentKey.
        if (e.value === null || e.key.readInt16BE(0) !== 8) continue;
        const r = new Reader(e.value);
        const version = r.int16();
        const v = decodeConsumerGroupCurrentMemberAssignmentValue(r, version);
        assert.ok(v.assignedPartitions.every((tp) => tp.assignmentEpochs.length === tp.partitions.length), 'Gregor writes one epoch per partition');
        const strip = (tps: typeof v.assignedPartitions) => tps.map((tp) => ({ topicId: tp.topicId, partitions: tp.partitions }));
        const w = new Writer(64);
        w.int16(version);
        encodeConsumerGroupCurrentMemberAssignmentValue(w, version, { ...v, assignedPartitions: strip(v.assignedPartitions), partitionsPendingRevocation: strip(v.partitionsPendingRevocation) });
        partition[i] = { ...e, value: w.toBuffer() };
        rewritten++;
      }
    }
    assert.ok(rewritten > 0);
    const { gc: gc2 } = restart(log, topics);
    await gc2.load();
    assert.equal((await commitAs(gc2, 'a', first, [kept[0]!]))[0]!.errorCode, ErrorCode.STALE_MEMBER_EPOCH, 'no epochs: only the member epoch counts');
    assert.equal((await commitAs(gc2, 'a', a.epoch, [kept[0]!]))[0]!.errorCode, ErrorCode.NONE);
    gc2.close();
  });

  test('a member that left stays gone after a restart; a deleted group leaves only tombstones', async () => {
    const { gc, log, topics } = setup();
    const a = new Member(gc, 'a');
    const b = new Member(gc, 'b');
    a.join();
    b.join();
    converge([a, b]);
    beat(gc, 'b', b.epoch, null, { memberEpoch: -1 });
    gc.close();
    const { gc: gc2 } = restart(log, topics);
    await gc2.load();
    assert.deepEqual(gc2.consumer.describe('g').members.map((m) => m.memberId), ['a']);
    beat(gc2, 'a', gc2.consumer.describe('g').members[0]!.memberEpoch, null, { memberEpoch: -1 });
    assert.deepEqual(await gc2.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NONE }]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc2.close();
    const { gc: gc3 } = restart(log, topics);
    await gc3.load();
    assert.equal(gc3.consumer.describe('g').errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    gc3.close();
  });

  test('the heartbeat is answered COORDINATOR_NOT_AVAILABLE when its records cannot be written', async () => {
    const { gc, log } = setup();
    log.failWith = new Error('disk full');
    const r = await gc.consumer.heartbeatAndStore({
      groupId: 'g',
      memberId: 'a',
      memberEpoch: 0,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: ['orders'],
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: [],
      clientId: 'c',
      clientHost: 'h',
      version: 1,
    });
    assert.equal(r.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    gc.close();
  });

  test('after a failed write the next one rewrites the whole group and tombstones what went away', async () => {
    const { gc, log, topics } = setup();
    const a = new Member(gc, 'a');
    const b = new Member(gc, 'b');
    a.join();
    b.join();
    converge([a, b]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    log.failWith = new Error('disk full');
    beat(gc, 'b', b.epoch, null, { memberEpoch: -1 });
    await new Promise<void>((resolve) => setImmediate(resolve));
    log.failWith = undefined;
    a.beat();
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc.close();
    const { gc: gc2 } = restart(log, topics);
    await gc2.load();
    assert.deepEqual(gc2.consumer.describe('g').members.map((m) => m.memberId), ['a']);
    gc2.close();
  });
});
