import { ApiKey, ErrorCode, type AlterConfigsResponseAlterConfigsResourceResponseInput } from '../../protocol/messages/index.ts';
import { checkAlterableResource, duplicateResources } from './config-resources.ts';
import { defineHandler } from './handler.ts';

/**
 * AlterConfigs (key 33), v0-2: the legacy whole-set replacement. For a topic the given configs become
 * its complete set of overrides (names not listed revert to the broker default), validated like
 * CreateTopics. Broker configs are static in Gregor, so BROKER resources are refused.
 */
export const handler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const dups = duplicateResources(request.resources);
    const responses: AlterConfigsResponseAlterConfigsResourceResponseInput[] = [];
    for (const resource of request.resources) {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      const error = checkAlterableResource(ctx, resource, dups);
      if (error !== null) {
        responses.push({ ...base, ...error });
        continue;
      }
      const nulls = resource.configs.filter((c) => c.value === null).map((c) => c.name);
      if (nulls.length > 0) {
        responses.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for : ${nulls.join(', ')}` });
        continue;
      }
      const configs: Record<string, string> = {};
      for (const c of resource.configs) configs[c.name] = c.value ?? '';
      const outcome = await ctx.services.topics.setConfigs(resource.resourceName, configs, request.validateOnly);
      responses.push({ ...base, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return { throttleTimeMs: 0, responses };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
  }),
});
