import {
  ApiKey,
  ErrorCode,
  type ListOffsetsRequestListOffsetsPartition,
  type ListOffsetsResponseListOffsetsPartitionResponseInput,
} from '../../protocol/messages/index.ts';
import type { PartitionLog } from '../../storage/index.ts';
import { lastFetchableOffset } from '../data/fetchable-offset.ts';
import { checkLeaderEpoch, lookupPartition } from '../data/partition-lookup.ts';
import { errorCodeOfStorageFailure } from '../data/storage-errors.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/** Special timestamps of ListOffsets (ListOffsetsRequest.java). */
const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n; // v7+, KIP-734
const EARLIEST_LOCAL = -4n; // v8+, KIP-405
const LATEST_TIERED = -5n; // v9+, KIP-1005

const READ_COMMITTED = 1;

/**
 * ListOffsets (key 2), v1-9 (v0's offset lists are a different API and are not served). Latest is
 * the high watermark, or the last stable offset under read_committed; earliest the log start;
 * timestamp lookups see only records below that bound and answer -1/-1 when none qualifies
 * (Kafka's Partition.fetchOffsetForTimestamp). Without tiered storage, earliest-local is the log
 * start and latest-tiered is -1.
 */
export const handler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 9,
  async handle(ctx, request) {
    const readCommitted = request.isolationLevel === READ_COMMITTED;
    const topics = [];
    for (const t of request.topics) {
      const partitions = [];
      for (const p of t.partitions) partitions.push(await listPartition(ctx, t.name, p, readCommitted));
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => failed(p.partitionIndex, errorCode)) })),
  }),
});

function failed(partitionIndex: number, errorCode: number): ListOffsetsResponseListOffsetsPartitionResponseInput {
  return { partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
}

function found(partitionIndex: number, timestamp: bigint, offset: bigint, leaderEpoch: number): ListOffsetsResponseListOffsetsPartitionResponseInput {
  return { partitionIndex, errorCode: ErrorCode.NONE, timestamp, offset, leaderEpoch };
}

async function listPartition(
  ctx: RequestContext,
  topicName: string,
  p: ListOffsetsRequestListOffsetsPartition,
  readCommitted: boolean,
): Promise<ListOffsetsResponseListOffsetsPartitionResponseInput> {
  const lookup = lookupPartition(ctx.services, ctx.services.metadata.topic(topicName), p.partitionIndex);
  if (!lookup.ok) return failed(p.partitionIndex, lookup.errorCode);
  const { log, state } = lookup.led;
  const fenced = checkLeaderEpoch(state, p.currentLeaderEpoch);
  if (fenced !== ErrorCode.NONE) return failed(p.partitionIndex, fenced);
  try {
    const fetchable = await lastFetchableOffset(ctx.services, log, readCommitted);
    switch (p.timestamp) {
      case LATEST:
        return found(p.partitionIndex, -1n, fetchable, latestEpoch(log));
      case EARLIEST:
      case EARLIEST_LOCAL:
        return found(p.partitionIndex, -1n, log.logStartOffset, log.leaderEpochs.epochForOffset(Number(log.logStartOffset)));
      case LATEST_TIERED:
        return found(p.partitionIndex, -1n, -1n, -1);
      case MAX_TIMESTAMP: {
        const max = await log.maxTimestampOffset();
        if (max === undefined || max.offset >= fetchable) return found(p.partitionIndex, -1n, -1n, -1);
        return found(p.partitionIndex, max.timestamp, max.offset, max.leaderEpoch);
      }
      default: {
        if (p.timestamp < 0n) return failed(p.partitionIndex, ErrorCode.INVALID_REQUEST);
        const hit = await log.offsetForTimestamp(p.timestamp);
        if (hit === undefined || hit.offset >= fetchable) return found(p.partitionIndex, -1n, -1n, -1);
        return found(p.partitionIndex, hit.timestamp, hit.offset, hit.leaderEpoch);
      }
    }
  } catch (err) {
    return failed(p.partitionIndex, errorCodeOfStorageFailure(err));
  }
}

/** Kafka answers latest with the newest epoch in the leader-epoch cache, -1 for an empty cache. */
function latestEpoch(log: PartitionLog): number {
  return log.leaderEpochs.latestEpoch();
}
