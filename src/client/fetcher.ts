import { ApiKey, ErrorCode } from '../protocol/messages/index.ts';
import { decodeBatchesAsync, decodeControlRecord, nextOffsetOf, type DecodedBatch } from '../protocol/records/index.ts';
import type { Broker } from './broker.ts';
import type { Cluster } from './cluster.ts';
import { KafkaError } from './errors.ts';
import type { ConsumedRecord } from './message.ts';

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  offset: bigint;
  /** Per-partition byte limit (max.partition.fetch.bytes, 1 MiB). The broker still returns one whole batch if it is larger (KIP-74). */
  maxBytes?: number;
}

export interface FetchOptions {
  /** How long the broker may wait for `minBytes` (fetch.max.wait.ms; default 500). */
  maxWaitMs?: number;
  minBytes?: number;
  /** Response byte limit (fetch.max.bytes, 50 MiB). */
  maxBytes?: number;
  isolationLevel?: IsolationLevel;
  signal?: AbortSignal;
}

export interface PartitionFetchResult {
  topic: string;
  partition: number;
  errorCode: number;
  records: ConsumedRecord[];
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  /** Where the next fetch starts: past every whole batch returned, including control and aborted ones. */
  nextOffset: bigint;
}

/**
 * One Fetch request to one leader for several of its partitions (sessionless, fetch session id 0,
 * as a KIP-227 client that opts out). Record extraction follows Java's CompletedFetch: a batch may
 * start before the requested offset (compressed batches are returned whole), so earlier records are
 * dropped; a partial trailing batch is ignored; control batches are skipped; with read_committed
 * the records of aborted transactions are dropped using the response's aborted_transactions.
 */
export async function fetchFromBroker(broker: Broker, partitions: readonly FetchPartitionRequest[], options: FetchOptions = {}): Promise<PartitionFetchResult[]> {
  const byTopic = new Map<string, FetchPartitionRequest[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  const maxWaitMs = options.maxWaitMs ?? 500;
  const readCommitted = options.isolationLevel === 'read_committed';
  const response = await broker.request(
    ApiKey.Fetch,
    {
      maxWaitMs,
      minBytes: options.minBytes ?? 1,
      maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
      isolationLevel: readCommitted ? 1 : 0,
      topics: [...byTopic].map(([topic, ps]) => ({
        topic,
        partitions: ps.map((p) => ({ partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: p.maxBytes ?? 1024 * 1024 })),
      })),
    },
    { timeoutMs: maxWaitMs + 30_000, ...(options.signal === undefined ? {} : { signal: options.signal }) },
  );
  if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode, `fetch from ${broker.describe()}`);
  const requested = new Map(partitions.map((p) => [`${p.topic}\0${p.partition}`, p.offset]));
  const results: PartitionFetchResult[] = [];
  for (const t of response.responses) {
    for (const p of t.partitions) {
      const offset = requested.get(`${t.topic}\0${p.partitionIndex}`) ?? 0n;
      const base = {
        topic: t.topic,
        partition: p.partitionIndex,
        errorCode: p.errorCode,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        logStartOffset: p.logStartOffset,
      };
      if (p.errorCode !== ErrorCode.NONE || p.records === null || p.records.length === 0) {
        results.push({ ...base, records: [], nextOffset: offset });
        continue;
      }
      const batches = await decodeBatchesAsync(p.records);
      const { records, nextOffset } = extractRecords(t.topic, p.partitionIndex, offset, batches, readCommitted ? (p.abortedTransactions ?? []) : null);
      results.push({ ...base, records, nextOffset });
    }
  }
  return results;
}

/** Records at or after `offset`, in order, without control records or (when `aborted` is given) aborted ones. */
export function extractRecords(
  topic: string,
  partition: number,
  offset: bigint,
  batches: readonly DecodedBatch[],
  aborted: ReadonlyArray<{ producerId: bigint; firstOffset: bigint }> | null,
): { records: ConsumedRecord[]; nextOffset: bigint } {
  const pendingAborts = aborted === null ? [] : [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const abortedProducers = new Set<bigint>();
  const records: ConsumedRecord[] = [];
  let nextOffset = offset;
  for (const batch of batches) {
    const end = nextOffsetOf(batch.header);
    if (end <= offset) continue;
    if (end > nextOffset) nextOffset = end;
    const lastOffset = end - 1n;
    // Transactions whose first offset is within or before this batch are now open-and-aborted (CompletedFetch.abortedProducerIds).
    while (pendingAborts.length > 0 && pendingAborts[0]!.firstOffset <= lastOffset) abortedProducers.add(pendingAborts.shift()!.producerId);
    if (batch.isControl) {
      const first = batch.records[0];
      if (aborted !== null && first !== undefined && decodeControlRecord(first).type === 'abort') abortedProducers.delete(batch.header.producerId);
      continue;
    }
    if (aborted !== null && batch.isTransactional && abortedProducers.has(batch.header.producerId)) continue;
    for (const r of batch.records) {
      if (r.offset < offset) continue;
      records.push({ topic, partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
    }
  }
  return { records, nextOffset };
}

export interface FetchMessagesRequest extends FetchPartitionRequest, Omit<FetchOptions, 'maxBytes'> {}

/** Fetches one partition from its leader, retrying (with a metadata refresh) on leader changes. */
export async function fetchMessages(cluster: Cluster, request: FetchMessagesRequest): Promise<PartitionFetchResult> {
  return cluster.retry(async () => {
    const broker = await cluster.leaderFor(request.topic, request.partition);
    const [result] = await fetchFromBroker(broker, [request], { ...request, maxBytes: request.maxBytes ?? 1024 * 1024 });
    if (result === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `fetch ${request.topic}-${request.partition}`);
    if (result.errorCode !== ErrorCode.NONE) throw new KafkaError(result.errorCode, `fetch ${request.topic}-${request.partition} at ${request.offset}`);
    return result;
  }, request.signal);
}

/** ListOffsets' special timestamps (KIP-734 max timestamp: -3). */
export const OffsetSpec = { latest: -1n, earliest: -2n, maxTimestamp: -3n } as const;

export interface ListedOffset {
  partition: number;
  offset: bigint;
  timestamp: bigint;
}

/**
 * Offsets of partitions by time (ListOffsets): the first offset whose timestamp is >= `timestamp`,
 * or OffsetSpec.latest / earliest. With read_committed, `latest` is the last stable offset.
 */
export async function listOffsets(
  cluster: Cluster,
  topic: string,
  query: ReadonlyArray<{ partition: number; timestamp: bigint }>,
  isolationLevel: IsolationLevel = 'read_uncommitted',
): Promise<ListedOffset[]> {
  return cluster.retry(async () => {
    const byLeader = new Map<number, Array<{ partition: number; timestamp: bigint }>>();
    for (const q of query) {
      const leader = await cluster.leaderId(topic, q.partition);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), q]);
    }
    const results = await Promise.all(
      [...byLeader].map(async ([leader, qs]) => {
        const r = await cluster.broker(leader).request(ApiKey.ListOffsets, {
          replicaId: -1,
          isolationLevel: isolationLevel === 'read_committed' ? 1 : 0,
          topics: [{ name: topic, partitions: qs.map((q) => ({ partitionIndex: q.partition, timestamp: q.timestamp })) }],
        });
        return r.topics.flatMap((t) =>
          t.partitions.map((p) => {
            if (p.errorCode !== ErrorCode.NONE) throw new KafkaError(p.errorCode, `list offsets of ${topic}-${p.partitionIndex}`);
            return { partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp };
          }),
        );
      }),
    );
    return results.flat().sort((a, b) => a.partition - b.partition);
  });
}
