import { ApiKey, ErrorCode, type IncrementalAlterConfigsResponseAlterConfigsResourceResponseInput } from '../../protocol/messages/index.ts';
import { TOPIC_CONFIG_BY_NAME } from '../config/index.ts';
import { checkAlterableResource, duplicateResources } from './config-resources.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/** `AlterConfigOp.OpType` (KIP-339). */
const Op = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

/**
 * IncrementalAlterConfigs (key 44), v0-1 (KIP-339): SET and DELETE change single overrides; APPEND
 * and SUBTRACT edit list-typed configs (cleanup.policy, throttled replicas) starting from the current
 * value, as Kafka's `ConfigAdminManager.prepareIncrementalConfigs`.
 */
export const handler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const dups = duplicateResources(request.resources);
    const responses: IncrementalAlterConfigsResponseAlterConfigsResourceResponseInput[] = [];
    for (const resource of request.resources) {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      const error = checkAlterableResource(ctx, resource, dups);
      if (error !== null) {
        responses.push({ ...base, ...error });
        continue;
      }
      const result = apply(ctx, resource.resourceName, resource.configs);
      if ('errorCode' in result) {
        responses.push({ ...base, ...result });
        continue;
      }
      const outcome = await ctx.services.topics.setConfigs(resource.resourceName, result.configs, request.validateOnly);
      responses.push({ ...base, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return { throttleTimeMs: 0, responses };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
  }),
});

function apply(
  ctx: RequestContext,
  topicName: string,
  ops: readonly { name: string; configOperation: number; value: string | null }[],
): { configs: Record<string, string> } | { errorCode: number; errorMessage: string } {
  const names = ops.map((o) => o.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Error due to duplicate config keys: ${dup}` };
  const topic = ctx.services.metadata.topic(topicName);
  const configs: Record<string, string> = { ...topic?.configs };
  const effective = topic === undefined ? {} : ctx.services.topics.effectiveConfig(topic);
  for (const op of ops) {
    const def = TOPIC_CONFIG_BY_NAME.get(op.name);
    if (def === undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown topic config name: ${op.name}` };
    switch (op.configOperation) {
      case Op.set:
        if (op.value === null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for : ${op.name}` };
        configs[op.name] = op.value;
        break;
      case Op.delete:
        delete configs[op.name];
        break;
      case Op.append:
      case Op.subtract: {
        if (def.type !== 'list') {
          return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Config value append/subtract is not allowed for config key: ${op.name}` };
        }
        const current = (configs[op.name] ?? effective[op.name] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        const values = (op.value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        const next = op.configOperation === Op.append ? [...current, ...values.filter((v) => !current.includes(v))] : current.filter((v) => !values.includes(v));
        configs[op.name] = next.join(',');
        break;
      }
      default:
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown config operation ${op.configOperation}` };
    }
  }
  return { configs };
}
