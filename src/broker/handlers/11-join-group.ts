import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * JoinGroup (key 11), v0-9, parked in the group coordinator until the join phase ends. v0 has no
 * rebalance timeout (Kafka uses the session timeout); v4+ first joins get MEMBER_ID_REQUIRED (KIP-394);
 * v5+ carry group.instance.id (KIP-345); v7+ echo the protocol type; v9 adds skip_assignment (KIP-814).
 * Before v7 the protocol name is not nullable, so an error answer carries "".
 */
export const handler = defineHandler({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request, version) {
    const r = await ctx.services.groups.join({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: version >= 5 ? request.groupInstanceId : null,
      protocolType: request.protocolType,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      clientId: ctx.header.clientId ?? '',
      // Kafka reports InetAddress.toString(): a slash before the address.
      clientHost: `/${ctx.connection.remoteAddress}`,
      requireKnownMemberId: version >= 4,
      supportsSkipAssignment: version >= 9,
      reason: version >= 8 ? request.reason : null,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
  errorResponse: (request, version, errorCode) => ({
    errorCode,
    generationId: -1,
    protocolName: version >= 7 ? null : '',
    leader: '',
    memberId: request.memberId,
    members: [],
  }),
});
