import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin, Consumer, Producer, stringSerializers, type CompressionAlgorithmValue, type fetchV17 } from '@platformatic/kafka';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { headerPairs, kcatConsume } from '../helpers/kcat.ts';
import { loseProduceAnswers } from '../helpers/lose-produce-answers.ts';

/**
 * @platformatic/kafka 1.35 against an in-process broker: flexible versions only (ApiVersions v3,
 * Metadata 12, CreateTopics 7, DeleteTopics 6, Produce 11, Fetch 16 by topic id, ListOffsets 9).
 * Its Consumer's stream always joins a group, so the records are read with its low-level `fetch()`,
 * which sends one Fetch to a node without joining anything, and cross-checked with kcat.
 */

const CODECS: readonly CompressionAlgorithmValue[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const BASE_TS = 1_700_000_000_000n;

interface Fetched {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string]>;
  timestamp: bigint;
}

describe('@platformatic/kafka', () => {
  let broker: RunningBroker;
  let admin: Admin;
  let producer: Producer<string, string, string, string>;
  let consumer: Consumer;
  before(async () => {
    broker = await startBroker();
    const options = { clientId: 'gregor-compat-platformatic', bootstrapBrokers: [broker.bootstrap], retries: 2 };
    admin = new Admin(options);
    producer = new Producer({ ...options, serializers: stringSerializers, idempotent: false, acks: -1 });
    // The group id is required by the constructor; fetch() and listOffsets() never use it.
    consumer = new Consumer({ ...options, groupId: 'gregor-compat-unused' });
  });
  after(async () => {
    await consumer?.close();
    await producer?.close();
    await admin?.close();
    await broker?.close();
  });

  /** Reads partition 0 from offset 0 to the high watermark with Fetch v16, one request at a time. */
  async function fetchAll(topic: string): Promise<Fetched[]> {
    const md = await admin.metadata({ topics: [topic] });
    const topicId = md.topics.get(topic)?.id;
    assert.ok(topicId !== undefined);
    const out: Fetched[] = [];
    let next = 0n;
    for (let round = 0; round < 1000; round++) {
      const response: fetchV17.FetchResponse = await consumer.fetch({
        node: broker.nodeId,
        maxWaitTime: 100,
        topics: [{ topicId, partitions: [{ partition: 0, fetchOffset: next, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 64 * 1024 }] }],
      });
      const partition = response.responses[0]?.partitions[0];
      assert.ok(partition !== undefined);
      assert.equal(partition.errorCode, 0);
      for (const batch of partition.records ?? []) {
        for (const r of batch.records) {
          const offset = batch.firstOffset + BigInt(r.offsetDelta);
          // A fetch may start inside a batch; records before the fetch offset are the client's to drop.
          if (offset < next) continue;
          out.push({
            offset: Number(offset),
            key: r.key === null ? null : r.key.toString(),
            value: r.value === null ? null : r.value.toString(),
            headers: r.headers.map(([k, v]) => [k?.toString() ?? '', v?.toString() ?? '']),
            timestamp: batch.firstTimestamp + r.timestampDelta,
          });
        }
        next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      }
      if (next >= partition.highWatermark) return out;
    }
    assert.fail(`fetch made no progress past offset ${next}`);
  }

  test('admin: createTopics with configs, duplicate refused, metadata with topic id, deleteTopics', async () => {
    const [created] = await admin.createTopics({ topics: ['pl-admin'], partitions: 3, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
    assert.equal(created?.name, 'pl-admin');
    assert.equal(created?.partitions, 3);
    assert.equal(created?.configuration['retention.ms'], '3600000');
    assert.equal(created?.configuration['cleanup.policy'], 'delete');
    await assert.rejects(admin.createTopics({ topics: ['pl-admin'], partitions: 1, replicas: 1 }), (error: AggregateError) => {
      assert.match(JSON.stringify(error.errors?.map((e: { apiId?: string }) => e.apiId)), /TOPIC_ALREADY_EXISTS/);
      return true;
    });
    const md = await admin.metadata({ topics: ['pl-admin'] });
    const topic = md.topics.get('pl-admin');
    assert.equal(topic?.id, created?.id, 'Metadata v12 carries the id CreateTopics v7 returned');
    assert.deepEqual(topic?.partitions.map((p) => [p.leader, p.replicas, p.isr]), [[1, [1], [1]], [1, [1], [1]], [1, [1], [1]]]);
    assert.equal(md.controllerId, broker.nodeId);
    assert.ok((await admin.listTopics()).includes('pl-admin'));
    await admin.deleteTopics({ topics: ['pl-admin'] });
    assert.ok(!(await admin.listTopics()).includes('pl-admin'));
  });

  for (const codec of CODECS) {
    test(`producer (${codec}, acks -1): Produce v11 offsets; Fetch v16 and kcat read the same records`, async () => {
      const topic = `pl-${codec}`;
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      const messages = Array.from({ length: 120 }, (_, i) => ({
        topic,
        partition: 0,
        key: `${codec}-k${i}`,
        value: `${codec} value ${i} ${'pq'.repeat(i)}`,
        headers: new Map(i % 2 === 0 ? [['i', String(i)], ['codec', codec]] : []),
        timestamp: BASE_TS + BigInt(i),
      }));
      // Two sends, so the second's base offset shows the first's records were counted.
      const first = await producer.send({ compression: codec, messages: messages.slice(0, 70) });
      const second = await producer.send({ compression: codec, messages: messages.slice(70) });
      assert.deepEqual(first.offsets, [{ topic, partition: 0, offset: 0n }]);
      assert.deepEqual(second.offsets, [{ topic, partition: 0, offset: 70n }]);

      const expected = messages.map((m, i) => ({ offset: i, key: m.key, value: m.value, headers: [...m.headers], timestamp: m.timestamp }));
      assert.deepEqual(await fetchAll(topic), expected);
      const byKcat = await kcatConsume(broker.bootstrap, topic);
      assert.deepEqual(
        byKcat.map((r) => ({ offset: r.offset, key: r.key, value: r.payload, headers: headerPairs(r), timestamp: BigInt(r.ts) })),
        expected,
      );
    });
  }

  test('listOffsets (ListOffsets v9): latest and by timestamp', async () => {
    const topic = 'pl-times';
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    await producer.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `v${i}`, timestamp: BASE_TS + BigInt(i * 100) })) });
    assert.deepEqual(await consumer.listOffsets({ topics: [topic] }), new Map([[topic, [10n]]]));
    const at = await consumer.listOffsetsWithTimestamps({ topics: [topic], timestamp: BASE_TS + 250n });
    assert.deepEqual(at.get(topic)?.get(0), { offset: 3n, timestamp: BASE_TS + 300n });
    const past = await consumer.listOffsetsWithTimestamps({ topics: [topic], timestamp: BASE_TS + 5000n });
    assert.deepEqual(past.get(topic)?.get(0), { offset: -1n, timestamp: -1n });
  });

  test('idempotent producer: a Produce answer lost after the append is resent and the batch stored once', async () => {
    const topic = 'pl-idem';
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const idem = new Producer({ clientId: 'gregor-compat-platformatic-idem', bootstrapBrokers: [broker.bootstrap], retries: 5, retryDelay: 50, serializers: stringSerializers, idempotent: true, acks: -1 });
    // The 2nd Produce request is appended for real, then its connection closed instead of answered.
    const dropped = loseProduceAnswers(broker, (call) => call === 2);
    const offsets: bigint[] = [];
    try {
      for (let b = 0; b < 4; b++) {
        const sent = await idem.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, key: `b${b}-${i}`, value: `v${b}-${i}` })) });
        offsets.push(sent.offsets?.[0]?.offset ?? -1n);
      }
    } finally {
      dropped.remove();
      await idem.close();
    }
    assert.equal(dropped.lost(), 1);
    assert.deepEqual(offsets, [0n, 10n, 20n, 30n], 'the resent batch is acknowledged at the offset it was stored at');
    const got = await kcatConsume(broker.bootstrap, topic);
    assert.deepEqual(got.map((r) => [r.offset, r.key]), Array.from({ length: 40 }, (_, i) => [i, `b${Math.floor(i / 10)}-${i % 10}`]));
  });

  test('transactions: a committed and an aborted transaction; read_committed sees only the committed records', async () => {
    const topic = 'pl-txn';
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const txp = new Producer({ clientId: 'gregor-compat-platformatic-txn', bootstrapBrokers: [broker.bootstrap], retries: 2, serializers: stringSerializers, idempotent: true, transactionalId: 'pl-txn-id', acks: -1 });
    try {
      const committed = await txp.beginTransaction();
      await committed.send({ messages: Array.from({ length: 5 }, (_, i) => ({ topic, partition: 0, key: `c${i}`, value: `committed ${i}` })) });
      await committed.commit();
      const aborted = await txp.beginTransaction();
      await aborted.send({ messages: Array.from({ length: 3 }, (_, i) => ({ topic, partition: 0, key: `a${i}`, value: `aborted ${i}` })) });
      await aborted.abort();
      const after = await txp.beginTransaction();
      await after.send({ messages: [{ topic, partition: 0, key: 'c5', value: 'committed 5' }] });
      await after.commit();
    } finally {
      await txp.close();
    }
    // Offsets: 0-4 committed, 5 COMMIT marker, 6-8 aborted, 9 ABORT marker, 10 committed, 11 marker.
    const committedOnly = await kcatConsume(broker.bootstrap, topic, ['-X', 'isolation.level=read_committed']);
    assert.deepEqual(committedOnly.map((r) => [r.offset, r.key]), [[0, 'c0'], [1, 'c1'], [2, 'c2'], [3, 'c3'], [4, 'c4'], [10, 'c5']]);
    const everything = await kcatConsume(broker.bootstrap, topic, ['-X', 'isolation.level=read_uncommitted']);
    assert.deepEqual(everything.map((r) => r.key), ['c0', 'c1', 'c2', 'c3', 'c4', 'a0', 'a1', 'a2', 'c5']);
  });
});
