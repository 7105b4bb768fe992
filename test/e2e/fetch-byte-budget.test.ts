import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/messages/index.ts';
import { buildBatch, LOG_OVERHEAD } from '../../src/protocol/records/index.ts';
import { compatTargets, startTarget, type Target } from '../peers/target.ts';
import { RawClient } from './broker-raw-client.ts';

/**
 * Fetch's byte budget (Kafka's ReplicaManager.readFromLog): partitions in request order, each given
 * min(partition_max_bytes, what is left of max_bytes), and only the first partition with data may
 * exceed its limit, by one whole batch (KIP-74). Gregor reads a fetch's partitions concurrently
 * (src/broker/handlers/01-fetch.ts), which must not change any of this. The same requests go to
 * Apache Kafka 4.3, which proves the expectations.
 *
 * Kafka may end a partition's bytes with a partial batch (it cuts at the limit); clients drop it.
 * Gregor sends whole batches only. Limits here are whole multiples of the batch size, so both send
 * the same whole batches, and the assertions count those.
 */

const SMALL = buildBatch({ records: [{ value: Buffer.alloc(2900, 's') }] });
const BIG = buildBatch({ records: [{ value: Buffer.alloc(20_000, 'b') }] });
/** Every small batch has this size on the wire and on disk (one record, no key, same value length). */
const S = SMALL.length;

/** Offsets of the whole batches in a partition's records (a partial batch at the end is not counted). */
function wholeBatches(records: Buffer | null): bigint[] {
  const offsets: bigint[] = [];
  let at = 0;
  while (records !== null && at + LOG_OVERHEAD <= records.length) {
    const size = LOG_OVERHEAD + records.readInt32BE(at + 8);
    if (at + size > records.length) break;
    offsets.push(records.readBigInt64BE(at));
    at += size;
  }
  return offsets;
}

interface Want {
  readonly topic: string;
  readonly partition: number;
  readonly offset?: bigint;
}

for (const name of compatTargets()) {
  describe(`Fetch byte budget against ${name}`, () => {
    let target: Target;
    let client: RawClient;

    const produce = async (topic: string, partition: number, batch: Buffer): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        const r = await client.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] });
        const code = r.responses[0]!.partitionResponses[0]!.errorCode;
        if (code === ErrorCode.NONE) return;
        // A new topic's partitions take a moment to get a leader on Kafka.
        if (attempt > 100) assert.fail(`produce to ${topic}-${partition}: error ${code}`);
        await sleep(100);
      }
    };

    /** One Fetch v11 (topic names); returns the whole batches and the error and high watermark per partition. */
    const fetch = async (wants: readonly Want[], maxBytes: number, partitionMaxBytes: number) => {
      const topics: string[] = [];
      for (const w of wants) if (!topics.includes(w.topic)) topics.push(w.topic);
      const r = await client.request(ApiKey.Fetch, 11, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: topics.map((topic) => ({
          topic,
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions: wants
            .filter((w) => w.topic === topic)
            .map((w) => ({ partition: w.partition, currentLeaderEpoch: -1, fetchOffset: w.offset ?? 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      });
      assert.equal(r.errorCode, ErrorCode.NONE);
      const byKey = new Map<string, { batches: bigint[]; errorCode: number; highWatermark: bigint }>();
      for (const t of r.responses) {
        for (const p of t.partitions) byKey.set(`${t.topic}-${p.partitionIndex}`, { batches: wholeBatches(p.records), errorCode: p.errorCode, highWatermark: p.highWatermark });
      }
      return (topic: string, partition: number) => {
        const got = byKey.get(`${topic}-${partition}`);
        assert.ok(got !== undefined, `no answer for ${topic}-${partition}`);
        assert.equal(got.errorCode, ErrorCode.NONE, `${topic}-${partition}`);
        return got;
      };
    };

    before(async () => {
      target = await startTarget(name);
      client = await RawClient.connect(target.port);
      const created = await client.request(ApiKey.CreateTopics, 7, {
        topics: [
          { name: 'budget', numPartitions: 6, replicationFactor: 1, assignments: [], configs: [] },
          { name: 'big', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] },
        ],
        timeoutMs: 10_000,
      });
      for (const t of created.topics) assert.equal(t.errorCode, ErrorCode.NONE, t.name);
      for (let p = 0; p < 6; p++) for (let i = 0; i < 4; i++) await produce('budget', p, SMALL);
      // big-0 stays empty; big-1 and big-2 start with a batch larger than the limits used below.
      await produce('big', 1, BIG);
      await produce('big', 1, SMALL);
      await produce('big', 2, BIG);
    });
    after(async () => {
      client?.close();
      await target?.close();
    });

    test('each partition gets partition_max_bytes of whole batches when max_bytes is ample', async () => {
      const all = [0, 1, 2, 3, 4, 5].map((partition) => ({ topic: 'budget', partition }));
      const answer = await fetch(all, 100 * S, 2 * S);
      for (let p = 0; p < 6; p++) {
        assert.deepEqual(answer('budget', p).batches, [0n, 1n], `budget-${p}`);
        assert.equal(answer('budget', p).highWatermark, 4n);
      }
    });

    test('max_bytes runs out in request order, not partition order; later partitions answer empty with their high watermark', async () => {
      const order = [3, 0, 5, 1].map((partition) => ({ topic: 'budget', partition }));
      const answer = await fetch(order, 5 * S, 2 * S);
      assert.deepEqual(answer('budget', 3).batches, [0n, 1n]);
      assert.deepEqual(answer('budget', 0).batches, [0n, 1n]);
      assert.deepEqual(answer('budget', 5).batches, [0n], 'one batch was left of max_bytes');
      assert.deepEqual(answer('budget', 1).batches, []);
      assert.equal(answer('budget', 1).highWatermark, 4n);
    });

    test('KIP-74: after empty partitions, the first with data sends its first batch even when larger than its limit; a later one does not', async () => {
      const order = [0, 1, 2].map((partition) => ({ topic: 'big', partition }));
      const answer = await fetch(order, 100 * S, S);
      assert.deepEqual(answer('big', 0).batches, []);
      assert.deepEqual(answer('big', 1).batches, [0n], 'the oversized first batch, alone');
      assert.deepEqual(answer('big', 2).batches, [], 'data was already found: no exception for big-2');
      assert.equal(answer('big', 2).highWatermark, 1n);
    });

    test('an oversized first batch spends max_bytes that later partitions would otherwise get', async () => {
      const order = [{ topic: 'big', partition: 1 }, { topic: 'budget', partition: 2 }, { topic: 'budget', partition: 4 }];
      // Without the big batch, budget-2 and budget-4 would each get one small batch.
      const answer = await fetch(order, BIG.length + S / 2, S);
      assert.deepEqual(answer('big', 1).batches, [0n]);
      assert.deepEqual(answer('budget', 2).batches, []);
      assert.deepEqual(answer('budget', 4).batches, []);
      // The same partitions without the big batch in front: the budget is theirs.
      const alone = await fetch(order.slice(1), BIG.length + S / 2, S);
      assert.deepEqual(alone('budget', 2).batches, [0n]);
      assert.deepEqual(alone('budget', 4).batches, [0n]);
    });

    test('fetching from an offset inside the log counts from there', async () => {
      const answer = await fetch([{ topic: 'budget', partition: 4, offset: 3n }, { topic: 'budget', partition: 5, offset: 1n }], 3 * S, 2 * S);
      assert.deepEqual(answer('budget', 4).batches, [3n]);
      assert.deepEqual(answer('budget', 5).batches, [1n, 2n]);
    });
  });
}
