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

  test('eachBatch with resolveOffset and heartbeat, manual commitOffsets, pause and resume; a new member starts from the commits', async () => {
    const topic = 'kafkajs-batch';
    const group = 'kafkajs-batch-group';
    await createTopic(broker, topic, 2);
    const first = await produceToPartitions(broker, topic, 2, 10, 'b1');
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'gregor-compat-batch', logLevel: logLevel.NOTHING });
    const seen: string[] = [];
    let batches = 0;
    const c1 = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    consumers.push(c1);
    await c1.connect();
    await c1.subscribe({ topics: [topic], fromBeginning: true });
    await c1.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        batches++;
        for (const m of batch.messages) {
          if (!isRunning() || isStale()) break;
          seen.push(m.value?.toString() ?? '');
          resolveOffset(m.offset);
          await heartbeat();
        }
      },
    });
    await until('the first records', () => first.every((v) => seen.includes(v)));
    assert.ok(batches >= 1);
    // Manual commits (autoCommit is off): all of partition 0, half of partition 1.
    await c1.commitOffsets([{ topic, partition: 0, offset: '10' }, { topic, partition: 1, offset: '5' }]);
    assert.deepEqual([...(await committedOffsets(broker, group))].sort(), [[`${topic}:0`, 10n], [`${topic}:1`, 5n]]);

    c1.pause([{ topic }]);
    assert.deepEqual(c1.paused().map((t) => [t.topic, [...t.partitions].sort()]), [[topic, [0, 1]]]);
    const second = await produceToPartitions(broker, topic, 2, 5, 'b2');
    // Several fetch waits (200 ms) pass: nothing of the paused topic arrives.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(!second.some((v) => seen.includes(v)), 'no record of a paused topic is delivered');
    c1.resume([{ topic }]);
    await until('the records produced while paused', () => second.every((v) => seen.includes(v)));
    await c1.disconnect();
    consumers.splice(consumers.indexOf(c1), 1);
    // Nothing committed since the manual commit: autoCommit is off, and disconnect does not commit.
    assert.deepEqual([...(await committedOffsets(broker, group))].sort(), [[`${topic}:0`, 10n], [`${topic}:1`, 5n]]);

    // A new member of the group starts where the commits say: partition 0 at 10, partition 1 at 5.
    const again: string[] = [];
    const c2 = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    consumers.push(c2);
    await c2.connect();
    await c2.subscribe({ topics: [topic], fromBeginning: true });
    await c2.run({ eachMessage: async ({ message }) => void again.push(message.value?.toString() ?? '') });
    const expected = [...first.filter((v) => v.startsWith('b1-p1-') && Number(v.split('-')[2]) >= 5), ...second].sort();
    await until('the records after the commits', () => again.length >= expected.length);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual([...again].sort(), expected);
  });
});
