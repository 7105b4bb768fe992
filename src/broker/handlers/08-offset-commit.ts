import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/**
 * OffsetCommit (key 8), v2-9. Offsets go to the group coordinator, which checks the generation and
 * member (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS) and stores them in
 * `__consumer_offsets`. v2-4 `retention_time_ms` is accepted and ignored: since Kafka 2.1 (KIP-211)
 * offsets expire by `offsets.retention.minutes` after the group empties. Partitions of unknown topics
 * get UNKNOWN_TOPIC_OR_PARTITION, as KafkaApis does. v6+ carry the leader epoch; v7+ group.instance.id.
 */
export const handler = defineHandler({
  apiKey: ApiKey.OffsetCommit,
  // v0-1 are not generated; v2 is the lowest librdkafka < 2.11 and kafka-python need.
  minVersion: 2,
  maxVersion: 9,
  async handle(ctx, request, version) {
    const known = knownPartition(ctx);
    const offsets = request.topics.flatMap((t) =>
      t.partitions
        .filter((p) => known(t.name, p.partitionIndex))
        .map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
        })),
    );
    const results =
      offsets.length === 0
        ? []
        : await ctx.services.groups.offsets.commit({
            groupId: request.groupId,
            generationId: request.generationIdOrMemberEpoch,
            memberId: request.memberId,
            groupInstanceId: version >= 7 ? request.groupInstanceId : null,
            apiVersion: version,
            offsets,
          });
    const codeOf = new Map(results.map((r) => [`${r.topic}\u0000${r.partition}`, r.errorCode]));
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: codeOf.get(`${t.name}\u0000${p.partitionIndex}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  },
  errorResponse: (request, _version, errorCode) => ({
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  }),
});

function knownPartition(ctx: RequestContext): (topic: string, partition: number) => boolean {
  return (topic, partition) => ctx.services.metadata.topic(topic)?.partitions.some((p) => p.partition === partition) ?? false;
}
