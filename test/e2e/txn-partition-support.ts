import { ApiKey, ErrorCode } from '../../src/protocol/messages/index.ts';
import { buildBatch, decodeBatches } from '../../src/protocol/records/index.ts';
import type { RawClient } from './broker-raw-client.ts';

/** Shared by txn-partition.test.ts and its kill -9 child: raw requests for the partition side of transactions. */

export const TOPIC = 'txn-part';

export function txnBatch(producerId: bigint, baseSequence: number, values: string[], opts: { transactional?: boolean; producerEpoch?: number } = {}): Buffer {
  return buildBatch({
    producerId,
    producerEpoch: opts.producerEpoch ?? 0,
    baseSequence,
    isTransactional: opts.transactional ?? true,
    records: values.map((v) => ({ value: Buffer.from(v) })),
  });
}

export function plainBatch(values: string[]): Buffer {
  return buildBatch({ records: values.map((v) => ({ value: Buffer.from(v) })) });
}

export async function createTopic(c: RawClient, name = TOPIC): Promise<void> {
  const r = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
  if (r.topics[0]!.errorCode !== ErrorCode.NONE) throw new Error(`create topic: ${r.topics[0]!.errorCode}`);
}

export async function produce(c: RawClient, records: Buffer, transactionalId: string | null = 'tx'): Promise<{ errorCode: number; baseOffset: bigint }> {
  const r = await c.request(ApiKey.Produce, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

export interface FetchResult {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  aborted: Array<{ producerId: bigint; firstOffset: bigint }> | null;
  /** Every record returned, as `offset:value`, control records as `offset:<control>`. */
  records: string[];
}

export async function fetch(c: RawClient, offset: bigint, readCommitted: boolean, wait: { maxWaitMs?: number; minBytes?: number } = {}): Promise<FetchResult> {
  const r = await c.request(ApiKey.Fetch, 11, {
    maxWaitMs: wait.maxWaitMs ?? 0,
    minBytes: wait.minBytes ?? 0,
    maxBytes: 1 << 20,
    isolationLevel: readCommitted ? 1 : 0,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = r.responses[0]!.partitions[0]!;
  const records: string[] = [];
  for (const b of decodeBatches(p.records ?? Buffer.alloc(0))) {
    for (const rec of b.records) records.push(`${rec.offset}:${b.isControl ? '<control>' : (rec.value?.toString() ?? 'null')}`);
  }
  return {
    errorCode: p.errorCode,
    highWatermark: p.highWatermark,
    lastStableOffset: p.lastStableOffset,
    aborted: p.abortedTransactions === null ? null : p.abortedTransactions.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset })),
    records,
  };
}

export async function latest(c: RawClient, readCommitted: boolean): Promise<bigint> {
  const r = await c.request(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: readCommitted ? 1 : 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
  return r.topics[0]!.partitions[0]!.offset;
}
