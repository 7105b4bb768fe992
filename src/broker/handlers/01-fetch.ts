import type { TopicState } from '../../cluster/index.ts';
import {
  ApiKey,
  ErrorCode,
  EMPTY_BUFFER,
  type FetchRequest,
  type FetchRequestFetchPartition,
  type FetchResponseFetchableTopicResponseInput,
  type FetchResponsePartitionDataInput,
} from '../../protocol/messages/index.ts';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchHeader } from '../../protocol/records/index.ts';
import { lastStableOffset } from '../data/fetchable-offset.ts';
import { checkLeaderEpoch, lookupPartition } from '../data/partition-lookup.ts';
import { PartitionWatch, partitionWatchOf } from '../data/partition-watch.ts';
import { errorCodeOfStorageFailure } from '../data/storage-errors.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/** FetchRequest.isolation_level: 1 = READ_COMMITTED (KIP-98). */
const READ_COMMITTED = 1;

/**
 * Fetch (key 1), v4-16. Reads whole batches from the one holding the fetch offset up to the high
 * watermark (the last stable offset under read_committed, with the aborted transactions read), within
 * `partition_max_bytes` and `max_bytes`, but always the first batch found even when larger (KIP-74,
 * or consumers stall). Records are never null: an empty partition answers zero bytes, which
 * librdkafka 2.0.2 needs (KAFKA-18646). When fewer than `min_bytes` are ready the request waits up to
 * `max_wait_ms` for a produce to one of its partitions (Kafka's DelayedFetch), then answers whatever
 * is there. Fetch sessions (KIP-227) are declined: session id 0 makes clients send full requests.
 */
export const handler = defineHandler({
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 16,
  async handle(ctx, request, version) {
    if (request.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const watch = partitionWatchOf(ctx.services);
    const deadline = ctx.services.clock.now() + Math.max(0, request.maxWaitMs);
    for (;;) {
      const round = await readAll(ctx, request, version);
      const now = ctx.services.clock.now();
      if (round.bytes >= request.minBytes || round.anyError || now >= deadline || ctx.signal.aborted) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: round.responses };
      }
      await watch.wait(round.keys, deadline - now, ctx.signal);
    }
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    errorCode,
    sessionId: 0,
    responses: request.topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => failed(p.partition, errorCode)),
    })),
  }),
});

interface Round {
  responses: FetchResponseFetchableTopicResponseInput[];
  bytes: number;
  anyError: boolean;
  /** Partitions read, for waking the long poll. */
  keys: string[];
}

/** One requested partition, in request order. */
interface Slot {
  readonly topicIndex: number;
  readonly topic: TopicState | undefined;
  readonly p: FetchRequestFetchPartition;
}

/**
 * Reads the partitions in request order under Kafka's budget rules (ReplicaManager.readFromLog):
 * each gets min(partition_max_bytes, what max_bytes has left), and the first partition with data
 * gets its first batch even when larger (KIP-74). Partitions whose limits fit in what is left are
 * read concurrently, a wave at a time, so a 16-partition fetch is not 16 thread-pool round trips
 * one after another; the limits each gets are the ones a sequential read would have given. Only
 * the KIP-74 case differs: a wave reads its later partitions without the first-batch rule, so when
 * nothing came before one of them and its first batch did not fit, it is read again with the rule;
 * whenever such a batch overspends its limit, the rest of the wave is read again after it.
 */
async function readAll(ctx: RequestContext, request: FetchRequest, version: number): Promise<Round> {
  const readCommitted = request.isolationLevel === READ_COMMITTED;
  const unknownTopic = version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const slots: Slot[] = [];
  const responses: FetchResponseFetchableTopicResponseInput[] = [];
  for (const t of request.topics) {
    const topic = version >= 13 ? ctx.services.metadata.topicById(t.topicId) : ctx.services.metadata.topic(t.topic);
    for (const p of t.partitions) slots.push({ topicIndex: responses.length, topic, p });
    responses.push({ topic: topic?.name ?? t.topic, topicId: t.topicId, partitions: [] });
  }
  const round: Round = { responses, bytes: 0, anyError: false, keys: [] };
  let remaining = request.maxBytes;
  let minOneBatch = true;
  const read = (slot: Slot, first: boolean): Promise<PartitionAnswer> =>
    readPartition(ctx, slot.topic, slot.p, { remaining, minOneBatch: first && minOneBatch, readCommitted, unknownTopic });
  let i = 0;
  while (i < slots.length) {
    const wave = waveFrom(slots, i, remaining);
    const limits = wave.map((slot) => limitOf(slot, remaining));
    const answers = await Promise.all(wave.map((slot, k) => read(slot, k === 0)));
    for (let k = 0; k < wave.length; k++) {
      const slot = wave[k]!;
      let answer = answers[k]!;
      if (k > 0 && minOneBatch && answer.starved) answer = await read(slot, true);
      responses[slot.topicIndex]!.partitions.push(answer.data);
      if (answer.data.errorCode !== ErrorCode.NONE) round.anyError = true;
      if (slot.topic !== undefined) round.keys.push(PartitionWatch.key(slot.topic.name, slot.p.partition));
      if (answer.size > 0) {
        remaining -= answer.size;
        round.bytes += answer.size;
        minOneBatch = false;
      }
      i++;
      // A first batch larger than its limit (KIP-74) spent budget the rest of the wave was read
      // with: read those again with what is left.
      if (answer.size > limits[k]!) break;
    }
  }
  return round;
}

/** The most a partition may return when `remaining` of max_bytes is left, the first-batch rule aside. */
function limitOf(slot: Slot, remaining: number): number {
  return Math.max(0, Math.min(slot.p.partitionMaxBytes, remaining));
}

/** Slots from `start` whose limits, all granted in full, fit in `remaining`; at least one. */
function waveFrom(slots: readonly Slot[], start: number, remaining: number): Slot[] {
  let planned = limitOf(slots[start]!, remaining);
  let end = start + 1;
  while (end < slots.length && planned + limitOf(slots[end]!, remaining) <= Math.max(0, remaining)) {
    planned += limitOf(slots[end]!, remaining);
    end++;
  }
  return slots.slice(start, end);
}

interface PartitionAnswer {
  readonly data: FetchResponsePartitionDataInput;
  readonly size: number;
  /** Records were there below the bound but none fitted the limit: the first-batch rule would have sent one. */
  readonly starved: boolean;
}

function failed(partitionIndex: number, errorCode: number): FetchResponsePartitionDataInput {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    records: EMPTY_BUFFER,
  };
}

async function readPartition(
  ctx: RequestContext,
  topic: TopicState | undefined,
  p: FetchRequestFetchPartition,
  opts: { remaining: number; minOneBatch: boolean; readCommitted: boolean; unknownTopic: number },
): Promise<PartitionAnswer> {
  if (topic === undefined) return { data: failed(p.partition, opts.unknownTopic), size: 0, starved: false };
  const found = lookupPartition(ctx.services, topic, p.partition);
  if (!found.ok) return { data: failed(p.partition, found.errorCode), size: 0, starved: false };
  const { log, state } = found.led;
  const fenced = checkLeaderEpoch(state, p.currentLeaderEpoch);
  if (fenced !== ErrorCode.NONE) return { data: failed(p.partition, fenced), size: 0, starved: false };
  const maxBytes = Math.max(0, Math.min(p.partitionMaxBytes, opts.remaining));
  try {
    // Once the response is full, later partitions still validate their offsets but read nothing,
    // unless nothing was found yet (KIP-74: the first batch goes out whatever its size).
    const lso = await lastStableOffset(ctx.services, log);
    const bound = opts.readCommitted ? lso : log.highWatermark;
    const result = await log.read(p.fetchOffset, maxBytes, { minOneBatch: opts.minOneBatch, upToOffset: bound });
    const records = result.bytes;
    // Apache sends null under read_uncommitted and, under read_committed, the aborted transactions
    // with data in the range read (UnifiedLog.collectAbortedTransactions up to the end of the last
    // batch returned), so the consumer drops their batches without waiting for the markers.
    let abortedTransactions: Array<{ producerId: bigint; firstOffset: bigint }> | null = null;
    if (opts.readCommitted) {
      const end = endOffsetOf(records);
      const aborted = end === undefined ? [] : await log.collectAbortedTransactions(p.fetchOffset, end);
      abortedTransactions = aborted.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset }));
    }
    return {
      data: {
        partitionIndex: p.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: result.highWatermark,
        lastStableOffset: lso,
        logStartOffset: result.logStartOffset,
        abortedTransactions,
        preferredReadReplica: -1,
        records,
      },
      size: records.length,
      starved: records.length === 0 && p.fetchOffset < bound,
    };
  } catch (err) {
    const code = errorCodeOfStorageFailure(err);
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      const lso = await lastStableOffset(ctx.services, log).catch(() => log.highWatermark);
      return { data: { ...failed(p.partition, code), highWatermark: log.highWatermark, lastStableOffset: lso, logStartOffset: log.logStartOffset }, size: 0, starved: false };
    }
    ctx.services.logger.error('fetch read failed', { topic: topic.name, partition: p.partition, error: String(err) });
    return { data: failed(p.partition, code), size: 0, starved: false };
  }
}

/** One past the last offset of the last whole batch in `records`; undefined when there is none. */
function endOffsetOf(records: Buffer): bigint | undefined {
  let at = 0;
  let end: bigint | undefined;
  while (at + BATCH_HEADER_SIZE <= records.length) {
    const h = readBatchHeader(records, at);
    if (at + LOG_OVERHEAD + h.batchLength > records.length) break;
    end = h.baseOffset + BigInt(h.lastOffsetDelta) + 1n;
    at += LOG_OVERHEAD + h.batchLength;
  }
  return end;
}
