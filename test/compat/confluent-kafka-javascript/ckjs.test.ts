import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installConfluentKafkaJavascript } from '../../../scripts/peers/confluent-kafka-javascript.ts';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';

/**
 * @confluentinc/kafka-javascript 1.10.1 — Confluent's Node.js client, librdkafka 2.15.1 underneath —
 * through its KafkaJS-compatible API. Debian's librdkafka is 2.0.2 (kcat, confluent-kafka-python);
 * this is the current one: flexible versions everywhere, the KIP-848 consumer (`group.protocol=
 * consumer`) and its transactional producer. Built from source into .peers/ by
 * scripts/peers/confluent-kafka-javascript.ts. Every flow runs against Apache Kafka 4.3 and Gregor.
 */

// Only the parts of the package's KafkaJS API used here (its own typings live in the peer folder).
interface KMessage {
  key?: string | null;
  value: string | null;
  partition?: number;
  headers?: Record<string, string>;
}
interface KProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(r: { topic: string; messages: KMessage[] }): Promise<Array<{ partition: number; errorCode: number; baseOffset?: string }>>;
  transaction(): Promise<KProducer>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
interface KEachMessage {
  topic: string;
  partition: number;
  message: { key: Buffer | null; value: Buffer | null; offset: string; headers?: Record<string, Buffer | string | undefined> };
}
interface KConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(s: { topics: string[] }): Promise<void>;
  run(r: { eachMessage: (p: KEachMessage) => Promise<void> }): Promise<void>;
  assignment(): Array<{ topic: string; partition: number }>;
}
interface KAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  createTopics(o: { topics: Array<{ topic: string; numPartitions?: number }> }): Promise<boolean>;
  listTopics(): Promise<string[]>;
  fetchTopicMetadata(o: { topics: string[] }): Promise<Array<{ name: string; partitions: Array<{ partitionId: number; leader: number }> }>>;
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; offset: string; high: string; low: string }>>;
  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<{ partition: number; offset: string }>>;
  fetchOffsets(o: { groupId: string; topics: string[] }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}
interface KKafka {
  producer(config: Record<string, unknown>): KProducer;
  consumer(config: Record<string, unknown>): KConsumer;
  admin(config?: Record<string, unknown>): KAdmin;
}
interface CkjsModule {
  librdkafkaVersion: string;
  KafkaJS: { Kafka: new (config: Record<string, unknown>) => KKafka; logLevel: { NOTHING: number } };
}

const peer = installConfluentKafkaJavascript({ log: console.log });
const ckjs = createRequire(join(peer.home, 'index.js'))('@confluentinc/kafka-javascript') as CkjsModule;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

async function until(what: string, check: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const targetName of compatTargets()) {
  describe(`confluent-kafka-javascript against ${targetName}`, { timeout: 240_000 }, () => {
    let target: Target;
    let kafka: KKafka;
    let admin: KAdmin;
    const consumers: KConsumer[] = [];
    const producers: KProducer[] = [];
    before(async () => {
      target = await startTarget(targetName);
      kafka = new ckjs.KafkaJS.Kafka({ kafkaJS: { brokers: [target.bootstrap], clientId: 'gregor-compat-ckjs', logLevel: ckjs.KafkaJS.logLevel.NOTHING } });
      admin = kafka.admin();
      await admin.connect();
    });
    after(async () => {
      for (const c of consumers) await c.disconnect().catch(() => undefined);
      for (const p of producers) await p.disconnect().catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
      await target?.close();
    });

    const producer = async (config: Record<string, unknown>): Promise<KProducer> => {
      const p = kafka.producer(config);
      producers.push(p);
      await p.connect();
      return p;
    };
    const consumer = async (config: Record<string, unknown>, topic: string, onMessage: (m: KEachMessage) => void): Promise<KConsumer> => {
      const c = kafka.consumer(config);
      consumers.push(c);
      await c.connect();
      await c.subscribe({ topics: [topic] });
      await c.run({ eachMessage: async (m) => onMessage(m) });
      return c;
    };
    const stop = async (c: KConsumer): Promise<void> => {
      consumers.splice(consumers.indexOf(c), 1);
      await c.disconnect();
    };

    test(`admin: createTopics, listTopics, fetchTopicMetadata, fetchTopicOffsets (librdkafka ${ckjs.librdkafkaVersion})`, async () => {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'ckjs-admin', numPartitions: 3 }] }), true);
      assert.ok((await admin.listTopics()).includes('ckjs-admin'));
      const [md] = await admin.fetchTopicMetadata({ topics: ['ckjs-admin'] });
      assert.deepEqual(md?.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
      // A new topic's partitions answer -1 until their leaders are up (Kafka takes a moment): poll.
      let offsets: unknown;
      for (let i = 0; i < 100; i++) {
        offsets = (await admin.fetchTopicOffsets('ckjs-admin')).map((o) => [o.partition, o.low, o.high]).sort();
        if (JSON.stringify(offsets) === JSON.stringify([[0, '0', '0'], [1, '0', '0'], [2, '0', '0']])) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(offsets, [[0, '0', '0'], [1, '0', '0'], [2, '0', '0']]);
    });

    test('admin: fetchTopicOffsetsByTimestamp finds the first offset at or after a timestamp, the end past the last', async () => {
      const topic = 'ckjs-times';
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      const p = await producer({});
      const base = 1_700_000_000_000;
      await p.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}`, timestamp: String(base + i * 100) })) });
      const at = async (ts: number): Promise<string | undefined> => (await admin.fetchTopicOffsetsByTimestamp(topic, ts)).find((o) => o.partition === 0)?.offset;
      assert.equal(await at(base - 1), '0');
      assert.equal(await at(base + 250), '3');
      assert.equal(await at(base + 900), '9');
      // No record at or after it: the KafkaJS-compatible API answers the end offset, as kafkajs does.
      assert.equal(await at(base + 901), '10');
    });

    for (const codec of CODECS) {
      test(`idempotent producer (${codec}) with keys and headers, read back by a classic group consumer`, async () => {
        const topic = `ckjs-codec-${codec}`;
        await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
        // librdkafka's idempotent producer: InitProducerId, then sequenced batches.
        const p = await producer({ 'compression.codec': codec, 'enable.idempotence': true, 'linger.ms': 5 });
        const messages = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `${codec}-${i}-${'x'.repeat(i % 50)}`, headers: { i: String(i) } }));
        const answers = await p.send({ topic, messages });
        assert.ok(answers.every((a) => a.errorCode === 0));
        const seen = new Map<string, string>();
        const c = await consumer({ kafkaJS: { groupId: `ckjs-g-${codec}`, fromBeginning: true } }, topic, ({ message }) => {
          seen.set(message.key?.toString() ?? '', `${message.value?.toString() ?? ''}|${message.headers?.['i']?.toString() ?? ''}`);
        });
        await until(`300 ${codec} records`, () => seen.size === messages.length);
        await stop(c);
        for (const [i, m] of messages.entries()) assert.equal(seen.get(m.key), `${m.value}|${i}`);
      });
    }

    test('KIP-848 consumer group (group.protocol=consumer): members share the partitions, a leaving member hands over, offsets committed', async () => {
      const topic = 'ckjs-848';
      const group = 'ckjs-848-group';
      await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
      const p = await producer({});
      const send = (from: number, n: number): Promise<unknown> =>
        p.send({ topic, messages: Array.from({ length: n }, (_, j) => ({ key: `k${from + j}`, value: `v${from + j}`, partition: (from + j) % 4 })) });
      await send(0, 200);
      const byMember = [new Set<string>(), new Set<string>()];
      const config = { kafkaJS: { groupId: group, fromBeginning: true, autoCommit: true, autoCommitInterval: 200 }, 'group.protocol': 'consumer' };
      const a = await consumer(config, topic, ({ message }) => void byMember[0]!.add(message.value?.toString() ?? ''));
      await until('the first member to read the first 200', () => byMember[0]!.size === 200);
      const b = await consumer(config, topic, ({ message }) => void byMember[1]!.add(message.value?.toString() ?? ''));
      // The server-side assignor moves partitions to the new member: wait until both own some.
      await until('both members to own partitions', () => a.assignment().length > 0 && b.assignment().length > 0);
      const owned = [...a.assignment(), ...b.assignment()].map((t) => t.partition).sort();
      assert.deepEqual(owned, [0, 1, 2, 3], 'every partition owned by exactly one member');
      await send(200, 200);
      const union = (): number => new Set([...byMember[0]!, ...byMember[1]!]).size;
      await until('all 400 records read by the group', () => union() === 400);
      assert.ok(byMember[1]!.size > 0, 'the second member read records');
      await stop(a);
      await until('the remaining member to own every partition', () => b.assignment().length === 4);
      await send(400, 100);
      await until('the last 100 records read by the remaining member', () => union() === 500);
      // librdkafka commits the consumed positions when an auto-committing consumer closes.
      await stop(b);
      const ends = (await admin.fetchTopicOffsets(topic)).map((e) => [e.partition, e.high]).sort();
      const committed = async (): Promise<unknown> =>
        ((await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions ?? []).map((x) => [x.partition, x.offset]).sort();
      assert.deepEqual(await committed(), ends, 'the group committed up to the log end of every partition');
    });

    test('transactions: committed records visible to read_committed, aborted ones only to read_uncommitted', async () => {
      const topic = 'ckjs-txn';
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      const p = await producer({ kafkaJS: { transactionalId: 'ckjs-txn-id', idempotent: true, maxInFlightRequests: 1 } });
      const run = async (tag: string, commit: boolean): Promise<void> => {
        const txn = await p.transaction();
        await txn.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: `${tag}-${i}`, value: `${tag}-${i}` })) });
        if (commit) await txn.commit();
        else await txn.abort();
      };
      await run('first', true);
      await run('aborted', false);
      await run('last', true);
      const committed = new Set<string>();
      const uncommitted = new Set<string>();
      const rc = await consumer({ kafkaJS: { groupId: 'ckjs-txn-rc', fromBeginning: true } }, topic, ({ message }) => void committed.add(message.value?.toString() ?? ''));
      const ru = await consumer({ kafkaJS: { groupId: 'ckjs-txn-ru', fromBeginning: true, readUncommitted: true } }, topic, ({ message }) => void uncommitted.add(message.value?.toString() ?? ''));
      await until('read_uncommitted to see all 60', () => uncommitted.size === 60);
      await until('read_committed to see the 40 committed', () => committed.size === 40);
      // The markers end both partitions; a read_committed consumer that reached the end saw no aborted record.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stop(rc);
      await stop(ru);
      assert.equal([...committed].filter((v) => v.startsWith('aborted')).length, 0, 'no aborted record under read_committed');
      assert.equal([...uncommitted].filter((v) => v.startsWith('aborted')).length, 20, 'read_uncommitted sees the aborted records');
    });
  });
}
