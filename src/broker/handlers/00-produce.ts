import {
  ApiKey,
  ErrorCode,
  type ProduceRequest,
  type ProduceRequestPartitionProduceData,
  type ProduceResponsePartitionProduceResponseInput,
  type ProduceResponseTopicProduceResponseInput,
} from '../../protocol/messages/index.ts';
import type { PartitionProducerState } from '../../coordinator/index.ts';
import { Attributes, BATCH_HEADER_SIZE, LOG_OVERHEAD, isBatchCrcValid, readBatchHeader } from '../../protocol/records/index.ts';
import { hasCompactPolicy, type Durability } from '../../storage/index.ts';
import { durabilityFor } from '../data/durability.ts';
import { lookupPartition } from '../data/partition-lookup.ts';
import { partitionWatchOf } from '../data/partition-watch.ts';
import { validateProduceRecords } from '../data/produce-validation.ts';
import { verifyTransactionalBatch } from '../data/txn-verification.ts';
import { errorCodeOfStorageFailure } from '../data/storage-errors.ts';
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler, type RequestContext } from './handler.ts';

const VALID_ACKS = new Set([-1, 0, 1]);

/**
 * Produce (key 0). Served v3-11 (record batch v2); advertised from v0 because librdkafka before
 * 2.11.1 enables compression only when Produce v0 is in range — Apache 4.0 does the same and
 * refuses v0-2 when they arrive (KAFKA-18659). Partitions of one request append concurrently; each
 * answers after its write is as durable as its acks ask (see data/durability.ts). acks=0 gets no
 * response, or a closed connection when something failed (KafkaApis.handleProduceRequest).
 */
export const handler = defineHandler({
  apiKey: ApiKey.Produce,
  advertisedMinVersion: 0,
  minVersion: 3,
  maxVersion: 11,
  async handle(ctx, request, version) {
    // KafkaApis.handleProduceRequest: transactional records need a transactional_id (and WRITE on
    // it, always granted here); without one the whole request fails.
    if (request.transactionalId === null && hasTransactionalRecords(request.topicData)) {
      return errorAll(request.topicData, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const acksValid = VALID_ACKS.has(request.acks);
    const responses: ProduceResponseTopicProduceResponseInput[] = await Promise.all(
      request.topicData.map(async (t) => ({
        name: t.name,
        partitionResponses: await Promise.all(
          t.partitionData.map((p) =>
            acksValid ? producePartition(ctx, t.name, p, request.acks, version, request.transactionalId) : failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS),
          ),
        ),
      })),
    );
    if (request.acks === 0) {
      const anyError = responses.some((t) => t.partitionResponses.some((p) => p.errorCode !== ErrorCode.NONE));
      return anyError ? CLOSE_CONNECTION : NO_RESPONSE;
    }
    return { responses, throttleTimeMs: 0 };
  },
  errorResponse: (request, _version, errorCode) => errorAll(request.topicData, errorCode),
});

function errorAll(topicData: ProduceRequest['topicData'], errorCode: number): { throttleTimeMs: number; responses: ProduceResponseTopicProduceResponseInput[] } {
  return {
    throttleTimeMs: 0,
    responses: topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => failed(p.index, errorCode)) })),
  };
}

/**
 * RequestUtils.hasTransactionalRecords: whether the first batch of any partition is transactional.
 * Only an intact batch counts (its CRC covers the attributes): a corrupt one is answered
 * CORRUPT_MESSAGE by its partition rather than failing the whole request on a flipped bit.
 */
function hasTransactionalRecords(topicData: ProduceRequest['topicData']): boolean {
  return topicData.some((t) =>
    t.partitionData.some((p) => {
      if (p.records === null || p.records.length < BATCH_HEADER_SIZE) return false;
      const h = readBatchHeader(p.records, 0);
      return (h.attributes & Attributes.transactional) !== 0 && h.batchLength >= BATCH_HEADER_SIZE - LOG_OVERHEAD && LOG_OVERHEAD + h.batchLength <= p.records.length && isBatchCrcValid(p.records, 0);
    }),
  );
}

function failed(index: number, errorCode: number, errorMessage: string | null = null): ProduceResponsePartitionProduceResponseInput {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage };
}

async function producePartition(
  ctx: RequestContext,
  topicName: string,
  p: ProduceRequestPartitionProduceData,
  acks: number,
  version: number,
  transactionalId: string | null,
): Promise<ProduceResponsePartitionProduceResponseInput> {
  const { services } = ctx;
  const found = lookupPartition(services, services.metadata.topic(topicName), p.index);
  if (!found.ok) return failed(p.index, found.errorCode);
  const { log, state } = found.led;
  // Internal topics (__consumer_offsets) are written by the coordinators only (ReplicaManager's
  // "Cannot append to internal topic").
  if (found.led.topic.isInternal) return failed(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topicName}`);
  const rejection = validateProduceRecords(p.records, version, hasCompactPolicy(log.config));
  if (rejection !== undefined) {
    return { ...failed(p.index, rejection.errorCode, rejection.errorMessage), recordErrors: [...(rejection.recordErrors ?? [])] };
  }
  const durability: Durability = durabilityFor(services.config, acks, state.replicas.length);
  try {
    // Idempotent producers (producerId >= 0): sequence and epoch checks against the partition's
    // producer state (coordinator/producer). Nothing may be awaited between `check` and `log.append`:
    // the append queue then orders batches exactly as they were checked.
    const header = readBatchHeader(p.records!, 0);
    if ((header.attributes & Attributes.transactional) !== 0 && header.producerId < 0n) {
      // Kafka would append it without producer state; a transaction without a producer id can never
      // be completed by a marker, so it would hold the LSO back for good. Refused as malformed.
      return failed(p.index, ErrorCode.INVALID_RECORD, 'Transactional batches must carry a producer id and epoch.');
    }
    let producerState: PartitionProducerState | undefined;
    if (header.producerId >= 0n) {
      producerState = services.producers.state.loaded(log) ?? (await services.producers.state.load(log));
      const verdict = producerState.check(header);
      if (verdict.kind === 'error') return failed(p.index, verdict.errorCode, verdict.errorMessage);
      if (verdict.kind === 'duplicate') {
        // A retried batch: Kafka answers NONE with the offset it was first written at and appends nothing.
        const original = await verdict.offsets;
        return { ...failed(p.index, ErrorCode.NONE), baseOffset: original.baseOffset, logStartOffset: log.logStartOffset };
      }
    }
    // KIP-890 part 1: a transactional batch whose partition the coordinator has not added to the
    // producer's transaction is refused before it is appended (synchronous: nothing is awaited
    // between check and append).
    if ((header.attributes & Attributes.transactional) !== 0 && producerState !== undefined) {
      const unverified = verifyTransactionalBatch(services, transactionalId, topicName, p.index, header, producerState);
      if (unverified !== undefined) return failed(p.index, unverified.errorCode, unverified.errorMessage);
    }
    // validateProduceRecords has checked every CRC already.
    const logEndOffset = log.logEndOffset;
    const appended = log.append(p.records!, { requiredDurability: durability, leaderEpoch: state.leaderEpoch, verifyCrc: false });
    producerState?.record(header, appended, logEndOffset);
    const result = await appended;
    // A single replica is the whole ISR: the high watermark follows the log end at once.
    log.maybeIncrementHighWatermark(result.lastOffset + 1n);
    partitionWatchOf(services).notify(topicName, p.index);
    return {
      index: p.index,
      errorCode: ErrorCode.NONE,
      baseOffset: result.baseOffset,
      logAppendTimeMs: result.logAppendTime,
      logStartOffset: result.logStartOffset,
      recordErrors: [],
      errorMessage: null,
    };
  } catch (err) {
    const code = errorCodeOfStorageFailure(err);
    if (code === ErrorCode.KAFKA_STORAGE_ERROR) services.logger.error('produce append failed', { topic: topicName, partition: p.index, error: String(err) });
    return failed(p.index, code, err instanceof Error ? err.message : null);
  }
}
