import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { ApiKey, ErrorCode, decodeResponseFrame } from '../../src/protocol/messages/index.ts';
import { buildBatch } from '../../src/protocol/records/index.ts';
import { RawClient } from './broker-raw-client.ts';

/**
 * Idempotent produce over a bare connection (issue #6): InitProducerId, a resent batch answered
 * with its original offset and stored once, sequence and epoch errors, and producer state rebuilt
 * from the log after a restart.
 */

const TOPIC = 'idem';

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, count: number): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`seq-${baseSequence + i}`) }));
  return buildBatch({ producerId, producerEpoch, baseSequence, records });
}

function produceBody(records: Buffer) {
  return { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] };
}

async function produce(c: RawClient, records: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const r = await c.request(ApiKey.Produce, 9, produceBody(records));
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

async function logEnd(c: RawClient): Promise<bigint> {
  const r = await c.request(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
  return r.topics[0]!.partitions[0]!.offset;
}

describe('idempotent produce over a raw connection', () => {
  let dir: string;
  let broker: RunningBroker;
  let c: RawClient;
  const launch = async (): Promise<void> => {
    broker = await startBroker({ properties: { 'log.dirs': dir } });
    c = await RawClient.connect(broker.port);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-idem-'));
    await launch();
    const created = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
  });
  after(async () => {
    c.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('InitProducerId hands out distinct ids with epoch 0; an empty transactional id is INVALID_REQUEST', async () => {
    const a = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    const b = await c.request(ApiKey.InitProducerId, 0, { transactionalId: null, transactionTimeoutMs: 60000 });
    assert.equal(a.errorCode, ErrorCode.NONE);
    assert.equal(a.producerEpoch, 0);
    assert.equal(b.errorCode, ErrorCode.NONE);
    assert.notEqual(a.producerId, b.producerId);
    // Transactional ids are served by the transaction coordinator (test/e2e/txn-coordinator.test.ts).
    const txn = await c.request(ApiKey.InitProducerId, 4, { transactionalId: '', transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    assert.equal(txn.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('a resent batch gets its original offset and is stored once; gaps and old epochs are refused', async () => {
    const init = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    const pid = init.producerId;
    const start = await logEnd(c);
    const first = batch(pid, 0, 0, 3);
    assert.deepEqual(await produce(c, Buffer.from(first)), { errorCode: ErrorCode.NONE, baseOffset: start });
    assert.deepEqual(await produce(c, Buffer.from(first)), { errorCode: ErrorCode.NONE, baseOffset: start });
    assert.deepEqual(await produce(c, batch(pid, 0, 3, 2)), { errorCode: ErrorCode.NONE, baseOffset: start + 3n });
    assert.equal(await logEnd(c), start + 5n);
    // Resent again after a later batch: still within the last five, still the original offset.
    assert.deepEqual(await produce(c, Buffer.from(first)), { errorCode: ErrorCode.NONE, baseOffset: start });
    assert.equal((await produce(c, batch(pid, 0, 9, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await produce(c, batch(pid, 1, 3, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(await produce(c, batch(pid, 1, 0, 1)), { errorCode: ErrorCode.NONE, baseOffset: start + 5n });
    assert.equal((await produce(c, batch(pid, 0, 5, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(await logEnd(c), start + 6n);
  });

  test('pipelined copies of one batch are appended once and all get its offset', async () => {
    const init = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    const start = await logEnd(c);
    const b = batch(init.producerId, 0, 0, 4);
    const index = c.frames.length;
    const ids = [0, 1, 2].map(() => c.send(ApiKey.Produce, 9, produceBody(Buffer.from(b))));
    const frames = await c.waitFrames(index + ids.length);
    for (const [i, id] of ids.entries()) {
      const r = decodeResponseFrame(ApiKey.Produce, 9, frames[index + i]!);
      assert.equal(r.correlationId, id);
      const p = r.body.responses[0]!.partitionResponses[0]!;
      assert.deepEqual({ errorCode: p.errorCode, baseOffset: p.baseOffset }, { errorCode: ErrorCode.NONE, baseOffset: start });
    }
    assert.equal(await logEnd(c), start + 4n);
  });

  test('after a restart, state rebuilt from the log still recognises duplicates and ids are not reused', async () => {
    const init = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    const pid = init.producerId;
    const start = await logEnd(c);
    const b0 = batch(pid, 0, 0, 2);
    const b1 = batch(pid, 0, 2, 2);
    assert.equal((await produce(c, Buffer.from(b0))).baseOffset, start);
    assert.equal((await produce(c, Buffer.from(b1))).baseOffset, start + 2n);
    c.close();
    await broker.close();
    await launch();
    assert.deepEqual(await produce(c, Buffer.from(b1)), { errorCode: ErrorCode.NONE, baseOffset: start + 2n });
    // The clean shutdown wrote a producer snapshot (Kafka's format: one batch per producer), so,
    // as in Kafka, only the producer's last batch is recognised as a duplicate after the restart.
    assert.equal((await produce(c, Buffer.from(b0))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await produce(c, batch(pid, 0, 7, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(await produce(c, batch(pid, 0, 4, 1)), { errorCode: ErrorCode.NONE, baseOffset: start + 4n });
    assert.equal(await logEnd(c), start + 5n);
    const next = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    assert.ok(next.producerId > pid, `a restarted broker reuses no id (${next.producerId} after ${pid})`);
  });
});
