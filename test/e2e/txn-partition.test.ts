import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { writeTxnMarkers } from '../../src/broker/data/txn-markers.ts';
import { ApiKey, ErrorCode } from '../../src/protocol/messages/index.ts';
import { RawClient } from './broker-raw-client.ts';
import { TOPIC, createTopic, fetch, latest, plainBatch, produce, txnBatch } from './txn-partition-support.ts';

/**
 * The partition side of transactions (issue #6), without the transaction coordinator: transactional
 * batches produced over the wire, COMMIT/ABORT markers written with writeTxnMarkers (the seam the
 * coordinator calls), read_committed Fetch bounded by the last stable offset with
 * aborted_transactions from the .txnindex, ListOffsets under both isolation levels, and the state
 * rebuilt after a clean restart and after kill -9.
 */

const KEY = `${TOPIC}:0`;
const marker = (producerId: bigint, commit: boolean, producerEpoch = 0) => ({ producerId, producerEpoch, coordinatorEpoch: 0, commit, partitions: [{ topic: TOPIC, partition: 0 }] });

describe('transactions in a partition', () => {
  let dir: string;
  let broker: RunningBroker;
  let c: RawClient;
  const launch = async (): Promise<void> => {
    broker = await startBroker({ properties: { 'log.dirs': dir, 'transaction.partition.verification.enable': 'false' } });
    c = await RawClient.connect(broker.port);
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-txn-part-'));
    await launch();
    await createTopic(c);
  });
  after(async () => {
    c.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('open transactions hold the LSO; markers release it; aborts are listed for read_committed', async () => {
    assert.equal((await produce(c, plainBatch(['plain-0']))).baseOffset, 0n);
    assert.equal((await produce(c, txnBatch(1n, 0, ['p1-a', 'p1-b']))).baseOffset, 1n);
    assert.equal((await produce(c, txnBatch(2n, 0, ['p2-a']))).baseOffset, 3n);
    assert.equal((await produce(c, plainBatch(['plain-4']))).baseOffset, 4n);

    let rc = await fetch(c, 0n, true);
    assert.deepEqual(rc.records, ['0:plain-0'], 'read_committed stops at the first open transaction');
    assert.equal(rc.lastStableOffset, 1n);
    assert.equal(rc.highWatermark, 5n);
    assert.deepEqual(rc.aborted, []);
    const ru = await fetch(c, 0n, false);
    assert.equal(ru.records.length, 5, 'read_uncommitted reads to the high watermark');
    assert.equal(ru.aborted, null);
    assert.equal(ru.lastStableOffset, 1n);
    assert.equal(await latest(c, false), 5n);
    assert.equal(await latest(c, true), 1n);

    const aborted = await writeTxnMarkers(broker.services, marker(1n, false));
    assert.deepEqual([...aborted], [[KEY, ErrorCode.NONE]]);
    rc = await fetch(c, 0n, true);
    assert.equal(rc.lastStableOffset, 3n, 'producer 2 still holds the LSO');
    assert.deepEqual(rc.records, ['0:plain-0', '1:p1-a', '2:p1-b']);
    assert.deepEqual(rc.aborted, [{ producerId: 1n, firstOffset: 1n }]);
    assert.ok(existsSync(join(dir, `${TOPIC}-0`, '00000000000000000000.txnindex')));

    assert.deepEqual([...(await writeTxnMarkers(broker.services, marker(2n, true)))], [[KEY, ErrorCode.NONE]]);
    rc = await fetch(c, 0n, true);
    assert.equal(rc.lastStableOffset, 7n);
    assert.deepEqual(rc.records, ['0:plain-0', '1:p1-a', '2:p1-b', '3:p2-a', '4:plain-4', '5:<control>', '6:<control>']);
    assert.deepEqual(rc.aborted, [{ producerId: 1n, firstOffset: 1n }], 'only the aborted transaction');
    assert.deepEqual((await fetch(c, 6n, true)).aborted, [], 'an abort whose marker is before the fetch offset is not listed');
    assert.equal(await latest(c, true), 7n);
  });

  test('Kafka errors: fenced marker, unknown partition, non-transactional write inside a transaction, transactional write without transactional id', async () => {
    assert.equal((await produce(c, txnBatch(5n, 0, ['p5-a'], { producerEpoch: 2 }))).errorCode, ErrorCode.NONE);
    assert.equal((await produce(c, txnBatch(5n, 1, ['p5-b'], { transactional: false, producerEpoch: 2 }))).errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal((await produce(c, txnBatch(5n, 1, ['p5-b'], { producerEpoch: 1 }))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal((await produce(c, txnBatch(6n, 0, ['p6']), null)).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.equal((await produce(c, txnBatch(-1n, -1, ['nopid']))).errorCode, ErrorCode.INVALID_RECORD);
    const fenced = await writeTxnMarkers(broker.services, marker(5n, false, 1));
    assert.equal(fenced.get(KEY), ErrorCode.INVALID_PRODUCER_EPOCH);
    const unknown = await writeTxnMarkers(broker.services, { ...marker(5n, false, 2), partitions: [{ topic: 'nope', partition: 0 }, { topic: TOPIC, partition: 7 }] });
    assert.deepEqual([...unknown].sort(), [
      ['nope:0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [`${TOPIC}:7`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    assert.equal(await latest(c, true), 7n, 'producer 5 holds the LSO at its first offset');
    assert.equal((await writeTxnMarkers(broker.services, marker(5n, false, 2))).get(KEY), ErrorCode.NONE);
    assert.equal(await latest(c, true), await latest(c, false));
  });

  test('a read_committed long poll wakes when a marker moves the LSO', async () => {
    const end = await latest(c, false);
    assert.equal((await produce(c, txnBatch(7n, 0, ['p7-a']))).baseOffset, end);
    const polling = fetch(c, end, true, { maxWaitMs: 30_000, minBytes: 1 });
    // Park the fetch before releasing it (a partition watch waiter exists).
    while ((await import('../../src/broker/data/partition-watch.ts')).partitionWatchOf(broker.services).waiting === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await writeTxnMarkers(broker.services, marker(7n, true))).get(KEY), ErrorCode.NONE);
    const got = await polling;
    assert.deepEqual(got.records.slice(0, 1), [`${end}:p7-a`]);
  });

  test('DescribeProducers lists epochs, sequences and open transactions', async () => {
    const end = await latest(c, false);
    assert.equal((await produce(c, txnBatch(8n, 0, ['p8-a', 'p8-b'], { producerEpoch: 3 }))).errorCode, ErrorCode.NONE);
    const r = await c.request(ApiKey.DescribeProducers, 0, { topics: [{ name: TOPIC, partitionIndexes: [0, 9] }] });
    const [p0, p9] = r.topics[0]!.partitions;
    assert.equal(p0!.errorCode, ErrorCode.NONE);
    assert.equal(p9!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const p8 = p0!.activeProducers.find((p) => p.producerId === 8n);
    assert.deepEqual({ ...p8, lastTimestamp: 0n }, { producerId: 8n, producerEpoch: 3, lastSequence: 1, lastTimestamp: 0n, coordinatorEpoch: -1, currentTxnStartOffset: end });
    const p1 = p0!.activeProducers.find((p) => p.producerId === 1n);
    assert.equal(p1?.currentTxnStartOffset, -1n);
    assert.equal(p1?.coordinatorEpoch, 0);
  });

  test('after a clean restart the open transaction still holds the LSO and aborts are still listed', async () => {
    const lso = await latest(c, true);
    const hw = await latest(c, false);
    assert.ok(lso < hw);
    c.close();
    await broker.close();
    await launch();
    assert.equal(await latest(c, true), lso);
    assert.equal(await latest(c, false), hw);
    assert.deepEqual((await fetch(c, 0n, true)).aborted, [{ producerId: 1n, firstOffset: 1n }, { producerId: 5n, firstOffset: 7n }]);
    assert.equal((await writeTxnMarkers(broker.services, marker(8n, false, 3))).get(KEY), ErrorCode.NONE);
    assert.equal(await latest(c, true), hw + 1n);
  });
});

test('kill -9 after an ABORT marker but before its .txnindex entry: the restart restores the entry, an open transaction stays open', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-txn-kill9-'));
  try {
    const child = spawn(process.execPath, [new URL('./txn-partition-child.ts', import.meta.url).pathname, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => output.includes('READY\n') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}:\n${output}`)));
    });
    child.kill('SIGKILL');
    await exited;
    const partDir = join(dir, `${TOPIC}-0`);
    const broker = await startBroker({ properties: { 'log.dirs': dir, 'transaction.partition.verification.enable': 'false' } });
    const c = await RawClient.connect(broker.port);
    try {
      assert.equal(await latest(c, false), 6n);
      assert.equal(await latest(c, true), 5n, 'producer 3 is still open at offset 5');
      const rc = await fetch(c, 0n, true);
      assert.deepEqual(rc.aborted, [{ producerId: 1n, firstOffset: 0n }, { producerId: 2n, firstOffset: 3n }]);
      assert.deepEqual(rc.records, ['0:p1-a', '1:p1-b', '2:<control>', '3:p2-a', '4:<control>']);
      const { TxnIndex } = await import('../../src/storage/log/txn-index.ts');
      const entries = await new TxnIndex(join(partDir, '00000000000000000000.txnindex')).entries();
      assert.deepEqual(entries.map((e) => [e.producerId, e.firstOffset, e.lastOffset, e.lastStableOffset]), [
        [1n, 0n, 2n, 3n],
        [2n, 3n, 4n, 5n],
      ]);
    } finally {
      c.close();
      await broker.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
