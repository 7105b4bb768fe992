import { ApiKey } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/** DeleteGroups (key 42), v0-2: only Empty groups (NON_EMPTY_GROUP otherwise); tombstones for the group and its offsets. */
export const handler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const results = await ctx.services.groups.deleteGroups(request.groupsNames);
    return { throttleTimeMs: 0, results };
  },
  errorResponse: (request, _version, errorCode) => ({ throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) }),
});
