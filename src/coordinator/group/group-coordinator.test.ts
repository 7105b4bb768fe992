import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeConsumerProtocolSubscription, ErrorCode } from '../../protocol/messages/index.ts';
import { Writer } from '../../protocol/wire/index.ts';
import { ManualClock, silentLogger } from '../../util/index.ts';
import { GroupCoordinator, type GroupCoordinatorConfig } from './group-coordinator.ts';
import { MemoryGroupLog } from './group-log.ts';
import type { JoinRequest, JoinResult, SyncResult } from './types.ts';

/** The state machine driven by a ManualClock: no sockets, no sleeps. */

const CONFIG: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  maxMetadataBytes: 4096,
};

function setup(config: Partial<GroupCoordinatorConfig> = {}, log = new MemoryGroupLog()) {
  const clock = new ManualClock(1_700_000_000_000);
  const gc = new GroupCoordinator({ ...CONFIG, ...config }, { clock, scheduler: clock, logger: silentLogger, log });
  return { clock, gc, log };
}

/** Lets appends (MemoryGroupLog is async) and promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function subscription(...topics: string[]): Buffer {
  const w = new Writer();
  w.int16(0);
  encodeConsumerProtocolSubscription(w, 0, { topics });
  return w.toBuffer();
}

function joinReq(over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription('t') }],
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    ...over,
  };
}

/** A pending promise whose state can be inspected without awaiting. */
function track<T>(p: Promise<T>): { done: () => boolean; value: () => T } {
  let result: { v: T } | undefined;
  void p.then((v) => (result = { v }));
  return { done: () => result !== undefined, value: () => (result as { v: T }).v };
}

/** Joins one member into a new group and syncs it to Stable (delay 0 so the join completes at once). */
async function stableSingle(gc: GroupCoordinator, clock: ManualClock, over: Partial<JoinRequest> = {}) {
  const join = track(gc.join(joinReq(over)));
  clock.advance(CONFIG.initialRebalanceDelayMs);
  await settle();
  const j = join.value();
  assert.equal(j.errorCode, ErrorCode.NONE);
  const assignment = Buffer.from(`assigned to ${j.memberId}`);
  const s = await gc.sync({ groupId: 'g', generationId: j.generationId, memberId: j.memberId, groupInstanceId: over.groupInstanceId ?? null, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment }] });
  assert.equal(s.errorCode, ErrorCode.NONE);
  return { join: j, assignment };
}

describe('GroupCoordinator: JoinGroup and SyncGroup', () => {
  test('v4+ first join gets MEMBER_ID_REQUIRED with an id, then joins with it (KIP-394)', async () => {
    const { gc, clock } = setup();
    const first = await gc.join(joinReq({ requireKnownMemberId: true, clientId: 'app' }));
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.match(first.memberId, /^app-[0-9a-f-]{36}$/);
    const second = track(gc.join(joinReq({ requireKnownMemberId: true, memberId: first.memberId })));
    clock.advance(CONFIG.initialRebalanceDelayMs);
    await settle();
    const r = second.value();
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(r.memberId, first.memberId);
    assert.equal(r.leader, first.memberId);
    assert.equal(r.generationId, 1);
    assert.equal(r.protocolType, 'consumer');
    assert.equal(r.protocolName, 'range');
    assert.deepEqual(r.members.map((m) => m.memberId), [first.memberId]);
    assert.deepEqual(r.members[0]?.metadata, subscription('t'));
  });

  test('an unknown member id is refused; an empty group id is invalid', async () => {
    const { gc } = setup();
    assert.equal((await gc.join(joinReq({ memberId: 'nobody' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await gc.join(joinReq({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
  });

  test('session timeouts outside group.min/max.session.timeout.ms get INVALID_SESSION_TIMEOUT', async () => {
    const { gc } = setup();
    assert.equal((await gc.join(joinReq({ sessionTimeoutMs: 5_999 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal((await gc.join(joinReq({ sessionTimeoutMs: 1_800_001 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  });

  test('the initial rebalance delay gathers members that arrive within it into generation 1', async () => {
    const { gc, clock } = setup();
    const a = track(gc.join(joinReq({ clientId: 'a' })));
    clock.advance(2_000);
    const b = track(gc.join(joinReq({ clientId: 'b' })));
    clock.advance(1_000);
    await settle();
    // b arrived during the first delay, so it is extended once more.
    assert.equal(a.done(), false);
    clock.advance(3_000);
    await settle();
    assert.equal(a.value().generationId, 1);
    assert.equal(b.value().generationId, 1);
    assert.equal(a.value().leader, a.value().memberId);
    assert.equal(a.value().members.length, 2);
    assert.deepEqual(b.value().members, [], 'only the leader gets the member list');
  });

  test('protocol chosen by vote among the protocols every member supports', async () => {
    const { gc, clock } = setup();
    const m = (name: string) => ({ name, metadata: Buffer.from(name) });
    const joins = [
      track(gc.join(joinReq({ protocols: [m('range'), m('roundrobin'), m('sticky')] }))),
      track(gc.join(joinReq({ protocols: [m('roundrobin'), m('range')] }))),
      track(gc.join(joinReq({ protocols: [m('sticky'), m('roundrobin'), m('range')] }))),
    ];
    clock.advance(10_000);
    await settle();
    // sticky is not supported by the second member; range 1 vote, roundrobin 2.
    for (const j of joins) assert.equal(j.value().protocolName, 'roundrobin');
    const leader = joins.map((j) => j.value()).find((r) => r.members.length > 0) as JoinResult;
    assert.deepEqual(leader.members.map((x) => x.metadata.toString()), ['roundrobin', 'roundrobin', 'roundrobin']);
  });

  test('INCONSISTENT_GROUP_PROTOCOL: no common protocol, or another protocol type', async () => {
    const { gc } = setup({ initialRebalanceDelayMs: 0 });
    void gc.join(joinReq());
    const other = await gc.join(joinReq({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }));
    assert.equal(other.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const connect = await gc.join(joinReq({ protocolType: 'connect' }));
    assert.equal(connect.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  test("SyncGroup returns the leader's bytes exactly, and empty bytes to a member it left out", async () => {
    const { gc, clock } = setup();
    const a = track(gc.join(joinReq()));
    const b = track(gc.join(joinReq()));
    clock.advance(6_000);
    await settle();
    const leader = [a.value(), b.value()].find((r) => r.memberId === r.leader) as JoinResult;
    const follower = [a.value(), b.value()].find((r) => r.memberId !== r.leader) as JoinResult;
    const followerSync = track(gc.sync({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] }));
    await settle();
    assert.equal(followerSync.done(), false, 'a follower waits for the leader');
    const bytes = Buffer.from([0, 1, 2, 255, 0]);
    const leaderSync = await gc.sync({ groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: leader.memberId, assignment: bytes }] });
    await settle();
    assert.deepEqual(leaderSync, { errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range', assignment: bytes });
    assert.deepEqual(followerSync.value().assignment, Buffer.alloc(0));
    assert.equal(gc.describe('g').state, 'Stable');
    const mismatch = await gc.sync({ groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] });
    assert.equal(mismatch.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const stale = await gc.sync({ groupId: 'g', generationId: 0, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    assert.equal(stale.errorCode, ErrorCode.ILLEGAL_GENERATION);
  });
});

describe('GroupCoordinator: heartbeats, sessions, leaving', () => {
  test('heartbeat errors: REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID', async () => {
    const { gc, clock } = setup();
    const { join } = await stableSingle(gc, clock);
    const hb = (generationId: number, memberId = join.memberId) => gc.heartbeat({ groupId: 'g', generationId, memberId, groupInstanceId: null });
    assert.equal(hb(1), ErrorCode.NONE);
    assert.equal(hb(0), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(hb(1, 'ghost'), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(gc.heartbeat({ groupId: 'nope', generationId: 1, memberId: join.memberId, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
    // A second member joining starts a rebalance: the first learns it from its heartbeat.
    const second = track(gc.join(joinReq({ clientId: 'second' })));
    assert.equal(gc.describe('g').state, 'PreparingRebalance');
    assert.equal(hb(1), ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = await gc.join(joinReq({ memberId: join.memberId }));
    await settle();
    assert.equal(rejoin.generationId, 2);
    assert.equal(second.value().generationId, 2);
    assert.equal(hb(1), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(hb(2), ErrorCode.NONE, 'CompletingRebalance accepts heartbeats');
  });

  test('a member whose session expires is removed and the group rebalances without it', async () => {
    const { gc, clock } = setup({ initialRebalanceDelayMs: 0 });
    const a = track(gc.join(joinReq({ clientId: 'a' })));
    const b = track(gc.join(joinReq({ clientId: 'b' })));
    clock.advance(0);
    await settle();
    const [ra, rb] = [a.value(), b.value()];
    assert.equal(ra.generationId, 1);
    const leader = ra.memberId === ra.leader ? ra : rb;
    await Promise.all([
      gc.sync({ groupId: 'g', generationId: 1, memberId: ra.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: leader === ra ? [] : [] }),
      gc.sync({ groupId: 'g', generationId: 1, memberId: rb.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
    ]);
    // a keeps heartbeating, b goes silent.
    for (let t = 0; t < 3; t++) {
      clock.advance(3_000);
      assert.equal(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: ra.memberId, groupInstanceId: null }), ErrorCode.NONE);
    }
    clock.advance(3_000);
    const hb = gc.heartbeat({ groupId: 'g', generationId: 1, memberId: ra.memberId, groupInstanceId: null });
    assert.equal(hb, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.deepEqual(gc.describe('g').members.map((m) => m.memberId), [ra.memberId]);
    const rejoined = await gc.join(joinReq({ memberId: ra.memberId }));
    assert.equal(rejoined.generationId, 2);
    assert.equal(rejoined.leader, ra.memberId);
    assert.equal(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: rb.memberId, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('members that do not rejoin within the rebalance timeout are dropped', async () => {
    const { gc, clock } = setup({ initialRebalanceDelayMs: 0 });
    const a = track(gc.join(joinReq({ clientId: 'a', rebalanceTimeoutMs: 20_000 })));
    const b = track(gc.join(joinReq({ clientId: 'b', rebalanceTimeoutMs: 20_000 })));
    clock.advance(0);
    await settle();
    const [ra, rb] = [a.value(), b.value()];
    for (const r of [ra, rb]) void gc.sync({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await settle();
    const again = track(gc.join(joinReq({ memberId: ra.memberId, rebalanceTimeoutMs: 20_000, protocols: [{ name: 'range', metadata: subscription('t', 'u') }] })));
    clock.advance(5_000);
    // b heartbeats (it is alive) but never rejoins.
    assert.equal(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: rb.memberId, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
    await settle();
    assert.equal(again.done(), false);
    clock.advance(15_000);
    await settle();
    assert.equal(again.value().generationId, 2);
    assert.deepEqual(again.value().members.map((m) => m.memberId), [ra.memberId]);
  });

  test('LeaveGroup: by member id and, batched, by group.instance.id; the group rebalances then empties', async () => {
    const { gc, clock } = setup({ initialRebalanceDelayMs: 0 });
    const a = track(gc.join(joinReq({ clientId: 'a' })));
    const b = track(gc.join(joinReq({ clientId: 'b', groupInstanceId: 'static-b' })));
    clock.advance(0);
    await settle();
    const ra = a.value();
    const left = gc.leave('g', [
      { memberId: '', groupInstanceId: 'static-b' },
      { memberId: 'ghost', groupInstanceId: null },
    ]);
    assert.deepEqual(left.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.equal(gc.describe('g').state, 'PreparingRebalance');
    assert.equal(b.value().generationId, 1);
    assert.equal(gc.leave('g', [{ memberId: ra.memberId, groupInstanceId: null }]).members[0]?.errorCode, ErrorCode.NONE);
    await settle();
    const d = gc.describe('g');
    assert.equal(d.state, 'Empty');
    assert.deepEqual(d.members, []);
    assert.equal(gc.leave('missing', [{ memberId: 'x', groupInstanceId: null }]).members[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a new member that never uses its MEMBER_ID_REQUIRED id stops blocking the rebalance after its session timeout', async () => {
    const { gc, clock } = setup({ initialRebalanceDelayMs: 0 });
    const { join } = await stableSingle(gc, clock);
    const pending = await gc.join(joinReq({ requireKnownMemberId: true }));
    assert.equal(pending.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const rejoin = track(gc.join(joinReq({ memberId: join.memberId, protocols: [{ name: 'range', metadata: subscription('x') }] })));
    await settle();
    assert.equal(rejoin.done(), false, 'waits for the pending member');
    clock.advance(10_000);
    await settle();
    assert.equal(rejoin.value().generationId, 2);
  });
});

describe('GroupCoordinator: static membership (KIP-345)', () => {
  test('a restarted static member gets its assignment back without a rebalance; the old id is fenced', async () => {
    const { gc, clock } = setup();
    const { join, assignment } = await stableSingle(gc, clock, { groupInstanceId: 'instance-1' });
    const restarted = await gc.join(joinReq({ groupInstanceId: 'instance-1', requireKnownMemberId: true, supportsSkipAssignment: true }));
    assert.equal(restarted.errorCode, ErrorCode.NONE);
    assert.notEqual(restarted.memberId, join.memberId);
    assert.equal(restarted.generationId, join.generationId, 'same generation: no rebalance');
    assert.equal(restarted.skipAssignment, true, 'the leader must not reassign (KIP-814)');
    assert.equal(gc.describe('g').state, 'Stable');
    const s = await gc.sync({ groupId: 'g', generationId: restarted.generationId, memberId: restarted.memberId, groupInstanceId: 'instance-1', protocolType: null, protocolName: null, assignments: [] });
    assert.deepEqual(s.assignment, assignment);
    assert.equal(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: join.memberId, groupInstanceId: 'instance-1' }), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: restarted.memberId, groupInstanceId: 'instance-1' }), ErrorCode.NONE);
    const commit = await gc.offsets.commit({ groupId: 'g', generationId: 1, memberId: join.memberId, groupInstanceId: 'instance-1', offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] });
    assert.equal(commit[0]?.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  });

  // Regression: Gregor compared the member's metadata bytes and rebalanced when they differed, so a
  // restarted Java consumer (whose ConsumerProtocolSubscription carries owned partitions and a
  // generation, empty and -1 after a restart) always caused a rebalance. Kafka only looks at the
  // selected protocol (test/compat/groups/groups-cooperative-static.test.ts, Java static membership).
  test('a restarted static member with other subscription bytes but the same protocol gets no rebalance', async () => {
    const { gc, clock } = setup();
    const { join, assignment } = await stableSingle(gc, clock, { groupInstanceId: 'instance-1' });
    const restarted = await gc.join(joinReq({ groupInstanceId: 'instance-1', protocols: [{ name: 'range', metadata: subscription('t', 'other') }] }));
    assert.equal(restarted.errorCode, ErrorCode.NONE);
    assert.equal(restarted.generationId, join.generationId, 'same generation: no rebalance');
    assert.equal(gc.describe('g').state, 'Stable');
    const s = await gc.sync({ groupId: 'g', generationId: restarted.generationId, memberId: restarted.memberId, groupInstanceId: 'instance-1', protocolType: null, protocolName: null, assignments: [] });
    assert.deepEqual(s.assignment, assignment);
  });

  test('before JoinGroup v9 a rejoining static leader is answered as a follower, as Kafka does', async () => {
    const { gc, clock } = setup();
    const { join, assignment } = await stableSingle(gc, clock, { groupInstanceId: 'instance-1' });
    const restarted = await gc.join(joinReq({ groupInstanceId: 'instance-1', requireKnownMemberId: true, supportsSkipAssignment: false }));
    assert.equal(restarted.errorCode, ErrorCode.NONE);
    assert.equal(restarted.generationId, join.generationId);
    assert.equal(restarted.leader, join.memberId, 'the leader as it was before the replacement');
    assert.deepEqual(restarted.members, []);
    assert.equal(restarted.skipAssignment, false);
    const s = await gc.sync({ groupId: 'g', generationId: restarted.generationId, memberId: restarted.memberId, groupInstanceId: 'instance-1', protocolType: null, protocolName: null, assignments: [] });
    assert.deepEqual(s.assignment, assignment);
  });

  test('a static member whose rejoin changes the selected protocol triggers a rebalance', async () => {
    const { gc, clock } = setup();
    await stableSingle(gc, clock, { groupInstanceId: 'instance-1', protocols: [{ name: 'range', metadata: subscription('t') }, { name: 'roundrobin', metadata: subscription('t') }] });
    const changed = track(gc.join(joinReq({ groupInstanceId: 'instance-1', protocols: [{ name: 'roundrobin', metadata: subscription('t') }] })));
    await settle();
    assert.equal(changed.value().generationId, 2);
    assert.equal(changed.value().protocolName, 'roundrobin');
  });

  test('a static member rejoining while the group awaits the leader\'s assignment triggers a rebalance', async () => {
    const { gc, clock } = setup();
    const a = track(gc.join(joinReq({ clientId: 'a', groupInstanceId: 'instance-a' })));
    const b = track(gc.join(joinReq({ clientId: 'b', groupInstanceId: 'instance-b' })));
    // The initial delay is extended once because b joined during it.
    clock.advance(CONFIG.initialRebalanceDelayMs);
    clock.advance(CONFIG.initialRebalanceDelayMs);
    await settle();
    assert.equal(gc.describe('g').state, 'CompletingRebalance');
    const leader = a.value().members.length > 0 ? a.value() : b.value();
    const follower = leader === a.value() ? b.value() : a.value();
    const followerInstance = follower === a.value() ? 'instance-a' : 'instance-b';
    // The follower restarts before the leader's SyncGroup: the leader was given its old member id.
    const restarted = track(gc.join(joinReq({ clientId: 'restarted', groupInstanceId: followerInstance })));
    await settle();
    assert.equal(gc.describe('g').state, 'PreparingRebalance');
    assert.equal(restarted.done(), false, 'parked until the new join phase ends');
    const leaderSync = await gc.sync({ groupId: 'g', generationId: leader.generationId, memberId: leader.memberId, groupInstanceId: leader === a.value() ? 'instance-a' : 'instance-b', protocolType: null, protocolName: null, assignments: [{ memberId: follower.memberId, assignment: Buffer.from('stale') }] });
    assert.equal(leaderSync.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = track(gc.join(joinReq({ clientId: leader === a.value() ? 'a' : 'b', memberId: leader.memberId, groupInstanceId: leader === a.value() ? 'instance-a' : 'instance-b' })));
    await settle();
    assert.equal(rejoin.value().generationId, 2);
    assert.equal(restarted.value().generationId, 2);
    assert.deepEqual(rejoin.value().members.map((m) => m.memberId).sort(), [leader.memberId, restarted.value().memberId].sort());
  });
});

describe('GroupCoordinator: describe, list, delete', () => {
  test('DescribeGroups shows metadata and assignments only when Stable; unknown groups are Dead', async () => {
    const { gc, clock } = setup();
    assert.deepEqual(gc.describe('unknown'), { errorCode: 0, groupId: 'unknown', state: 'Dead', protocolType: '', protocolData: '', members: [] });
    const { join, assignment } = await stableSingle(gc, clock);
    await settle();
    const d = gc.describe('g');
    assert.equal(d.state, 'Stable');
    assert.equal(d.protocolType, 'consumer');
    assert.equal(d.protocolData, 'range');
    assert.deepEqual(d.members, [{ memberId: join.memberId, groupInstanceId: null, clientId: 'client', clientHost: '/127.0.0.1', memberMetadata: subscription('t'), memberAssignment: assignment }]);
  });

  test('ListGroups filters by state and type, case-insensitively', async () => {
    const { gc, clock } = setup();
    await stableSingle(gc, clock);
    await gc.offsets.commit({ groupId: 'simple', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: '' }] });
    assert.deepEqual(gc.list([], []).map((g) => [g.groupId, g.state, g.protocolType]).sort(), [['g', 'Stable', 'consumer'], ['simple', 'Empty', '']]);
    assert.deepEqual(gc.list(['stable'], []).map((g) => g.groupId), ['g']);
    assert.deepEqual(gc.list([], ['Classic']).length, 2);
    assert.deepEqual(gc.list([], ['consumer']), []);
  });

  test('DeleteGroups: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, and tombstones for an empty group', async () => {
    const { gc, clock, log } = setup();
    await stableSingle(gc, clock);
    await gc.offsets.commit({ groupId: 'simple', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: '' }] });
    const r = await gc.deleteGroups(['g', 'missing', 'simple']);
    assert.deepEqual(r.map((x) => x.errorCode), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.NONE]);
    assert.equal(gc.describe('simple').state, 'Dead');
    assert.equal(gc.offsets.fetch('simple', [{ topic: 't', partitions: [0] }]).offsets[0]?.offset, -1n);
    const tail = log.partitions[log.partitionFor('simple')]!.slice(-2);
    assert.deepEqual(tail.map((x) => x.value), [null, null], 'offset and group tombstones');
  });

  test('a member joining while its empty group is being deleted starts a new group instead of hanging', async () => {
    const { gc, clock } = setup();
    await gc.offsets.commit({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: '' }] });
    const deleting = gc.deleteGroups(['g']);
    const join = track(gc.join(joinReq()));
    assert.deepEqual((await deleting).map((r) => r.errorCode), [ErrorCode.NONE]);
    clock.advance(CONFIG.initialRebalanceDelayMs);
    await settle();
    assert.equal(join.value().errorCode, ErrorCode.NONE);
    assert.equal(join.value().generationId, 1);
    assert.equal(gc.offsets.fetch('g', [{ topic: 't', partitions: [0] }]).offsets[0]?.offset, -1n, 'the old offsets went with the old group');
  });
});
