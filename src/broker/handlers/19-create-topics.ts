import { ApiKey, ErrorCode, type CreateTopicsResponseCreatableTopicResultInput } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/** Kafka's `ReplicationControlManager.MAX_PARTITIONS_PER_BATCH`. */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

/**
 * CreateTopics (key 19), v0-7. Kafka's `ControllerApis.createTopics` / `ReplicationControlManager`:
 * duplicate names in one request are all rejected with INVALID_REQUEST; -1 partitions or replication
 * factor take the broker defaults (KIP-464, v4+); `validate_only` checks without creating; v5+ results
 * carry the partition count, replication factor and the full resulting config (KIP-525). A request
 * asking for more than MAX_PARTITIONS_PER_REQUEST partitions in total is refused whole, before any
 * assignment is computed (as `ReplicationControlManager.validateTotalNumberOfPartitions`): one
 * 2^31-partition request would otherwise exhaust the heap.
 */
export const handler = defineHandler({
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, request) {
    const { config, topics } = ctx.services;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    let total = 0;
    for (const t of request.topics) {
      if (t.assignments.length > 0) total += t.assignments.length;
      else if (t.numPartitions === -1) total += config.int('num.partitions');
      else if (t.numPartitions > 0) total += t.numPartitions;
    }
    if (total > MAX_PARTITIONS_PER_REQUEST) {
      const errorMessage = 'Excessively large number of partitions per request.';
      return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage })) };
    }
    const results: CreateTopicsResponseCreatableTopicResultInput[] = [];
    for (const t of request.topics) {
      if ((counts.get(t.name) ?? 0) > 1) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Found multiple entries for topic ${t.name} in the request.` });
        continue;
      }
      const configs: Record<string, string> = {};
      const nullConfigs = t.configs.filter((c) => c.value === null).map((c) => c.name);
      if (nullConfigs.length > 0) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Null value not supported for topic configs: ${nullConfigs.join(',')}` });
        continue;
      }
      for (const c of t.configs) configs[c.name] = c.value ?? '';
      const sorted = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      if (sorted.some((a, i) => a.partitionIndex !== i)) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Partitions must be numbered consecutively from 0 in the manual assignment.' });
        continue;
      }
      const assignments = sorted.map((a) => a.brokerIds);
      const outcome = await topics.create(
        { name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, assignments, configs },
        { validateOnly: request.validateOnly },
      );
      if (outcome.errorCode !== ErrorCode.NONE) {
        results.push({ name: t.name, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
        continue;
      }
      const partitions = outcome.topic?.partitions.length ?? (assignments.length > 0 ? assignments.length : t.numPartitions === -1 ? config.int('num.partitions') : t.numPartitions);
      const rf =
        outcome.topic?.partitions[0]?.replicas.length ??
        (assignments.length > 0 ? (assignments[0]?.length ?? 0) : t.replicationFactor === -1 ? config.int('default.replication.factor') : t.replicationFactor);
      results.push({
        name: t.name,
        ...(outcome.topic === undefined ? {} : { topicId: outcome.topic.topicId }),
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: partitions,
        replicationFactor: rf,
        configs: config.describeTopic(configs).map((d) => ({ name: d.name, value: d.value, readOnly: false, configSource: d.source, isSensitive: false })),
      });
    }
    return { throttleTimeMs: 0, topics: results };
  },
  errorResponse: (request, _version, errorCode) => ({ topics: request.topics.map((t) => ({ name: t.name, errorCode })) }),
});
