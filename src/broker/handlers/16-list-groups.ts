import { ApiKey } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/** ListGroups (key 16), v0-5: v4 filters by state (KIP-518), v5 by type (KIP-848: "classic" or "consumer"). */
export const handler = defineHandler({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request, version) {
    const groups = ctx.services.groups.list(version >= 4 ? request.statesFilter : [], version >= 5 ? request.typesFilter : []);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type })),
    };
  },
  errorResponse: (_request, _version, errorCode) => ({ errorCode, groups: [] }),
});
