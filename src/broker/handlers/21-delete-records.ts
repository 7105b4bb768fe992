import { ApiKey, ErrorCode, type DeleteRecordsResponseDeleteRecordsPartitionResultInput } from '../../protocol/messages/index.ts';
import { hasDeletePolicy } from '../../storage/index.ts';
import { lookupPartition } from '../data/partition-lookup.ts';
import { errorCodeOfStorageFailure } from '../data/storage-errors.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/** DeleteRecordsRequest offset -1: delete up to the high watermark (Kafka's HIGH_WATERMARK). */
const HIGH_WATERMARK = -1n;

/**
 * DeleteRecords (key 21), v0-2 (KIP-107): raises the log start offset; whole segments below it go
 * at the next retention pass. Offsets above the high watermark are OFFSET_OUT_OF_RANGE, and a topic
 * whose cleanup.policy lacks `delete` refuses with POLICY_VIOLATION, as Kafka's ReplicaManager does.
 */
export const handler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const topics = [];
    for (const t of request.topics) {
      const partitions = [];
      for (const p of t.partitions) partitions.push(await deletePartition(ctx, t.name, p.partitionIndex, p.offset));
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode })) })),
  }),
});

async function deletePartition(ctx: RequestContext, topic: string, partition: number, offset: bigint): Promise<DeleteRecordsResponseDeleteRecordsPartitionResultInput> {
  const failed = (errorCode: number): DeleteRecordsResponseDeleteRecordsPartitionResultInput => ({ partitionIndex: partition, lowWatermark: -1n, errorCode });
  const lookup = lookupPartition(ctx.services, ctx.services.metadata.topic(topic), partition);
  if (!lookup.ok) return failed(lookup.errorCode);
  const { log } = lookup.led;
  if (!hasDeletePolicy(log.config)) return failed(ErrorCode.POLICY_VIOLATION);
  const target = offset === HIGH_WATERMARK ? log.highWatermark : offset;
  if (target < 0n || target > log.highWatermark) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
  try {
    const lowWatermark = await log.deleteRecords(target);
    return { partitionIndex: partition, lowWatermark, errorCode: ErrorCode.NONE };
  } catch (err) {
    return failed(errorCodeOfStorageFailure(err));
  }
}
