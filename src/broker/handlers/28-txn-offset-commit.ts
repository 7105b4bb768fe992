import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import type { PartitionError } from '../../coordinator/index.ts';
import { defineHandler } from './handler.ts';

/**
 * TxnOffsetCommit (key 28), v0-4 (v2 adds the leader epoch, v3 the member fields of KIP-447). The
 * group coordinator writes the offsets as a transactional batch to `__consumer_offsets`; they stay
 * pending until EndTxn's marker reaches that partition. Unknown topics or partitions answer
 * UNKNOWN_TOPIC_OR_PARTITION (KafkaApis.handleTxnOffsetCommitRequest); v0-1 get
 * COORDINATOR_NOT_AVAILABLE instead of COORDINATOR_LOAD_IN_PROGRESS (KAFKA-7296).
 */
export const handler = defineHandler({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const known: PartitionError[] = [];
    const offsets: { topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null }[] = [];
    for (const t of request.topics) {
      const topic = ctx.services.metadata.topic(t.name);
      for (const p of t.partitions) {
        if (topic === undefined || !topic.partitions.some((q) => q.partition === p.partitionIndex)) {
          known.push({ topic: t.name, partition: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        } else offsets.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata });
      }
    }
    const results =
      offsets.length === 0
        ? []
        : await ctx.services.groups.offsets.commitTransactional({
            transactionalId: request.transactionalId,
            groupId: request.groupId,
            producerId: request.producerId,
            producerEpoch: request.producerEpoch,
            generationId: request.generationId,
            memberId: request.memberId,
            groupInstanceId: request.groupInstanceId,
            offsets,
          });
    const byTopic = new Map<string, { partitionIndex: number; errorCode: number }[]>();
    for (const r of [...results, ...known]) {
      let list = byTopic.get(r.topic);
      if (list === undefined) byTopic.set(r.topic, (list = []));
      const errorCode = version < 2 && r.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.COORDINATOR_NOT_AVAILABLE : r.errorCode;
      list.push({ partitionIndex: r.partition, errorCode });
    }
    return { throttleTimeMs: 0, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  }),
});
