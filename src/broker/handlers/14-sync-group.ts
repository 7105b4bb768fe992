import { ApiKey } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * SyncGroup (key 14), v0-5, parked until the leader's assignment is stored. Each member gets exactly
 * the bytes the leader sent for it (empty when it got none); v5 checks and echoes the protocol type
 * and name (KIP-559).
 */
export const handler = defineHandler({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    const r = await ctx.services.groups.sync({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
      protocolType: version >= 5 ? request.protocolType : null,
      protocolName: version >= 5 ? request.protocolName : null,
      assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
  errorResponse: (_request, _version, errorCode) => ({ errorCode, assignment: Buffer.alloc(0) }),
});
