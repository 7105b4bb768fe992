import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { ApiKey, ErrorCode } from '../../src/protocol/messages/index.ts';
import { RawClient } from './broker-raw-client.ts';

/**
 * The group APIs over the wire at every served version: a member's whole life (FindCoordinator,
 * JoinGroup with the v4+ MEMBER_ID_REQUIRED round trip, SyncGroup, Heartbeat, OffsetCommit,
 * OffsetFetch, LeaveGroup) per JoinGroup version, the admin APIs, and offsets surviving a restart.
 */

const PROPS = { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '3' };
const ASSIGNMENT = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 0, 255, 255, 255, 255]);

async function createTopic(client: RawClient, name: string, partitions: number): Promise<void> {
  const r = await client.request(ApiKey.CreateTopics, 4, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE);
}

describe('group APIs at every version (raw client)', () => {
  let broker: RunningBroker;
  let client: RawClient;
  before(async () => {
    broker = await startBroker({ properties: PROPS });
    client = await RawClient.connect(broker.port);
    await createTopic(client, 't', 2);
  });
  after(async () => {
    client?.close();
    await broker?.close();
  });

  for (let v = 0; v <= 9; v++) {
    test(`a member's life with JoinGroup v${v}`, async () => {
      const groupId = `group-v${v}`;
      const fcV = Math.min(v, 5);
      const fc = await client.request(ApiKey.FindCoordinator, fcV, fcV >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { key: groupId, keyType: 0 });
      if (fcV >= 4) assert.deepEqual([fc.coordinators[0]?.errorCode, fc.coordinators[0]?.nodeId, fc.coordinators[0]?.port], [0, broker.nodeId, broker.port]);
      else assert.deepEqual([fc.errorCode, fc.nodeId, fc.port], [0, broker.nodeId, broker.port]);

      const joinBody = (memberId: string) => ({
        groupId,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.from('subscription') }],
        reason: null,
      });
      let joined = await client.request(ApiKey.JoinGroup, v, joinBody(''));
      if (v >= 4) {
        assert.equal(joined.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
        assert.notEqual(joined.memberId, '');
        joined = await client.request(ApiKey.JoinGroup, v, joinBody(joined.memberId));
      }
      assert.equal(joined.errorCode, ErrorCode.NONE);
      assert.equal(joined.generationId, 1);
      assert.equal(joined.leader, joined.memberId);
      if (v >= 7) assert.equal(joined.protocolType, 'consumer');
      assert.equal(joined.protocolName, 'range');
      assert.deepEqual(joined.members.map((m) => [m.memberId, m.metadata.toString()]), [[joined.memberId, 'subscription']]);
      const memberId = joined.memberId;

      const syncV = Math.min(v, 5);
      const synced = await client.request(ApiKey.SyncGroup, syncV, {
        groupId,
        generationId: 1,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [{ memberId, assignment: ASSIGNMENT }],
      });
      assert.equal(synced.errorCode, ErrorCode.NONE);
      assert.deepEqual(synced.assignment, ASSIGNMENT);
      if (syncV >= 5) assert.deepEqual([synced.protocolType, synced.protocolName], ['consumer', 'range']);

      const hbV = Math.min(v, 4);
      const hb = (generationId: number) => client.request(ApiKey.Heartbeat, hbV, { groupId, generationId, memberId, groupInstanceId: null });
      assert.equal((await hb(1)).errorCode, ErrorCode.NONE);
      assert.equal((await hb(7)).errorCode, ErrorCode.ILLEGAL_GENERATION);

      const commitV = Math.max(2, v);
      const commit = await client.request(ApiKey.OffsetCommit, commitV, {
        groupId,
        generationIdOrMemberEpoch: 1,
        memberId,
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 17n, committedLeaderEpoch: 0, committedMetadata: `meta v${v}` }, { partitionIndex: 9, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      assert.deepEqual(commit.topics[0]?.partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
      const stale = await client.request(ApiKey.OffsetCommit, commitV, {
        groupId,
        generationIdOrMemberEpoch: 0,
        memberId,
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 99n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      assert.equal(stale.topics[0]?.partitions[0]?.errorCode, ErrorCode.ILLEGAL_GENERATION);

      const fetchV = Math.max(1, v);
      if (fetchV >= 8) {
        const f = await client.request(ApiKey.OffsetFetch, fetchV, {
          groups: [
            { groupId, memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0, 1] }] },
            { groupId: 'never-committed', memberId: null, memberEpoch: -1, topics: null },
          ],
          requireStable: true,
        });
        const parts = f.groups[0]?.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode]);
        assert.deepEqual(parts, [[0, -1n, -1, '', 0], [1, 17n, 0, `meta v${v}`, 0]]);
        assert.deepEqual([f.groups[1]?.errorCode, f.groups[1]?.topics], [0, []]);
      } else {
        const f = await client.request(ApiKey.OffsetFetch, fetchV, { groupId, topics: [{ name: 't', partitionIndexes: [0, 1] }], requireStable: false });
        const parts = f.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]);
        assert.deepEqual(parts, [[0, -1n, '', 0], [1, 17n, `meta v${v}`, 0]]);
        // The leader epoch is committed from OffsetCommit v6 and fetched from OffsetFetch v5.
        if (fetchV >= 5) assert.equal(f.topics[0]?.partitions[1]?.committedLeaderEpoch, commitV >= 6 ? 0 : -1);
      }

      const leaveV = Math.min(v, 5);
      const left = await client.request(ApiKey.LeaveGroup, leaveV, leaveV >= 3 ? { groupId, members: [{ memberId, groupInstanceId: null, reason: null }] } : { groupId, memberId });
      assert.equal(left.errorCode, ErrorCode.NONE);
      if (leaveV >= 3) assert.deepEqual(left.members.map((m) => [m.memberId, m.errorCode]), [[memberId, 0]]);
      assert.equal((await hb(1)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    });
  }

  test('DescribeGroups v0-5, ListGroups v0-5 with filters, OffsetDelete, DeleteGroups v0-2', async () => {
    for (let v = 0; v <= 5; v++) {
      const d = await client.request(ApiKey.DescribeGroups, v, { groups: ['group-v9', 'no-such-group'], includeAuthorizedOperations: true });
      assert.deepEqual(d.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.protocolType]), [['group-v9', 0, 'Empty', 'consumer'], ['no-such-group', 0, 'Dead', '']]);
      if (v >= 3) assert.notEqual(d.groups[0]?.authorizedOperations, -2147483648);
      const l = await client.request(ApiKey.ListGroups, v, { statesFilter: ['Stable'], typesFilter: [] });
      const ids = l.groups.map((g) => g.groupId).sort();
      assert.deepEqual(ids, v >= 4 ? [] : Array.from({ length: 10 }, (_, i) => `group-v${i}`).sort());
    }
    const od = await client.request(ApiKey.OffsetDelete, 0, { groupId: 'group-v5', topics: [{ name: 't', partitions: [{ partitionIndex: 1 }] }] });
    assert.deepEqual([od.errorCode, od.topics[0]?.partitions[0]?.errorCode], [0, 0]);
    const after = await client.request(ApiKey.OffsetFetch, 1, { groupId: 'group-v5', topics: [{ name: 't', partitionIndexes: [1] }] });
    assert.equal(after.topics[0]?.partitions[0]?.committedOffset, -1n);
    for (let v = 0; v <= 2; v++) {
      const r = await client.request(ApiKey.DeleteGroups, v, { groupsNames: [`group-v${v}`, 'no-such-group'] });
      assert.deepEqual(r.results.map((x) => [x.groupId, x.errorCode]), [[`group-v${v}`, 0], ['no-such-group', ErrorCode.GROUP_ID_NOT_FOUND]]);
    }
    const l = await client.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['classic'] });
    assert.equal(l.groups.length, 7);
    assert.ok(l.groups.every((g) => g.groupType === 'classic' && g.groupState === 'Empty'));
  });
});

describe('committed offsets and groups survive a broker restart', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-groups-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a commit, a deleted group and a described group read back after restart', async () => {
    const props = { ...PROPS, 'log.dirs': dir };
    let broker = await startBroker({ properties: props });
    let client = await RawClient.connect(broker.port);
    try {
      await createTopic(client, 'events', 3);
      const commit = (groupId: string, offset: bigint) =>
        client.request(ApiKey.OffsetCommit, 8, {
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          topics: [{ name: 'events', partitions: [{ partitionIndex: 2, committedOffset: offset, committedLeaderEpoch: 0, committedMetadata: 'survives' }] }],
        });
      assert.equal((await commit('kept', 1234n)).topics[0]?.partitions[0]?.errorCode, 0);
      assert.equal((await commit('deleted', 5n)).topics[0]?.partitions[0]?.errorCode, 0);
      assert.equal((await client.request(ApiKey.DeleteGroups, 2, { groupsNames: ['deleted'] })).results[0]?.errorCode, 0);
    } finally {
      client.close();
      await broker.close();
    }
    broker = await startBroker({ properties: props });
    client = await RawClient.connect(broker.port);
    try {
      const f = await client.request(ApiKey.OffsetFetch, 9, {
        groups: [
          { groupId: 'kept', memberId: null, memberEpoch: -1, topics: null },
          { groupId: 'deleted', memberId: null, memberEpoch: -1, topics: null },
        ],
        requireStable: false,
      });
      assert.deepEqual(f.groups[0]?.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])]), [['events', [[2, 1234n, 'survives']]]]);
      assert.deepEqual(f.groups[1]?.topics, []);
      const l = await client.request(ApiKey.ListGroups, 3, {});
      assert.deepEqual(l.groups.map((g) => g.groupId), ['kept']);
    } finally {
      client.close();
      await broker.close();
    }
  });
});

describe('FindCoordinator key types and shutdown with parked requests', () => {
  test('transactional ids are coordinated here too; unknown key types are INVALID_REQUEST', async () => {
    const broker = await startBroker({ properties: PROPS });
    const client = await RawClient.connect(broker.port);
    try {
      const r = await client.request(ApiKey.FindCoordinator, 5, { keyType: 1, coordinatorKeys: ['txn-a', 'txn-b'] });
      assert.deepEqual(r.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port]), [['txn-a', 0, broker.nodeId, broker.port], ['txn-b', 0, broker.nodeId, broker.port]]);
      const bad = await client.request(ApiKey.FindCoordinator, 2, { key: 'x', keyType: 7 });
      assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
    } finally {
      client.close();
      await broker.close();
    }
  });

  test('closing the broker answers a JoinGroup parked in a rebalance with COORDINATOR_NOT_AVAILABLE', async () => {
    const broker = await startBroker({ properties: PROPS });
    const [a, b] = [await RawClient.connect(broker.port), await RawClient.connect(broker.port)];
    try {
      const body = (memberId: string) => ({
        groupId: 'parked',
        sessionTimeoutMs: 60_000,
        // Long enough that only the shutdown can end the join phase within the test's timeout.
        rebalanceTimeoutMs: 600_000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
        reason: null,
      });
      const first = await a.request(ApiKey.JoinGroup, 3, body(''));
      assert.equal(first.errorCode, ErrorCode.NONE);
      // A second member makes the group rebalance; the first never rejoins, so this join waits.
      const parked = b.request(ApiKey.JoinGroup, 3, body(''));
      while (broker.services.groups.describe('parked').members.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(broker.services.groups.describe('parked').state, 'PreparingRebalance');
      const closing = broker.close();
      assert.equal((await parked).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      await closing;
    } finally {
      a.close();
      b.close();
      await broker.close();
    }
  });
});
