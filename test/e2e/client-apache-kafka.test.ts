import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiKey } from '../../src/protocol/messages/index.ts';
import { buildBatch, decodeBatches } from '../../src/protocol/records/index.ts';
import { createClient, findCoordinator, KafkaError, type Client, type CompressionName } from '../../src/client/index.ts';
import { startApacheKafka, type RunningApacheKafka } from '../peers/apache-kafka.ts';

/**
 * The client library against Apache Kafka for what Gregor's broker cannot serve yet: the idempotent
 * producer (InitProducerId, sequence numbers) and read_committed over a real aborted transaction;
 * plus every compression codec checked by a broker that validates batches. Consumer groups run
 * against both brokers in client-groups.test.ts.
 */

describe('client against Apache Kafka', () => {
  let kafka: RunningApacheKafka;
  let client: Client;

  before(async () => {
    kafka = await startApacheKafka();
    client = createClient({ brokers: [kafka.bootstrap], clientId: 'client-ak', retry: { initialBackoffMs: 50, maxBackoffMs: 500, retries: 10 } });
  });
  after(async () => {
    await client?.close();
    await kafka?.close();
  });

  async function topic(name: string, partitions: number, messages: number): Promise<void> {
    const admin = client.admin();
    const [r] = await admin.createTopics([{ topic: name, numPartitions: partitions, replicationFactor: 1 }]);
    assert.equal(r?.errorCode, 0);
    await admin.close();
    if (messages === 0) return;
    const producer = client.producer();
    await producer.send({ topic: name, messages: Array.from({ length: messages }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.close();
  }

  test('idempotent producer: batches carry the producer id and consecutive sequence numbers', async () => {
    await topic('idem', 1, 0);
    const producer = client.producer({ idempotent: true });
    await producer.send({ topic: 'idem', messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.send({ topic: 'idem', messages: [{ value: 'c' }] });
    const broker = await producer.cluster.leaderFor('idem', 0);
    const r = await broker.request(ApiKey.Fetch, { maxWaitMs: 0, minBytes: 0, topics: [{ topic: 'idem', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] });
    const batches = decodeBatches(r.responses[0]!.partitions[0]!.records!);
    assert.deepEqual(batches.map((b) => [b.header.baseSequence, b.header.recordCount]), [[0, 2], [2, 1]]);
    assert.ok(batches.every((b) => b.header.producerId >= 0n && b.header.producerId === batches[0]!.header.producerId));
    await producer.close();
  });

  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as CompressionName[]) {
    test(`${compression} batches pass Apache Kafka's validation and read back, read_committed included`, async () => {
      const name = `ak-${compression}`;
      await topic(name, 1, 0);
      const producer = client.producer({ compression });
      const values = Array.from({ length: 30 }, (_, i) => `${compression} record ${i} `.repeat(10));
      await producer.send({ topic: name, messages: values.map((value) => ({ value })) });
      await producer.close();
      const r = await client.fetchMessages({ topic: name, partition: 0, offset: 5n, maxWaitMs: 10, isolationLevel: 'read_committed' });
      assert.deepEqual(r.records.map((x) => x.value?.toString()), values.slice(5));
      assert.equal(r.lastStableOffset, 30n);
    });
  }

  test('read_committed hides an aborted transaction (driven by hand: InitProducerId, AddPartitionsToTxn, Produce, EndTxn)', async () => {
    await topic('txn', 1, 0);
    const producer = client.producer();
    await producer.send({ topic: 'txn', messages: [{ value: 'before' }] });
    const cluster = producer.cluster;
    const transactionalId = 'client-e2e-txn';
    // The transaction coordinator (FindCoordinator key type 1); __transaction_state is created on first use.
    const coordinator = await findCoordinator(cluster, transactionalId, 1);
    const init = await cluster.retry(async () => {
      const r = await coordinator.request(ApiKey.InitProducerId, { transactionalId, transactionTimeoutMs: 60_000 });
      if (r.errorCode !== 0) throw new KafkaError(r.errorCode, 'InitProducerId');
      return r;
    });
    const added = await coordinator.request(ApiKey.AddPartitionsToTxn, {
      v3AndBelowTransactionalId: transactionalId,
      v3AndBelowProducerId: init.producerId,
      v3AndBelowProducerEpoch: init.producerEpoch,
      v3AndBelowTopics: [{ name: 'txn', partitions: [0] }],
    });
    assert.deepEqual(added.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode)), [0]);
    const leader = await cluster.leaderFor('txn', 0);
    const records = buildBatch({
      records: [{ value: Buffer.from('aborted-1') }, { value: Buffer.from('aborted-2') }],
      producerId: init.producerId,
      producerEpoch: init.producerEpoch,
      baseSequence: 0,
      isTransactional: true,
    });
    const produced = await leader.request(ApiKey.Produce, { transactionalId, acks: -1, timeoutMs: 30_000, topicData: [{ name: 'txn', partitionData: [{ index: 0, records }] }] });
    assert.equal(produced.responses[0]?.partitionResponses[0]?.errorCode, 0);
    const ended = await coordinator.request(ApiKey.EndTxn, { transactionalId, producerId: init.producerId, producerEpoch: init.producerEpoch, committed: false });
    assert.equal(ended.errorCode, 0);
    await producer.send({ topic: 'txn', messages: [{ value: 'after' }] });
    await producer.close();

    // The abort marker is written asynchronously; read_committed sees 'after' once the LSO passed it.
    let committed: string[] = [];
    for (let i = 0; i < 100 && !committed.includes('after'); i++) {
      const r = await client.fetchMessages({ topic: 'txn', partition: 0, offset: 0n, maxWaitMs: 50, isolationLevel: 'read_committed' });
      committed = r.records.map((x) => x.value!.toString());
    }
    assert.deepEqual(committed, ['before', 'after']);
    const all = await client.fetchMessages({ topic: 'txn', partition: 0, offset: 0n, maxWaitMs: 10 });
    assert.deepEqual(all.records.map((x) => x.value!.toString()), ['before', 'aborted-1', 'aborted-2', 'after'], 'read_uncommitted sees the aborted records (the marker itself is skipped)');
  });
});
