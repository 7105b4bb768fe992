import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { INTERNAL_TOPICS } from '../topic-name.ts';
import { defineHandler } from './handler.ts';

/**
 * AddPartitionsToTxn (key 24), v0-3: the client versions, one transaction per request (v4+ batch
 * transactions and are sent broker-to-broker for KIP-890 verification; not advertised). As in
 * KafkaApis.handleAddPartitionsToTxnRequest, an unknown partition (or an internal topic) fails the
 * whole request: it gets UNKNOWN_TOPIC_OR_PARTITION (TOPIC_AUTHORIZATION_FAILED) and every other
 * partition OPERATION_NOT_ATTEMPTED. Otherwise the
 * coordinator's single answer is reported on every partition; v0-1 see INVALID_PRODUCER_EPOCH
 * instead of PRODUCER_FENCED.
 */
export const handler = defineHandler({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request, version) {
    const partitions = request.v3AndBelowTopics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
    // Kafka leaves internal topics out of the WRITE authorization, so they fail as unauthorized.
    const problem = (topic: string, partition: number): number | undefined => {
      if (INTERNAL_TOPICS.has(topic)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      return ctx.services.metadata.topic(topic)?.partitions.some((p) => p.partition === partition) === true ? undefined : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    };
    let codeOf: (topic: string, partition: number) => number;
    if (partitions.some((tp) => problem(tp.topic, tp.partition) !== undefined)) {
      codeOf = (topic, partition) => problem(topic, partition) ?? ErrorCode.OPERATION_NOT_ATTEMPTED;
    } else {
      const r = await ctx.services.transactions.addPartitions(request.v3AndBelowTransactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, partitions);
      const code = version < 2 && r === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r;
      codeOf = () => code;
    }
    return {
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: request.v3AndBelowTopics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codeOf(t.name, p) })),
      })),
    };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: request.v3AndBelowTopics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorCode })) })),
  }),
});
