import { ApiKey } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/** Heartbeat (key 12), v0-4: REBALANCE_IN_PROGRESS tells a member to rejoin; v3+ carry group.instance.id. */
export const handler = defineHandler({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request, version) {
    const errorCode = ctx.services.groups.heartbeat({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
    });
    return { throttleTimeMs: 0, errorCode };
  },
  errorResponse: (_request, _version, errorCode) => ({ errorCode }),
});
