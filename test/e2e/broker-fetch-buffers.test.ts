import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { ApiKey, ErrorCode, decodeResponseFrame } from '../../src/protocol/messages/index.ts';
import { buildBatch, decodeBatches } from '../../src/protocol/records/index.ts';
import { readBufferPool } from '../../src/util/index.ts';
import { RawClient } from './broker-raw-client.ts';

/**
 * Fetch responses carry log bytes read into recycled buffers (src/util/slab-pool.ts); a buffer may
 * serve the next read only after the socket write carrying it has completed. Here one client asks
 * for a large response and does not read it, so most of it waits in the broker's socket queue,
 * while other clients fetch other offsets (taking buffers from the pool) and a producer keeps
 * appending. Every record every client gets must be the one stored at its offset: a buffer
 * recycled early shows up as another offset's bytes or a CRC failure.
 */

const TOPIC = 'fetch-buffers';
const RECORDS_PER_BATCH = 16;
const VALUE_BYTES = 1000;

/** The value stored at `offset`: its number, then filler that differs per offset. */
function valueOf(offset: number): Buffer {
  const v = Buffer.alloc(VALUE_BYTES, offset % 251);
  v.write(`offset-${offset}:`, 0, 'latin1');
  return v;
}

function batchAt(firstOffset: number): Buffer {
  return buildBatch({ records: Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ value: valueOf(firstOffset + i) })) });
}

function produceBody(records: Buffer) {
  return { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] };
}

function fetchBody(offset: bigint, maxBytes: number) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Checks every record of a Fetch v11 response frame against `valueOf`; returns how many there were. */
function checkFetched(frame: Buffer, from: bigint): number {
  const body = decodeResponseFrame(ApiKey.Fetch, 11, frame).body;
  const p = body.responses[0]!.partitions[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE);
  const batches = decodeBatches(p.records ?? Buffer.alloc(0), { verifyCrc: true });
  assert.ok(batches.length > 0, `nothing fetched from ${from}`);
  let n = 0;
  for (const b of batches) {
    for (const r of b.records) {
      const offset = Number(r.offset);
      assert.ok(r.value !== null && r.value.equals(valueOf(offset)), `record at offset ${offset} holds another record's bytes`);
      n++;
    }
  }
  assert.equal(Number(batches[0]!.header.baseOffset) <= Number(from), true);
  return n;
}

describe('fetch buffers are recycled only after their socket write', () => {
  let broker: RunningBroker;
  let producer: RawClient;
  let produced = 0;

  const produce = async (batches: number): Promise<void> => {
    for (let i = 0; i < batches; i++) {
      const r = await producer.request(ApiKey.Produce, 9, produceBody(batchAt(produced)));
      assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
      produced += RECORDS_PER_BATCH;
    }
  };

  before(async () => {
    broker = await startBroker();
    producer = await RawClient.connect(broker.port);
    producer.socket.setNoDelay(true);
    const created = await producer.request(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    await produce(1024); // about 16 MiB
  });
  after(async () => {
    producer.close();
    await broker.close();
  });

  test('a slow reader gets its own bytes while other fetches and appends reuse buffers', async () => {
    const slow = await RawClient.connect(broker.port);
    const fast = await RawClient.connect(broker.port);
    fast.socket.setNoDelay(true);
    try {
      // The slow client stops reading before asking for 8 MiB: the broker can hand the kernel only
      // part of it, and the rest waits in its socket queue.
      slow.socket.pause();
      const acquiredBefore = readBufferPool.stats.acquired;
      slow.send(ApiKey.Fetch, 11, fetchBody(0n, 8 << 20));
      // Let its read finish and its response go to the socket before the other fetches start, so
      // that a slab released too early is the first one they get (a pause, not a measurement: were
      // it too short, the test could only miss the bug, never fail without it).
      while (readBufferPool.stats.acquired === acquiredBefore) await sleep(5);
      await sleep(300);
      const reusedBefore = readBufferPool.stats.reused;
      const appending = produce(64);
      // Same size as the slow fetch, so they draw on the same slabs; three at a time, so that each
      // round takes every free slab of that size (a slab released early among them).
      for (let round = 0; round < 8; round++) {
        const index = fast.frames.length;
        const offsets = [0, 1, 2].map((i) => BigInt((((round * 3 + i) * 7919) % 500) * RECORDS_PER_BATCH));
        for (const from of offsets) fast.send(ApiKey.Fetch, 11, fetchBody(from, 8 << 20));
        const frames = await fast.waitFrames(index + offsets.length);
        offsets.forEach((from, i) => checkFetched(frames[index + i]!, from));
      }
      await appending;
      // The fast reads did recycle buffers, so the slow response was exposed to reuse.
      assert.ok(readBufferPool.stats.reused > reusedBefore, 'the fast fetches never reused a pooled buffer');
      slow.socket.resume();
      const [frame] = await slow.waitFrames(1);
      assert.ok(checkFetched(frame!, 0n) > 4000);
    } finally {
      slow.close();
      fast.close();
    }
  });
});
