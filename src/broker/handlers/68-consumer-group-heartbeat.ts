import { ApiKey } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * ConsumerGroupHeartbeat (key 68), v0-1: the KIP-848 consumer rebalance protocol. The coordinator
 * (src/coordinator/group/consumer-group-coordinator.ts) joins, reconciles and removes members and
 * answers with the member epoch and, when it changed or the request was a full one, the assignment
 * by topic id. v1 adds SubscribedTopicRegex and lets the member choose its own id (KIP-1082).
 */
export const handler = defineHandler({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request, version) {
    const r = await ctx.services.groups.consumer.heartbeatAndStore({
      groupId: request.groupId,
      memberId: request.memberId,
      memberEpoch: request.memberEpoch,
      instanceId: request.instanceId,
      rackId: request.rackId,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      subscribedTopicNames: request.subscribedTopicNames,
      subscribedTopicRegex: version >= 1 ? request.subscribedTopicRegex : null,
      serverAssignor: request.serverAssignor,
      topicPartitions: request.topicPartitions,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.connection.remoteAddress}`,
      version,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: r.assignment === null ? null : { topicPartitions: r.assignment },
    };
  },
  errorResponse: (_request, _version, errorCode) => ({ throttleTimeMs: 0, errorCode, memberEpoch: 0, heartbeatIntervalMs: 0 }),
});
