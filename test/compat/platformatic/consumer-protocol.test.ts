import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';

/**
 * KIP-848 with @platformatic/kafka 1.35's `groupProtocol: 'consumer'` (ConsumerGroupHeartbeat v1 with
 * a client-generated member id, assignments by topic id resolved through Metadata): two members
 * split six partitions, one leaves and the other takes everything, and a third member of the group
 * starts from the committed offsets. Run against Apache Kafka 4.3 as well, which proves the test.
 */
const FAST_HEARTBEATS = { 'group.consumer.heartbeat.interval.ms': '1000', 'group.consumer.min.heartbeat.interval.ms': '1000' };
const TOPIC = 'kip848-platformatic';
const GROUP = 'kip848-platformatic-group';

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

for (const name of compatTargets()) {
  describe(`@platformatic/kafka groupProtocol=consumer against ${name}`, () => {
    let target: Target;
    let admin: Admin;
    let producer: Producer<string, string, string, string>;
    const consumers: Consumer<string, string, string, string>[] = [];
    const streams = new Map<Consumer<string, string, string, string>, { close(): Promise<void> }>();
    const base = () => ({ clientId: 'gregor-compat-kip848', bootstrapBrokers: [target.bootstrap], retries: 3 });

    before(async () => {
      target = await startTarget(name, FAST_HEARTBEATS);
      admin = new Admin(base());
      producer = new Producer({ ...base(), serializers: stringSerializers });
      await admin.createTopics({ topics: [TOPIC], partitions: 6, replicas: 1 });
    });
    after(async () => {
      // Only the ones the test did not close: closing a closed Consumer never settles.
      for (const c of consumers) if (!c.closed) await leave(c);
      await producer?.close();
      await admin?.close();
      await target?.close();
    });

    async function member(values: string[]): Promise<Consumer<string, string, string, string>> {
      const c = new Consumer<string, string, string, string>({ ...base(), groupId: GROUP, groupProtocol: 'consumer', deserializers: stringDeserializers });
      consumers.push(c);
      const stream = await c.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 });
      stream.on('data', (m) => values.push(m.value));
      streams.set(c, stream);
      return c;
    }
    /** The stream first: its autocommit interval outlives a closed Consumer (and keeps the process alive). */
    async function leave(c: Consumer<string, string, string, string>): Promise<void> {
      await streams.get(c)?.close();
      await c.close();
    }
    const owned = (c: Consumer<string, string, string, string>): number[] => c.assignments?.flatMap((a) => a.partitions).sort() ?? [];

    test('two members split 6 partitions, one leaves, commits carry over to a new member', async () => {
      await producer.send({ messages: [0, 1, 2, 3, 4, 5].flatMap((p) => Array.from({ length: 5 }, (_, i) => ({ topic: TOPIC, partition: p, value: `before-${p}-${i}` }))) });
      const seen: string[] = [];
      const a = await member(seen);
      const b = await member(seen);
      await until('3 + 3 partitions', () => owned(a).length === 3 && owned(b).length === 3);
      assert.deepEqual([...owned(a), ...owned(b)].sort(), [0, 1, 2, 3, 4, 5]);
      await until('30 records', () => new Set(seen).size === 30);

      await leave(b);
      await until('a owns all 6', () => owned(a).length === 6);
      // Autocommit every 100 ms: let the last commits land, then leave.
      await sleep(500);
      await leave(a);

      await producer.send({ messages: [0, 1, 2, 3, 4, 5].map((p) => ({ topic: TOPIC, partition: p, value: `after-${p}` })) });
      const later: string[] = [];
      const c = await member(later);
      await until('6 new records', () => later.length >= 6);
      await sleep(500);
      assert.deepEqual(later.sort(), [0, 1, 2, 3, 4, 5].map((p) => `after-${p}`));
      assert.deepEqual(owned(c), [0, 1, 2, 3, 4, 5]);
    });
  });
}
