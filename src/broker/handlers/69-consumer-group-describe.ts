import { ApiKey } from '../../protocol/messages/index.ts';
import { GROUP_OPERATIONS, OPERATIONS_NOT_REQUESTED } from './authorized-operations.ts';
import { defineHandler } from './handler.ts';

/**
 * ConsumerGroupDescribe (key 69), v0-1: KIP-848 groups with their epochs, assignor, and each member's
 * current and target assignment. A classic or unknown group id answers GROUP_ID_NOT_FOUND, which is
 * how Kafka's Admin client knows to fall back to DescribeGroups. v1 (KIP-1099) adds the member type;
 * every member of a Gregor consumer group joined through ConsumerGroupHeartbeat (classic members are
 * never migrated into one), so it is always 1, "consumer".
 */
const CONSUMER_MEMBER = 1;
export const handler = defineHandler({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    return {
      throttleTimeMs: 0,
      groups: request.groupIds.map((id) => {
        const d = ctx.services.groups.consumer.describe(id);
        return {
          ...d,
          members: d.members.map((m) => ({ ...m, memberType: CONSUMER_MEMBER, assignment: { topicPartitions: m.assignment }, targetAssignment: { topicPartitions: m.targetAssignment } })),
          authorizedOperations: request.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED,
        };
      }),
    };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    groups: request.groupIds.map((groupId) => ({ errorCode, groupId, groupState: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [] })),
  }),
});
