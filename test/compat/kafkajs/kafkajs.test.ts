import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { ApiKey, type ProduceRequest } from '../../../src/protocol/messages/index.ts';
import { BATCH_HEADER_SIZE, readBatchHeader } from '../../../src/protocol/records/index.ts';
import { headerPairs, kcatConsume } from '../helpers/kcat.ts';
import { loseProduceAnswers } from '../helpers/lose-produce-answers.ts';

/**
 * kafkajs 2.2.4 against an in-process broker. kafkajs implements no flexible versions: here it
 * speaks ApiVersions v2, Produce v7, Metadata v6, ListOffsets v3, CreateTopics v3, DeleteTopics v1,
 * DescribeConfigs v2, CreatePartitions v1. Its consumer always joins a group, so what it writes is
 * read back with kcat (librdkafka), which also proves its batches are readable by another client.
 * Node 24 prints a TimeoutNegativeWarning from kafkajs's request queue (a timer armed at
 * `throttledUntil - Date.now()` while throttledUntil is still -1): harmless, and not the broker's.
 */

const BASE_TS = 1_700_000_000_000;

describe('kafkajs', () => {
  let broker: RunningBroker;
  let admin: Admin;
  let producer: Producer;
  before(async () => {
    broker = await startBroker();
    const kafka = new Kafka({ clientId: 'gregor-compat-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false });
    await admin.connect();
    await producer.connect();
  });
  after(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await broker?.close();
  });

  test('admin: createTopics, fetchTopicMetadata, describeConfigs, createPartitions, deleteTopics', async () => {
    const created = await admin.createTopics({
      topics: [{ topic: 'kjs-admin', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    });
    assert.equal(created, true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-admin' }] }), false, 'an existing topic is not created again');
    const md = await admin.fetchTopicMetadata({ topics: ['kjs-admin'] });
    assert.deepEqual(
      md.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort()]),
      [['kjs-admin', [[0, 1, [1], [1]], [1, 1, [1], [1]]]]],
    );
    const described = await admin.describeConfigs({ resources: [{ type: 2, name: 'kjs-admin' }], includeSynonyms: false });
    const entries = described.resources[0]?.configEntries ?? [];
    assert.equal(described.resources[0]?.errorCode, 0);
    assert.deepEqual(
      entries.filter((e) => e.configName === 'retention.ms' || e.configName === 'cleanup.policy').map((e) => [e.configName, e.configValue, e.isDefault]).sort(),
      [['cleanup.policy', 'delete', true], ['retention.ms', '3600000', false]],
    );
    await admin.createPartitions({ topicPartitions: [{ topic: 'kjs-admin', count: 5 }] });
    const grown = await admin.fetchTopicMetadata({ topics: ['kjs-admin'] });
    assert.deepEqual(grown.topics[0]?.partitions.map((p) => p.partitionId).sort(), [0, 1, 2, 3, 4]);
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'kjs-admin', count: 2 }] }), /INVALID_PARTITIONS|partition/i, 'partitions cannot shrink');
    await admin.deleteTopics({ topics: ['kjs-admin'] });
    assert.ok(!(await admin.listTopics()).includes('kjs-admin'));
  });

  test('producer (none and gzip, acks -1 and 1): offsets, keys, headers and timestamps, read back by kcat; topic offsets by time', async () => {
    await admin.createTopics({ topics: [{ topic: 'kjs-data', numPartitions: 1 }] });
    const batch = (tag: string, from: number, n: number) =>
      Array.from({ length: n }, (_, j) => {
        const i = from + j;
        return {
          key: i % 5 === 2 ? null : `key-${i}`,
          value: `${tag} ${i} ${'k'.repeat(i % 40)}`,
          headers: { tag, index: String(i) },
          partition: 0,
          timestamp: String(BASE_TS + i * 1000),
        };
      });
    const sends = [
      { tag: 'none-all', compression: CompressionTypes.None, acks: -1 },
      { tag: 'gzip-all', compression: CompressionTypes.GZIP, acks: -1 },
      { tag: 'none-one', compression: CompressionTypes.None, acks: 1 },
      { tag: 'gzip-one', compression: CompressionTypes.GZIP, acks: 1 },
    ];
    const perSend = 60;
    const sent = [];
    for (const [s, { tag, compression, acks }] of sends.entries()) {
      const messages = batch(tag, s * perSend, perSend);
      const meta = await producer.send({ topic: 'kjs-data', compression, acks, messages });
      assert.deepEqual(
        meta.map((m) => [m.topicName, m.partition, m.errorCode, m.baseOffset]),
        [['kjs-data', 0, 0, String(s * perSend)]],
        `send ${tag}`,
      );
      sent.push(...messages);
    }

    const read = await kcatConsume(broker.bootstrap, 'kjs-data');
    assert.deepEqual(
      read.map((r) => [r.offset, r.key, r.payload, headerPairs(r), r.ts, r.tstype]),
      sent.map((m, i) => [i, m.key, m.value, [['tag', m.headers.tag], ['index', m.headers.index]], Number(m.timestamp), 'create']),
    );

    const offsets = await admin.fetchTopicOffsets('kjs-data');
    assert.deepEqual(offsets, [{ partition: 0, offset: String(sent.length), high: String(sent.length), low: '0' }]);
    // Record i carries BASE_TS + i s: a time between records 100 and 101 finds 101.
    const byTime = await admin.fetchTopicOffsetsByTimestamp('kjs-data', BASE_TS + 100_500);
    assert.deepEqual(byTime, [{ partition: 0, offset: '101' }]);
    assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp('kjs-data', BASE_TS), [{ partition: 0, offset: '0' }]);
    // Past the last record kafkajs falls back to the end offset (its ListOffsets -1 handling).
    const past = await admin.fetchTopicOffsetsByTimestamp('kjs-data', BASE_TS + 10_000_000);
    assert.deepEqual(past, [{ partition: 0, offset: String(sent.length) }]);
  });

  test('produce to an unknown topic with auto-creation off in the request fails with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await assert.rejects(producer.send({ topic: 'kjs-absent', acks: -1, messages: [{ value: 'x' }] }), (error: Error) => {
      assert.match(`${error.name}: ${error.message}`, /does not host this topic-partition/);
      return true;
    });
    assert.ok(!(await admin.listTopics()).includes('kjs-absent'), 'Metadata v6 with allow_auto_topic_creation=false created nothing');
  });

  test('idempotent producer: requests whose responses were lost are resent with their sequences and stored once', async () => {
    const kafka = new Kafka({ clientId: 'gregor-compat-kafkajs-idem', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
    await admin.createTopics({ topics: [{ topic: 'kjs-idem', numPartitions: 1 }] });
    const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await idempotent.connect();
    const seen = new Set<string>();
    let resent = 0;
    let unsequenced = 0;
    const removeWatch = broker.intercept(
      ({ request }) => {
        for (const t of (request as ProduceRequest).topicData) {
          for (const p of t.partitionData) {
            if (t.name !== 'kjs-idem' || p.records === null || p.records.length < BATCH_HEADER_SIZE) continue;
            const h = readBatchHeader(p.records);
            if (h.producerId < 0n) unsequenced++;
            const key = `${h.producerId}/${h.producerEpoch}/${h.baseSequence}`;
            if (seen.has(key)) resent++;
            seen.add(key);
          }
        }
        return undefined;
      },
      { apiKey: ApiKey.Produce },
    );
    // The 3rd and 7th Produce requests are appended for real, then the connection is closed instead
    // of answering: kafkajs resends the same batch.
    const dropped = loseProduceAnswers(broker, (call) => call === 3 || call === 7);
    const offsets: string[] = [];
    try {
      for (let b = 0; b < 10; b++) {
        const sent = await idempotent.send({ topic: 'kjs-idem', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: 0, key: `b${b}-${i}`, value: `v${b}-${i}` })) });
        offsets.push(...sent.map((r) => String(r.baseOffset)));
      }
    } finally {
      dropped.remove();
      removeWatch();
      await idempotent.disconnect();
    }
    assert.equal(dropped.lost(), 2, 'two responses were dropped after their batches were stored');
    assert.equal(resent, 2, 'kafkajs resent exactly the two batches whose answers were lost');
    assert.equal(unsequenced, 0, 'every batch carried the producer id from InitProducerId');
    assert.deepEqual(offsets, Array.from({ length: 10 }, (_, b) => String(b * 20)), 'each batch acknowledged at its one offset');
    const got = await kcatConsume(broker.bootstrap, 'kjs-idem');
    assert.deepEqual(
      got.map((r) => [r.offset, r.key]),
      Array.from({ length: 200 }, (_, i) => [i, `b${Math.floor(i / 20)}-${i % 20}`]),
      'each record stored once, in order',
    );
  });
});
