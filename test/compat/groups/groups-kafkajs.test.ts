import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { ApiKey } from '../../../src/protocol/messages/index.ts';
import { committedOffsets, createTopic, produceToPartitions } from './fixtures.ts';

/**
 * kafkajs 2.2.4 consumer group: FindCoordinator v2, JoinGroup v5 (MEMBER_ID_REQUIRED), SyncGroup v3,
 * Heartbeat v3, OffsetCommit v5, OffsetFetch v4, LeaveGroup v3 (batched members). A second member
 * joining makes the first one rebalance (REBALANCE_IN_PROGRESS on its heartbeat), and both end up
 * with partitions.
 */

const TOPIC = 'kafkajs-groups';
const GROUP = 'kafkajs-group';

/** Polls `check` until it holds; fails the test with `what` if it does not within the client timeouts. */
async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('kafkajs consumer group', () => {
  let broker: RunningBroker;
  const consumers: Consumer[] = [];
  before(async () => {
    broker = await startBroker({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
  });
  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await broker?.close();
  });

  test('run + eachMessage + commit; a second member triggers a rebalance and both get partitions', async () => {
    const versions = new Map<number, number>();
    // The highest version of each API the client sent (the fixtures' raw client is left out).
    broker.intercept((r) => void (r.ctx.header.clientId !== 'raw-client' && versions.set(r.apiKey, Math.max(versions.get(r.apiKey) ?? -1, r.version))));
    await createTopic(broker, TOPIC, 4);
    const first = await produceToPartitions(broker, TOPIC, 4, 4, 'first');
    const assignments = new Map<string, number[]>();
    const seen: string[] = [];
    const start = async (name: string): Promise<Consumer> => {
      // kafkajs heartbeats between fetches: a short fetch wait makes it notice the rebalance (and stop) quickly.
      // One Kafka instance per member, as separate processes: kafkajs shares a group's committed-offsets
      // cache among the consumers of one instance, and each rebalance of one member clears it for all.
      const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'gregor-compat-groups', logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(name, [...(e.payload.memberAssignment[TOPIC] ?? [])].sort()));
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({
        autoCommitInterval: 100,
        eachMessage: async ({ message }) => {
          seen.push(message.value?.toString() ?? '');
        },
      });
      return consumer;
    };

    await start('a');
    await until('member a to read everything', () => seen.length >= first.length);
    assert.deepEqual(assignments.get('a'), [0, 1, 2, 3]);
    await start('b');
    await until('both members to hold partitions', () => (assignments.get('a')?.length ?? 0) > 0 && (assignments.get('b')?.length ?? 0) > 0 && (assignments.get('a')?.length ?? 0) + (assignments.get('b')?.length ?? 0) === 4);
    assert.deepEqual([...(assignments.get('a') ?? []), ...(assignments.get('b') ?? [])].sort(), [0, 1, 2, 3]);
    const generation = broker.services.groups.groups.get(GROUP)?.generationId ?? 0;
    assert.ok(generation >= 2, `the second member caused a rebalance (generation ${generation})`);
    assert.equal(broker.services.groups.describe(GROUP).members.length, 2);

    const second = await produceToPartitions(broker, TOPIC, 4, 3, 'second');
    await until('the group to read the new records', () => second.every((v) => seen.includes(v)));
    assert.deepEqual([...new Set(seen)].sort(), [...first, ...second].sort());
    for (const c of consumers.splice(0)) await c.disconnect();
    assert.deepEqual([...(await committedOffsets(broker, GROUP))].sort(), [0, 1, 2, 3].map((p) => [`${TOPIC}:${p}`, 7n]));
    assert.equal(broker.services.groups.describe(GROUP).state, 'Empty', 'both members left (LeaveGroup)');
    const used = (keys: number[]) => keys.map((k) => [k, versions.get(k)]);
    assert.deepEqual(
      used([ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.OffsetCommit, ApiKey.OffsetFetch]),
      [[10, 2], [11, 5], [14, 3], [12, 3], [13, 3], [8, 5], [9, 4]],
    );
  });
});
