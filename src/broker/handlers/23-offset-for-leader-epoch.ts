import { ApiKey, ErrorCode, type OffsetForLeaderEpochResponseEpochEndOffsetInput } from '../../protocol/messages/index.ts';
import { checkLeaderEpoch, lookupPartition } from '../data/partition-lookup.ts';
import { defineHandler } from './handler.ts';

/**
 * OffsetForLeaderEpoch (key 23), v2-4 (KIP-101, KIP-320): the end offset of a leader epoch, which
 * consumers use to detect log truncation after a leader change (librdkafka sends exactly v2, Java
 * validates positions only when v3+ is advertised). Unknown epochs answer -1/-1.
 */
export const handler = defineHandler({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 2,
  maxVersion: 4,
  handle(ctx, request) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => {
        const topic = ctx.services.metadata.topic(t.topic);
        return {
          topic: t.topic,
          partitions: t.partitions.map((p): OffsetForLeaderEpochResponseEpochEndOffsetInput => {
            const failed = (errorCode: number) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1n });
            const lookup = lookupPartition(ctx.services, topic, p.partition);
            if (!lookup.ok) return failed(lookup.errorCode);
            const fenced = checkLeaderEpoch(lookup.led.state, p.currentLeaderEpoch);
            if (fenced !== ErrorCode.NONE) return failed(fenced);
            const end = lookup.led.log.endOffsetForEpoch(p.leaderEpoch);
            return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: end.leaderEpoch, endOffset: end.endOffset };
          }),
        };
      }),
    };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1n })),
    })),
  }),
});
