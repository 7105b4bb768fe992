import { ApiKey, ErrorCode } from '../protocol/messages/index.ts';
import { Cluster, type BrokerMetadata, type ClusterOptions, type TopicMetadata } from './cluster.ts';
import { KafkaError, check } from './errors.ts';
import { listOffsets, OffsetSpec, type IsolationLevel, type ListedOffset } from './fetcher.ts';
import { GroupAdmin } from './group-admin.ts';

export interface NewTopic {
  topic: string;
  /** -1 (default): the broker's num.partitions (CreateTopics v4+). */
  numPartitions?: number;
  /** -1 (default): the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Explicit replica assignment: partition → broker ids. Excludes numPartitions/replicationFactor. */
  assignments?: ReadonlyArray<{ partition: number; replicas: number[] }>;
  configs?: Record<string, string>;
}

/** ConfigResource.Type in the Java admin client. */
export const ConfigResourceType = { topic: 2, broker: 4, brokerLogger: 8 } as const;
export type ConfigResourceTypeName = keyof typeof ConfigResourceType;

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: number;
}

/** IncrementalAlterConfigs operations (AlterConfigOp.OpType). */
export const AlterConfigOp = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: Array<{ partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[] }>;
}

/**
 * The admin client (a subset of Java's Admin): topics, configs, cluster, offsets, and consumer
 * groups (through GroupAdmin). Topic changes go to the controller, as kafkajs does; in KRaft any
 * broker would forward them. Per-topic errors are raised as KafkaError unless the call returns them.
 */
export class Admin extends GroupAdmin {
  constructor(cluster: Cluster | ClusterOptions) {
    super(cluster instanceof Cluster ? cluster : new Cluster(cluster));
  }

  /** Creates topics; returns per-topic errors (TOPIC_ALREADY_EXISTS …) instead of throwing for them. */
  async createTopics(
    topics: readonly NewTopic[],
    options: { timeoutMs?: number; validateOnly?: boolean } = {},
  ): Promise<Array<{ topic: string; errorCode: number; errorMessage: string | null }>> {
    const response = await this.cluster.retry(async () =>
      (await this.cluster.controller()).request(ApiKey.CreateTopics, {
        timeoutMs: options.timeoutMs ?? 30_000,
        validateOnly: options.validateOnly ?? false,
        topics: topics.map((t) => ({
          name: t.topic,
          numPartitions: t.assignments === undefined ? (t.numPartitions ?? -1) : -1,
          replicationFactor: t.assignments === undefined ? (t.replicationFactor ?? -1) : -1,
          assignments: (t.assignments ?? []).map((a) => ({ partitionIndex: a.partition, brokerIds: a.replicas })),
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      }),
    );
    this.cluster.invalidate();
    return response.topics.map((t) => ({ topic: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage }));
  }

  async deleteTopics(topics: readonly string[], options: { timeoutMs?: number } = {}): Promise<Array<{ topic: string; errorCode: number }>> {
    const response = await this.cluster.retry(async () =>
      (await this.cluster.controller()).request(ApiKey.DeleteTopics, {
        timeoutMs: options.timeoutMs ?? 30_000,
        topicNames: [...topics],
        topics: topics.map((name) => ({ name })),
      }),
    );
    this.cluster.invalidate();
    return response.responses.map((r) => ({ topic: r.name ?? '', errorCode: r.errorCode }));
  }

  /** Grows topics to `count` partitions each. */
  async createPartitions(
    topics: ReadonlyArray<{ topic: string; count: number }>,
    options: { timeoutMs?: number; validateOnly?: boolean } = {},
  ): Promise<Array<{ topic: string; errorCode: number; errorMessage: string | null }>> {
    const response = await this.cluster.retry(async () =>
      (await this.cluster.controller()).request(ApiKey.CreatePartitions, {
        timeoutMs: options.timeoutMs ?? 30_000,
        validateOnly: options.validateOnly ?? false,
        topics: topics.map((t) => ({ name: t.topic, count: t.count, assignments: null })),
      }),
    );
    this.cluster.invalidate();
    return response.results.map((r) => ({ topic: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage }));
  }

  /** Names of all topics (internal ones only when asked). */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const topics = await this.#allTopics();
    return topics.filter((t) => options.includeInternal === true || !t.isInternal).map((t) => t.name).sort();
  }

  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    this.cluster.invalidate();
    await this.cluster.retry(() => this.cluster.refresh(names));
    return Promise.all(names.map(async (name) => describe(await this.cluster.topic(name))));
  }

  async describeCluster(): Promise<{ clusterId: string | null; controllerId: number; brokers: BrokerMetadata[] }> {
    this.cluster.invalidate();
    await this.cluster.retry(() => this.cluster.refresh([]));
    return { clusterId: this.cluster.clusterId, controllerId: this.cluster.controllerId, brokers: this.cluster.brokers };
  }

  async describeConfigs(
    resources: ReadonlyArray<{ type: ConfigResourceTypeName; name: string; keys?: string[] }>,
  ): Promise<Array<{ type: ConfigResourceTypeName; name: string; configs: ConfigEntry[] }>> {
    return Promise.all(
      resources.map(async (res) => {
        const r = await this.cluster.retry(async () =>
          (await this.#brokerFor(res.type, res.name)).request(ApiKey.DescribeConfigs, {
            resources: [{ resourceType: ConfigResourceType[res.type], resourceName: res.name, configurationKeys: res.keys ?? null }],
          }),
        );
        const result = r.results[0];
        if (result === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `describe configs of ${res.name}: empty response`);
        check(result.errorCode, `describe configs of ${res.type} ${res.name}`, result.errorMessage);
        return {
          type: res.type,
          name: res.name,
          configs: result.configs.map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            // v0 has is_default; v1+ has config_source (5 = DEFAULT_CONFIG).
            isDefault: c.isDefault || c.configSource === 5,
            isSensitive: c.isSensitive,
            source: c.configSource,
          })),
        };
      }),
    );
  }

  /**
   * Changes configs one by one (IncrementalAlterConfigs, KIP-339): `value: null` deletes a key
   * (back to its default); other keys are untouched, unlike the legacy AlterConfigs.
   */
  async alterConfigs(
    resources: ReadonlyArray<{ type: ConfigResourceTypeName; name: string; set?: Record<string, string>; delete?: string[] }>,
    options: { validateOnly?: boolean } = {},
  ): Promise<void> {
    for (const res of resources) {
      const configs = [
        ...Object.entries(res.set ?? {}).map(([name, value]) => ({ name, configOperation: AlterConfigOp.set, value })),
        ...(res.delete ?? []).map((name) => ({ name, configOperation: AlterConfigOp.delete, value: null })),
      ];
      const r = await this.cluster.retry(async () =>
        (await this.#brokerFor(res.type, res.name)).request(ApiKey.IncrementalAlterConfigs, {
          validateOnly: options.validateOnly ?? false,
          resources: [{ resourceType: ConfigResourceType[res.type], resourceName: res.name, configs }],
        }),
      );
      for (const x of r.responses) check(x.errorCode, `alter configs of ${res.type} ${res.name}`, x.errorMessage);
    }
  }

  /** Offsets of every partition of a topic: latest, earliest, or the first at/after a timestamp (ms). */
  async listOffsets(
    topic: string,
    spec: 'latest' | 'earliest' | { timestamp: number | bigint } = 'latest',
    isolationLevel: IsolationLevel = 'read_uncommitted',
  ): Promise<ListedOffset[]> {
    const count = await this.cluster.retry(() => this.cluster.partitionCount(topic));
    const timestamp = spec === 'latest' ? OffsetSpec.latest : spec === 'earliest' ? OffsetSpec.earliest : BigInt(spec.timestamp);
    return listOffsets(this.cluster, topic, Array.from({ length: count }, (_, partition) => ({ partition, timestamp })), isolationLevel);
  }

  /** offsetsForTimes: per partition, the first offset with a timestamp >= `timestamp` (-1n if none). */
  offsetsForTimes(topic: string, timestamp: number | bigint): Promise<ListedOffset[]> {
    return this.listOffsets(topic, { timestamp });
  }

  async close(): Promise<void> {
    this.cluster.close();
  }

  async #allTopics(): Promise<TopicMetadata[]> {
    await this.cluster.retry(() => this.cluster.refresh(null));
    return this.cluster.topicNames().map((name) => this.cluster.cachedTopic(name)!);
  }

  /** Broker configs must go to that broker; topic configs to any broker. */
  async #brokerFor(type: ConfigResourceTypeName, name: string) {
    if (type !== 'topic' && name !== '') {
      await this.cluster.refresh([]);
      return this.cluster.broker(Number(name));
    }
    return this.cluster.anyBroker();
  }
}

function describe(t: TopicMetadata): TopicDescription {
  return {
    name: t.name,
    topicId: t.topicId,
    isInternal: t.isInternal,
    partitions: t.partitions.map((p) => ({ partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr })),
  };
}
