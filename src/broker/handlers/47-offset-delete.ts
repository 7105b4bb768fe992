import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * OffsetDelete (key 47), v0 (KIP-496): removes committed offsets of topics the group does not
 * subscribe to (GROUP_SUBSCRIBED_TO_TOPIC for those it does). Unknown topics are refused per partition,
 * as in Kafka's KafkaApis.
 */
export const handler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    const { metadata, groups } = ctx.services;
    const known = (topic: string, partition: number): boolean => metadata.topic(topic)?.partitions.some((p) => p.partition === partition) ?? false;
    const wanted = request.topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionIndex).filter((p) => known(t.name, p)) }));
    const r = await groups.offsets.delete(request.groupId, wanted);
    const codeOf = new Map(r.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p.errorCode]));
    return {
      errorCode: r.errorCode,
      throttleTimeMs: 0,
      topics:
        r.errorCode === ErrorCode.NONE
          ? request.topics.map((t) => ({
              name: t.name,
              partitions: t.partitions.map((p) => ({
                partitionIndex: p.partitionIndex,
                errorCode: known(t.name, p.partitionIndex) ? (codeOf.get(`${t.name}\u0000${p.partitionIndex}`) ?? ErrorCode.NONE) : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              })),
            }))
          : [],
    };
  },
  errorResponse: (_request, _version, errorCode) => ({ errorCode, throttleTimeMs: 0, topics: [] }),
});
