import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { ApiKey } from '../../../src/protocol/messages/index.ts';
import { createTopic, produceToPartitions } from './fixtures.ts';

/**
 * @platformatic/kafka 1.35, flexible versions only: FindCoordinator v4+ (batched keys), JoinGroup v9
 * (MEMBER_ID_REQUIRED, skip_assignment), SyncGroup v5 (protocol echo), Heartbeat v4, OffsetCommit v9,
 * OffsetFetch v9 (batched groups), LeaveGroup v5, and its Admin's DescribeGroups v5, ListGroups v5,
 * DeleteGroups v2 and OffsetFetch for listConsumerGroupOffsets.
 */

const TOPIC = 'platformatic-groups';
const GROUP = 'platformatic-group';

async function readAll(broker: RunningBroker, count: number, admin: Admin): Promise<{ values: string[]; described: Awaited<ReturnType<Admin['describeGroups']>> }> {
  const consumer = new Consumer({
    clientId: 'gregor-compat-groups',
    bootstrapBrokers: [broker.bootstrap],
    groupId: GROUP,
    deserializers: stringDeserializers,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTime: 200,
  });
  try {
    const stream = await consumer.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const values: string[] = [];
    for await (const message of stream) {
      values.push(message.value as string);
      await message.commit();
      if (values.length === count) break;
    }
    const described = await admin.describeGroups({ groups: [GROUP] });
    await stream.close();
    return { values, described };
  } finally {
    await consumer.close(true);
  }
}

describe('@platformatic/kafka consumer group', () => {
  let broker: RunningBroker;
  let admin: Admin;
  before(async () => {
    broker = await startBroker({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
    admin = new Admin({ clientId: 'gregor-compat-groups-admin', bootstrapBrokers: [broker.bootstrap] });
  });
  after(async () => {
    await admin?.close();
    await broker?.close();
  });

  test('consume with commits, describe and list, resume from the commits, delete the group', async () => {
    const versions = new Map<number, number>();
    // The highest version of each API the client sent (the fixtures' raw client is left out).
    broker.intercept((r) => void (r.ctx.header.clientId !== 'raw-client' && versions.set(r.apiKey, Math.max(versions.get(r.apiKey) ?? -1, r.version))));
    await createTopic(broker, TOPIC, 2);
    const first = await produceToPartitions(broker, TOPIC, 2, 3, 'first');
    const run1 = await readAll(broker, first.length, admin);
    assert.deepEqual(run1.values.sort(), [...first].sort());
    const group = run1.described.get(GROUP);
    assert.equal(group?.state, 'STABLE');
    assert.equal(group?.protocolType, 'consumer');
    assert.equal(group?.members.size, 1);
    const member = [...(group?.members.values() ?? [])][0];
    assert.deepEqual([...(member?.assignments?.get(TOPIC)?.partitions ?? [])].sort(), [0, 1]);

    const offsets = await admin.listConsumerGroupOffsets({ groups: [GROUP] });
    const committed = offsets[0]?.topics.find((t) => t.name === TOPIC)?.partitions.map((p) => [p.partitionIndex, p.committedOffset]);
    assert.deepEqual(committed?.sort(), [[0, 3n], [1, 3n]]);
    const listed = await admin.listGroups();
    assert.equal(listed.get(GROUP)?.state, 'EMPTY');

    const second = await produceToPartitions(broker, TOPIC, 2, 2, 'second');
    const run2 = await readAll(broker, second.length, admin);
    assert.deepEqual(run2.values.sort(), [...second].sort());

    await admin.deleteGroups({ groups: [GROUP] });
    assert.equal(broker.services.groups.describe(GROUP).state, 'Dead');
    const used = (keys: number[]) => keys.map((k) => [k, versions.get(k)]);
    assert.deepEqual(
      used([ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.LeaveGroup, ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.DescribeGroups, ApiKey.ListGroups, ApiKey.DeleteGroups]),
      [[10, 5], [11, 9], [14, 5], [13, 5], [8, 9], [9, 9], [15, 5], [16, 5], [42, 2]],
    );
  });
});
