import { ApiKey, ErrorCode, type DescribeConfigsResponseDescribeConfigsResultInput } from '../../protocol/messages/index.ts';
import { ConfigSource, ConfigType, type DescribedConfig } from '../config/index.ts';
import { checkBrokerResource, checkTopicResource, ResourceType } from './config-resources.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeConfigs (key 32), v0-4. Returns the full config list of a topic (every topic config, with
 * its value, source and synonyms) or of this broker, as Kafka's `ConfigHelper.describeConfigs` does:
 * librdkafka and kafkajs tools do read-modify-write with AlterConfigs, so a partial list would reset
 * what is missing. v0 has `is_default` instead of `config_source`; synonyms from v1 when asked;
 * types and documentation from v3 (documentation only when asked).
 */
export const handler = defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request) {
    const { config, metadata } = ctx.services;
    const results: DescribeConfigsResponseDescribeConfigsResultInput[] = request.resources.map((resource) => {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      let described: DescribedConfig[];
      let readOnly: boolean;
      if (resource.resourceType === ResourceType.topic) {
        const error = checkTopicResource(ctx, resource.resourceName);
        if (error !== null) return { ...base, ...error, configs: [] };
        described = config.describeTopic(metadata.topic(resource.resourceName)?.configs ?? {});
        readOnly = false;
      } else if (resource.resourceType === ResourceType.broker) {
        const error = checkBrokerResource(ctx, resource.resourceName);
        if (error !== null) return { ...base, ...error, configs: [] };
        described = config.describeBroker();
        // Static broker configs cannot be altered at runtime (KafkaConfig's non-dynamic configs are read-only).
        readOnly = true;
      } else {
        return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resource.resourceType}`, configs: [] };
      }
      const keys = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        configs: described
          .filter((d) => keys === null || keys.has(d.name))
          .map((d) => ({
            name: d.name,
            value: d.value,
            readOnly,
            isDefault: d.source === ConfigSource.defaultConfig,
            configSource: d.source,
            isSensitive: d.def.type === 'password',
            synonyms: request.includeSynonyms ? d.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
            configType: ConfigType[d.def.type],
            documentation: request.includeDocumentation ? d.def.doc : null,
          })),
      };
    });
    return { throttleTimeMs: 0, results };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    results: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] })),
  }),
});
