import type { TopicState } from '../../cluster/index.ts';
import { ApiKey, ErrorCode, type MetadataResponseMetadataResponseTopicInput } from '../../protocol/messages/index.ts';
import { ZERO_UUID } from '../../protocol/wire/index.ts';
import { topicNameError } from '../topic-name.ts';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS } from './authorized-operations.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/**
 * Metadata (key 3), v0-12. This broker is listed as the only broker and as the controller (kafkajs,
 * librdkafka and the Java admin send CreateTopics/DeleteTopics to `controller_id`). Unknown topics are
 * auto-created when `auto.create.topics.enable` and the request allow it (the flag exists from v4;
 * v0-3 imply true). v0: an empty topic list means all topics; v1+: null means all, empty means none.
 * The topic is created before answering, so unlike Apache (LEADER_NOT_AVAILABLE, then retry) the
 * first response already carries a leader.
 */
export const handler = defineHandler({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, request, version) {
    const { metadata, config } = ctx.services;
    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    const topics: MetadataResponseMetadataResponseTopicInput[] = [];
    if (all) {
      for (const t of [...metadata.topics()].sort((a, b) => a.name.localeCompare(b.name))) topics.push(describe(ctx, t, request.includeTopicAuthorizedOperations));
    } else {
      const autoCreate = config.bool('auto.create.topics.enable') && (version < 4 || request.allowAutoTopicCreation);
      const seen = new Set<string>();
      for (const wanted of request.topics ?? []) {
        const key = wanted.name ?? `id:${wanted.topicId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        topics.push(await lookup(ctx, wanted.name, wanted.topicId, autoCreate, request.includeTopicAuthorizedOperations));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: metadata.brokers().map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterId: metadata.clusterId,
      controllerId: metadata.controllerId(),
      topics,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
  errorResponse(request, _version, errorCode) {
    return {
      brokers: [],
      topics: (request.topics ?? []).map((t) => ({ errorCode, name: t.name ?? '', topicId: t.topicId, partitions: [] })),
    };
  },
});

async function lookup(
  ctx: RequestContext,
  name: string | null,
  topicId: string,
  autoCreate: boolean,
  includeOps: boolean,
): Promise<MetadataResponseMetadataResponseTopicInput> {
  const { metadata, topics } = ctx.services;
  if (name === null) {
    // v10+: a topic asked for by id only (KIP-516).
    const byId = topicId === ZERO_UUID ? undefined : metadata.topicById(topicId);
    if (byId === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId, partitions: [] };
    return describe(ctx, byId, includeOps);
  }
  const existing = metadata.topic(name);
  if (existing !== undefined) return describe(ctx, existing, includeOps);
  if (topicNameError(name) !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: [] };
  if (!autoCreate) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
  const outcome = await topics.autoCreate(name);
  if (outcome.topic === undefined) {
    ctx.services.logger.warn('auto-creation of topic failed', { topic: name, errorCode: outcome.errorCode, message: outcome.errorMessage });
    const code = outcome.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION ? outcome.errorCode : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return { errorCode: code, name, partitions: [] };
  }
  return describe(ctx, outcome.topic, includeOps);
}

function describe(ctx: RequestContext, topic: TopicState, includeOps: boolean): MetadataResponseMetadataResponseTopicInput {
  const live = new Set(ctx.services.metadata.brokers().map((b) => b.nodeId));
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.isInternal,
    partitions: topic.partitions.map((p) => {
      const leaderLive = live.has(p.leader);
      return {
        errorCode: leaderLive ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: p.partition,
        leaderId: leaderLive ? p.leader : -1,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: [...p.replicas],
        isrNodes: p.isr.filter((id) => live.has(id)),
        offlineReplicas: p.replicas.filter((id) => !live.has(id)),
      };
    }),
    topicAuthorizedOperations: includeOps ? TOPIC_OPERATIONS : OPERATIONS_NOT_REQUESTED,
  };
}
