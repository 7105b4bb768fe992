import { ApiKey, ErrorCode, type DescribeProducersResponsePartitionResponseInput } from '../../protocol/messages/index.ts';
import { lookupPartition } from '../data/partition-lookup.ts';
import { errorCodeOfStorageFailure } from '../data/storage-errors.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeProducers (key 61), v0 (KIP-664): per partition this broker leads, the producers it
 * keeps state for, with their epoch, last sequence, last timestamp, the coordinator epoch of their
 * last marker and the first offset of their open transaction (-1 when none), as Kafka's
 * ReplicaManager.activeProducerState answers. Errors per partition: UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR.
 */
export const handler = defineHandler({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    const { services } = ctx;
    const topics = [];
    for (const t of request.topics) {
      const partitions: DescribeProducersResponsePartitionResponseInput[] = [];
      for (const partitionIndex of t.partitionIndexes) {
        const found = lookupPartition(services, services.metadata.topic(t.name), partitionIndex);
        if (!found.ok) {
          partitions.push(failed(partitionIndex, found.errorCode));
          continue;
        }
        try {
          const state = services.producers.state.loaded(found.led.log) ?? (await services.producers.state.load(found.led.log));
          partitions.push({
            partitionIndex,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            activeProducers: state.producers().map((p) => ({ ...p })),
          });
        } catch (err) {
          partitions.push(failed(partitionIndex, errorCodeOfStorageFailure(err)));
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((i) => failed(i, errorCode)) })),
  }),
});

function failed(partitionIndex: number, errorCode: number): DescribeProducersResponsePartitionResponseInput {
  return { partitionIndex, errorCode, errorMessage: null, activeProducers: [] };
}
