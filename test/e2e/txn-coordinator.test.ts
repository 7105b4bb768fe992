import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { ApiKey, ErrorCode } from '../../src/protocol/messages/index.ts';
import { buildBatch } from '../../src/protocol/records/index.ts';
import { RawClient } from './broker-raw-client.ts';

/**
 * The transaction coordinator end to end (issue #6): InitProducerId with a transactional id,
 * AddPartitionsToTxn, EndTxn, DescribeTransactions/ListTransactions over a bare connection, with
 * exact error codes per version; kafkajs transactions with sendOffsets; fencing by a second producer;
 * the timeout abort; coordinator state surviving a restart.
 */

const TOPIC = 'txn-e2e';
const PROPS = {
  'group.initial.rebalance.delay.ms': '0',
  'transaction.max.timeout.ms': '120000',
  'offsets.topic.num.partitions': '3',
  'transaction.state.log.num.partitions': '3',
};

async function createTopic(c: RawClient, name: string, partitions = 2): Promise<void> {
  const r = await c.request(ApiKey.CreateTopics, 5, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(r.topics[0]!.errorCode, ErrorCode.NONE);
}

async function initPid(c: RawClient, transactionalId: string, version = 4, timeoutMs = 60_000) {
  return c.request(ApiKey.InitProducerId, version, { transactionalId, transactionTimeoutMs: timeoutMs, producerId: -1n, producerEpoch: -1 });
}

async function addPartitions(c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, topics: { name: string; partitions: number[] }[], version = 3) {
  const r = await c.request(ApiKey.AddPartitionsToTxn, version, { v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: topics });
  return r.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => [t.name, p.partitionIndex, p.partitionErrorCode] as const));
}

async function endTxn(c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean, version = 3): Promise<number> {
  return (await c.request(ApiKey.EndTxn, version, { transactionalId, producerId, producerEpoch, committed })).errorCode;
}

async function describeTxn(c: RawClient, transactionalId: string) {
  const r = await c.request(ApiKey.DescribeTransactions, 0, { transactionalIds: [transactionalId] });
  return r.transactionStates[0]!;
}

async function produceTxn(c: RawClient, producerId: bigint, producerEpoch: number, transactionalId: string, values: string[], partition = 0, baseSequence = 0): Promise<number> {
  const records = buildBatch({ producerId, producerEpoch, baseSequence, isTransactional: true, records: values.map((v) => ({ value: Buffer.from(v) })) });
  const r = await c.request(ApiKey.Produce, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

async function txnOffsetCommit(c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, group: string, partition: number, offset: bigint): Promise<number> {
  const added = await c.request(ApiKey.AddOffsetsToTxn, 1, { transactionalId, producerId, producerEpoch, groupId: group });
  assert.equal(added.errorCode, ErrorCode.NONE);
  const r = await c.request(ApiKey.TxnOffsetCommit, 3, {
    transactionalId,
    groupId: group,
    producerId,
    producerEpoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  return r.topics[0]!.partitions[0]!.errorCode;
}

/** OffsetFetch v7 with require_stable: [offset, error] per partition 0 and 1. */
async function stableOffsets(c: RawClient, group: string): Promise<[bigint, number][]> {
  const r = await c.request(ApiKey.OffsetFetch, 7, { groupId: group, topics: [{ name: TOPIC, partitionIndexes: [0, 1] }], requireStable: true });
  return r.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]);
}

/** Polls `check` until it holds (the coordinator's timer runs on the wall clock); fails after `limitMs`. */
async function eventually(check: () => Promise<boolean>, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('transaction coordinator over a raw connection', () => {
  let dir: string;
  let broker: RunningBroker;
  let c: RawClient;
  const launch = async (extra: Record<string, string> = {}): Promise<void> => {
    broker = await startBroker({ properties: { ...PROPS, 'log.dirs': dir, 'transaction.partition.verification.enable': 'true', ...extra } });
    c = await RawClient.connect(broker.port);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-txn-coord-'));
    await launch({ 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' });
    await createTopic(c, TOPIC);
  });
  after(async () => {
    c.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('FindCoordinator key_type 1 names this broker', async () => {
    const r = await c.request(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['raw-1'] });
    assert.deepEqual({ node: r.coordinators[0]!.nodeId, port: r.coordinators[0]!.port, err: r.coordinators[0]!.errorCode }, { node: broker.nodeId, port: broker.port, err: ErrorCode.NONE });
  });

  test('InitProducerId: a new id, then an epoch bump; timeouts above transaction.max.timeout.ms refused', async () => {
    const a = await initPid(c, 'raw-init');
    assert.equal(a.errorCode, ErrorCode.NONE);
    assert.equal(a.producerEpoch, 0);
    const b = await initPid(c, 'raw-init');
    assert.deepEqual([b.errorCode, b.producerId, b.producerEpoch], [ErrorCode.NONE, a.producerId, 1]);
    assert.equal((await initPid(c, 'raw-init', 4, 120_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    // v3+ with only one of producer id / epoch set is malformed (KafkaApis).
    const bad = await c.request(ApiKey.InitProducerId, 3, { transactionalId: 'raw-init', transactionTimeoutMs: 1000, producerId: 5n, producerEpoch: -1 });
    assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('commit: AddPartitionsToTxn, transactional produce, EndTxn; Describe/ListTransactions follow the states', async () => {
    const p = await initPid(c, 'raw-commit');
    const unknown = await addPartitions(c, 'raw-commit', p.producerId, p.producerEpoch, [{ name: TOPIC, partitions: [0] }, { name: 'no-such-topic', partitions: [0] }]);
    assert.deepEqual(unknown, [
      [TOPIC, 0, ErrorCode.OPERATION_NOT_ATTEMPTED],
      ['no-such-topic', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    assert.deepEqual(await addPartitions(c, 'raw-commit', p.producerId, p.producerEpoch, [{ name: TOPIC, partitions: [0, 1] }]), [
      [TOPIC, 0, ErrorCode.NONE],
      [TOPIC, 1, ErrorCode.NONE],
    ]);
    const ongoing = await describeTxn(c, 'raw-commit');
    assert.equal(ongoing.transactionState, 'Ongoing');
    assert.deepEqual(ongoing.topics.map((t) => [t.topic, [...t.partitions].sort()]), [[TOPIC, [0, 1]]]);
    assert.equal(ongoing.transactionTimeoutMs, 60_000);
    const listed = await c.request(ApiKey.ListTransactions, 1, { stateFilters: ['Ongoing'], producerIdFilters: [p.producerId], durationFilter: -1n });
    assert.deepEqual(listed.transactionStates.map((t) => [t.transactionalId, t.transactionState]), [['raw-commit', 'Ongoing']]);
    assert.equal(await produceTxn(c, p.producerId, p.producerEpoch, 'raw-commit', ['a', 'b']), ErrorCode.NONE);
    assert.equal(await endTxn(c, 'raw-commit', p.producerId, p.producerEpoch, true), ErrorCode.NONE);
    assert.equal((await describeTxn(c, 'raw-commit')).transactionState, 'CompleteCommit');
    // A retried EndTxn is answered as the first one was; the other outcome is INVALID_TXN_STATE.
    assert.equal(await endTxn(c, 'raw-commit', p.producerId, p.producerEpoch, true), ErrorCode.NONE);
    assert.equal(await endTxn(c, 'raw-commit', p.producerId, p.producerEpoch, false), ErrorCode.INVALID_TXN_STATE);
    const d = await describeTxn(c, 'nobody');
    assert.equal(d.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  });

  test('fencing: a second InitProducerId aborts the ongoing transaction; the old epoch gets INVALID_PRODUCER_EPOCH (v1) / PRODUCER_FENCED (v2+)', async () => {
    const old = await initPid(c, 'raw-fence');
    await addPartitions(c, 'raw-fence', old.producerId, old.producerEpoch, [{ name: TOPIC, partitions: [1] }]);
    const first = await initPid(c, 'raw-fence');
    assert.equal(first.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS, 'the ongoing transaction is aborted first');
    assert.equal((await describeTxn(c, 'raw-fence')).transactionState, 'CompleteAbort');
    const next = await initPid(c, 'raw-fence');
    assert.deepEqual([next.errorCode, next.producerEpoch], [ErrorCode.NONE, 2]);
    assert.equal(await endTxn(c, 'raw-fence', old.producerId, old.producerEpoch, true, 1), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(await endTxn(c, 'raw-fence', old.producerId, old.producerEpoch, true, 3), ErrorCode.PRODUCER_FENCED);
    const added = await addPartitions(c, 'raw-fence', old.producerId, old.producerEpoch, [{ name: TOPIC, partitions: [0] }], 1);
    assert.deepEqual(added, [[TOPIC, 0, ErrorCode.INVALID_PRODUCER_EPOCH]]);
    const v4 = await c.request(ApiKey.InitProducerId, 4, { transactionalId: 'raw-fence', transactionTimeoutMs: 60_000, producerId: old.producerId, producerEpoch: old.producerEpoch });
    assert.equal(v4.errorCode, ErrorCode.PRODUCER_FENCED, 'KIP-360 recovery with a stale epoch');
  });

  test('KIP-890 verification: a transactional batch for a partition not in the transaction is INVALID_TXN_STATE', async () => {
    const p = await initPid(c, 'raw-verify');
    await addPartitions(c, 'raw-verify', p.producerId, p.producerEpoch, [{ name: TOPIC, partitions: [0] }]);
    assert.equal(await produceTxn(c, p.producerId, p.producerEpoch, 'raw-verify', ['stray'], 1), ErrorCode.INVALID_TXN_STATE);
    assert.equal(await produceTxn(c, p.producerId, p.producerEpoch, 'raw-verify', ['ok'], 0), ErrorCode.NONE);
    assert.equal(await endTxn(c, 'raw-verify', p.producerId, p.producerEpoch, true), ErrorCode.NONE);
    // After the commit the partition is out of the transaction again: a late batch is refused.
    assert.equal(await produceTxn(c, p.producerId, p.producerEpoch, 'raw-verify', ['late'], 0, 1), ErrorCode.INVALID_TXN_STATE);
  });

  test('a transaction past its timeout is aborted by the coordinator with an epoch bump', async () => {
    const p = await initPid(c, 'raw-timeout', 4, 300);
    await addPartitions(c, 'raw-timeout', p.producerId, p.producerEpoch, [{ name: TOPIC, partitions: [0] }]);
    await eventually(async () => (await describeTxn(c, 'raw-timeout')).transactionState === 'CompleteAbort', 'the timed-out transaction to be aborted');
    const d = await describeTxn(c, 'raw-timeout');
    assert.equal(d.producerEpoch, p.producerEpoch + 1);
    assert.equal(await endTxn(c, 'raw-timeout', p.producerId, p.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
  });

  test('TxnOffsetCommit: UNSTABLE_OFFSET_COMMIT while pending; after a restart only committed transactional offsets apply', async () => {
    const a = await initPid(c, 'raw-offsets-a');
    assert.equal(await txnOffsetCommit(c, 'raw-offsets-a', a.producerId, a.producerEpoch, 'raw-group', 0, 11n), ErrorCode.NONE);
    assert.deepEqual(await stableOffsets(c, 'raw-group'), [
      [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
      [-1n, ErrorCode.NONE],
    ]);
    assert.equal(await endTxn(c, 'raw-offsets-a', a.producerId, a.producerEpoch, true), ErrorCode.NONE);
    assert.deepEqual(await stableOffsets(c, 'raw-group'), [
      [11n, ErrorCode.NONE],
      [-1n, ErrorCode.NONE],
    ]);
    // An aborted commit of partition 0, and one of partition 1 left open across the restart.
    assert.equal(await txnOffsetCommit(c, 'raw-offsets-a', a.producerId, a.producerEpoch, 'raw-group', 0, 99n), ErrorCode.NONE);
    assert.equal(await endTxn(c, 'raw-offsets-a', a.producerId, a.producerEpoch, false), ErrorCode.NONE);
    const b = await initPid(c, 'raw-offsets-b');
    assert.equal(await txnOffsetCommit(c, 'raw-offsets-b', b.producerId, b.producerEpoch, 'raw-group', 1, 22n), ErrorCode.NONE);
    c.close();
    await broker.close();
    await launch();
    assert.deepEqual(await stableOffsets(c, 'raw-group'), [
      [11n, ErrorCode.NONE],
      [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
    ]);
    assert.equal(await endTxn(c, 'raw-offsets-b', b.producerId, b.producerEpoch, true), ErrorCode.NONE);
    assert.deepEqual(await stableOffsets(c, 'raw-group'), [
      [11n, ErrorCode.NONE],
      [22n, ErrorCode.NONE],
    ]);
  });

  test('coordinator state survives a restart: ids, epochs, the ongoing transaction and its partitions', async () => {
    const p = await initPid(c, 'raw-restart');
    await addPartitions(c, 'raw-restart', p.producerId, p.producerEpoch, [{ name: TOPIC, partitions: [1] }]);
    c.close();
    await broker.close();
    await launch();
    const d = await describeTxn(c, 'raw-restart');
    assert.deepEqual([d.errorCode, d.transactionState, d.producerId, d.producerEpoch], [ErrorCode.NONE, 'Ongoing', p.producerId, p.producerEpoch]);
    assert.deepEqual(d.topics.map((t) => [t.topic, t.partitions]), [[TOPIC, [1]]]);
    assert.equal((await describeTxn(c, 'raw-commit')).transactionState, 'CompleteCommit');
    assert.equal(await endTxn(c, 'raw-restart', p.producerId, p.producerEpoch, false), ErrorCode.NONE);
    assert.equal((await describeTxn(c, 'raw-restart')).transactionState, 'CompleteAbort');
    // The next InitProducerId continues from the stored epoch.
    assert.equal((await initPid(c, 'raw-restart')).producerEpoch, p.producerEpoch + 1);
  });
});

describe('kafkajs transactions against the coordinator', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  let admin: Admin;
  const producers: Producer[] = [];
  const producer = async (transactionalId: string, transactionTimeout = 60_000): Promise<Producer> => {
    const p = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true, transactionTimeout, retry: { retries: 3 } });
    producers.push(p);
    await p.connect();
    return p;
  };

  before(async () => {
    broker = await startBroker({ properties: PROPS });
    kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'txn-e2e', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  });
  after(async () => {
    for (const p of producers) await p.disconnect().catch(() => undefined);
    await admin.disconnect();
    await broker.close();
  });

  test('commit with sendOffsets: the group offset is visible only after the commit', async () => {
    const p = await producer('kjs-commit');
    const txn = await p.transaction();
    await txn.send({ topic: TOPIC, messages: [{ value: 'c1' }, { value: 'c2' }] });
    await txn.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '7' }] }] });
    const before = await admin.fetchOffsets({ groupId: 'kjs-group', topics: [TOPIC] });
    assert.equal(before[0]!.partitions.find((x) => x.partition === 0)!.offset, '-1', 'pending transactional offset is not visible');
    assert.equal(broker.services.groups.offsets.hasPendingOffset('kjs-group', TOPIC, 0), true);
    await txn.commit();
    assert.equal(broker.services.transactions.describe('kjs-commit').state, 'CompleteCommit');
    const afterCommit = await admin.fetchOffsets({ groupId: 'kjs-group', topics: [TOPIC] });
    assert.equal(afterCommit[0]!.partitions.find((x) => x.partition === 0)!.offset, '7');
  });

  test('abort with sendOffsets: the offset is dropped', async () => {
    const p = await producer('kjs-abort');
    const txn = await p.transaction();
    await txn.send({ topic: TOPIC, messages: [{ value: 'x' }] });
    await txn.sendOffsets({ consumerGroupId: 'kjs-group-abort', topics: [{ topic: TOPIC, partitions: [{ partition: 1, offset: '3' }] }] });
    await txn.abort();
    assert.equal(broker.services.transactions.describe('kjs-abort').state, 'CompleteAbort');
    assert.equal(broker.services.groups.offsets.hasPendingOffset('kjs-group-abort', TOPIC, 1), false);
    const offsets = await admin.fetchOffsets({ groupId: 'kjs-group-abort', topics: [TOPIC] });
    assert.equal(offsets[0]!.partitions.find((x) => x.partition === 1)!.offset, '-1');
  });

  test('a read_committed consumer sees committed records only, in order', { timeout: 60_000 }, async () => {
    await admin.createTopics({ topics: [{ topic: 'txn-rc', numPartitions: 1 }] });
    const p = await producer('kjs-rc');
    const t1 = await p.transaction();
    await t1.send({ topic: 'txn-rc', messages: [{ value: 'keep-1' }, { value: 'keep-2' }] });
    await t1.commit();
    const t2 = await p.transaction();
    await t2.send({ topic: 'txn-rc', messages: [{ value: 'drop-1' }] });
    await t2.abort();
    const t3 = await p.transaction();
    await t3.send({ topic: 'txn-rc', messages: [{ value: 'keep-3' }] });
    await t3.commit();
    const consumer = kafka.consumer({ groupId: 'rc-reader', readUncommitted: false, sessionTimeout: 10_000, heartbeatInterval: 500 });
    const seen: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: 'txn-rc', fromBeginning: true });
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(String(message.value));
            if (seen.length >= 3) resolve();
          },
        });
      });
      await done;
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(seen, ['keep-1', 'keep-2', 'keep-3']);
  });

  test('a second producer with the same transactional id fences the first', async () => {
    const first = await producer('kjs-fence');
    const txn = await first.transaction();
    await txn.send({ topic: TOPIC, messages: [{ value: 'zombie' }] });
    // kafkajs initializes a transactional producer on its first transaction(): that InitProducerId
    // aborts the first producer's transaction and takes a higher epoch.
    const second = await producer('kjs-fence');
    const next = await second.transaction();
    assert.equal(broker.services.transactions.describe('kjs-fence').producerEpoch, 2);
    await next.abort();
    await assert.rejects(txn.commit(), (e: Error & { type?: string }) => e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED');
  });
});
