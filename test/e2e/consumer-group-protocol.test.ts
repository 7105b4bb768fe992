import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker } from '../../src/broker/index.ts';
import { ApiKey, ErrorCode } from '../../src/protocol/messages/index.ts';
import { RawClient } from './broker-raw-client.ts';

/**
 * KIP-848 over the wire: ConsumerGroupHeartbeat v0 and v1, ConsumerGroupDescribe, OffsetCommit and
 * OffsetFetch v9 with member epochs, ListGroups v5 types, and a group that survives a broker restart
 * through its records in `__consumer_offsets`.
 */

const PROPS = { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '3' };

async function topicId(client: RawClient, name: string, partitions: number): Promise<string> {
  const r = await client.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE);
  return r.topics[0]!.topicId;
}

const heartbeat = (client: RawClient, version: number, body: { memberId: string; memberEpoch: number; owned?: { topicId: string; partitions: number[] }[] | null; join?: boolean }) =>
  client.request(ApiKey.ConsumerGroupHeartbeat, version, {
    groupId: 'kip848',
    memberId: body.memberId,
    memberEpoch: body.memberEpoch,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: body.join === true ? 30_000 : -1,
    subscribedTopicNames: body.join === true ? ['events'] : null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: body.owned === undefined ? (body.join === true ? [] : null) : body.owned,
  });

describe('KIP-848 consumer groups over the wire', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-kip848-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('join (v0 and v1), describe, commit and fetch with epochs, list by type; the group survives a restart', async () => {
    const props = { ...PROPS, 'log.dirs': dir };
    let broker = await startBroker({ properties: props });
    let client = await RawClient.connect(broker.port);
    let id: string;
    let a: { memberId: string; epoch: number; owned: { topicId: string; partitions: number[] }[] };
    try {
      const versions = await client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
      assert.deepEqual(versions.apiKeys.filter((k) => k.apiKey === 68 || k.apiKey === 69).map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[68, 0, 1], [69, 0, 1]]);
      id = await topicId(client, 'events', 4);
      // v0: the coordinator chooses the member id.
      const r0 = await heartbeat(client, 0, { memberId: '', memberEpoch: 0, join: true });
      assert.equal(r0.errorCode, ErrorCode.NONE);
      assert.ok(r0.memberId !== null && r0.memberId !== '');
      assert.deepEqual(r0.assignment?.topicPartitions, [{ topicId: id, partitions: [0, 1, 2, 3] }]);
      a = { memberId: r0.memberId, epoch: r0.memberEpoch, owned: [{ topicId: id, partitions: [0, 1, 2, 3] }] };
      // v1: the member brings its own id; the first member must give up half.
      const r1 = await heartbeat(client, 1, { memberId: 'member-b', memberEpoch: 0, join: true });
      assert.equal(r1.errorCode, ErrorCode.NONE);
      assert.equal(r1.memberId, 'member-b');
      assert.deepEqual(r1.assignment?.topicPartitions, []);
      const revoke = await heartbeat(client, 1, { memberId: a.memberId, memberEpoch: a.epoch, owned: a.owned });
      assert.equal(revoke.memberEpoch, a.epoch, 'revoking: the epoch stays until the revocation is acknowledged');
      const kept = revoke.assignment!.topicPartitions;
      assert.equal(kept[0]?.partitions.length, 2);
      const acked = await heartbeat(client, 1, { memberId: a.memberId, memberEpoch: a.epoch, owned: kept });
      a = { memberId: a.memberId, epoch: acked.memberEpoch, owned: kept };
      assert.equal(a.epoch, r1.memberEpoch);
      const b = await heartbeat(client, 1, { memberId: 'member-b', memberEpoch: r1.memberEpoch, owned: [] });
      assert.equal(b.assignment?.topicPartitions[0]?.partitions.length, 2);

      const d = await client.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ['kip848', 'nope'], includeAuthorizedOperations: false });
      assert.equal(d.groups[0]?.groupState, 'Stable');
      assert.equal(d.groups[0]?.assignorName, 'uniform');
      assert.deepEqual(d.groups[0]?.members.map((m) => m.memberId).sort(), [a.memberId, 'member-b'].sort());
      assert.equal(d.groups[1]?.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
      // v1 (KIP-1099) adds the member type: 1 = joined through the consumer protocol.
      const d1 = await client.request(ApiKey.ConsumerGroupDescribe, 1, { groupIds: ['kip848'], includeAuthorizedOperations: false });
      assert.deepEqual(d1.groups[0]?.members.map((m) => m.memberType), [1, 1]);

      const commit = (memberId: string, epoch: number) =>
        client.request(ApiKey.OffsetCommit, 9, {
          groupId: 'kip848',
          generationIdOrMemberEpoch: epoch,
          memberId,
          groupInstanceId: null,
          topics: [{ name: 'events', partitions: [{ partitionIndex: a.owned[0]!.partitions[0]!, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }],
        });
      assert.equal((await commit(a.memberId, a.epoch)).topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
      // An epoch newer than the member's is stale; an older one is judged per partition (KIP-1251,
      // unit-tested in consumer-group-coordinator.test.ts).
      assert.equal((await commit(a.memberId, a.epoch + 1)).topics[0]?.partitions[0]?.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
      assert.equal((await commit('ghost', a.epoch)).topics[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      const fetch = (memberId: string | null, memberEpoch: number) =>
        client.request(ApiKey.OffsetFetch, 9, { groups: [{ groupId: 'kip848', memberId, memberEpoch, topics: null }], requireStable: true });
      assert.equal((await fetch(a.memberId, a.epoch)).groups[0]?.topics[0]?.partitions[0]?.committedOffset, 7n);
      assert.equal((await fetch(a.memberId, a.epoch + 5)).groups[0]?.errorCode, ErrorCode.STALE_MEMBER_EPOCH);

      const listed = await client.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
      assert.deepEqual(listed.groups.map((g) => [g.groupId, g.groupType, g.protocolType, g.groupState]), [['kip848', 'consumer', 'consumer', 'Stable']]);
      assert.deepEqual((await client.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['classic'] })).groups, []);
    } finally {
      client.close();
      await broker.close();
    }

    broker = await startBroker({ properties: props });
    client = await RawClient.connect(broker.port);
    try {
      const d = await client.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ['kip848'], includeAuthorizedOperations: false });
      const g = d.groups[0]!;
      assert.equal(g.errorCode, ErrorCode.NONE);
      assert.equal(g.groupEpoch, a.epoch);
      const loaded = g.members.find((m) => m.memberId === a.memberId);
      assert.deepEqual(loaded?.assignment.topicPartitions.map((tp) => [tp.topicId, tp.partitions]), a.owned.map((tp) => [tp.topicId, tp.partitions]));
      // The member carries on with its epoch, as after a coordinator failover in Kafka.
      const r = await heartbeat(client, 1, { memberId: a.memberId, memberEpoch: a.epoch, owned: a.owned });
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.memberEpoch, a.epoch);
      const f = await client.request(ApiKey.OffsetFetch, 9, { groups: [{ groupId: 'kip848', memberId: a.memberId, memberEpoch: a.epoch, topics: null }], requireStable: true });
      assert.equal(f.groups[0]?.topics[0]?.partitions[0]?.committedOffset, 7n);
    } finally {
      client.close();
      await broker.close();
    }
  });
});
