import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * LeaveGroup (key 13), v0-5. v0-2 name one member; v3+ a batch of members, by member id or, with an
 * empty member id, by group.instance.id (KIP-345). v0-2 have only a top-level error, which is the
 * member's own (Kafka's LeaveGroupResponse for old versions).
 */
export const handler = defineHandler({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request, version) {
    const leaving =
      version >= 3
        ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
        : [{ memberId: request.memberId, groupInstanceId: null }];
    const r = ctx.services.groups.leave(request.groupId, leaving);
    if (version >= 3) {
      return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })) };
    }
    const memberError = r.members[0]?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError, members: [] };
  },
  errorResponse: (_request, _version, errorCode) => ({ errorCode, members: [] }),
});
