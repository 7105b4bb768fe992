import { ApiKey } from '../../protocol/messages/index.ts';
import { GROUP_OPERATIONS, OPERATIONS_NOT_REQUESTED } from './authorized-operations.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeGroups (key 15), v0-5. An unknown group is described as Dead with no error, as Kafka does;
 * member metadata and assignments are filled only while the group is Stable. v3+ authorized
 * operations (KIP-430), v4+ group.instance.id. A KIP-848 consumer group answers GROUP_ID_NOT_FOUND:
 * it is described by ConsumerGroupDescribe (key 69).
 */
export const handler = defineHandler({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request) {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((id) => {
        const d = ctx.services.groups.describe(id);
        return {
          errorCode: d.errorCode,
          groupId: d.groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocolData,
          members: d.members.map((m) => ({ ...m })),
          authorizedOperations: request.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED,
        };
      }),
    };
  },
  errorResponse: (request, _version, errorCode) => ({
    groups: request.groups.map((groupId) => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] })),
  }),
});
