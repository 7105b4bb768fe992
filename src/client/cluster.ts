import { ApiKey, ErrorCode } from '../protocol/messages/index.ts';
import { silentLogger, type Logger } from '../util/index.ts';
import { Broker, type BrokerOptions } from './broker.ts';
import type { BrokerAddress } from './connection.ts';
import { ClientError, ConnectionError, KafkaError, RequestTimeoutError, STALE_METADATA_ERRORS } from './errors.ts';
import { withRetries, type RetryOptions } from './retry.ts';

export interface ClusterOptions extends BrokerOptions {
  /** Bootstrap servers, `host:port` each. */
  brokers: readonly string[];
  retry?: RetryOptions;
  /** Metadata older than this is refreshed before use (Java's metadata.max.age.ms, 5 min). */
  metadataMaxAgeMs?: number;
  /** Ask the broker to auto-create unknown topics on Metadata (producers do; consumers and admin do not). */
  allowAutoTopicCreation?: boolean;
}

export interface PartitionMetadata {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  isInternal: boolean;
  /** Indexed by partition number. */
  partitions: PartitionMetadata[];
}

export interface BrokerMetadata extends BrokerAddress {
  nodeId: number;
  rack: string | null;
}

export function parseBrokerList(brokers: readonly string[]): BrokerAddress[] {
  if (brokers.length === 0) throw new ClientError('INVALID_CONFIG', 'no bootstrap brokers given');
  return brokers.map((b) => {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(b.trim());
    if (m === null) throw new ClientError('INVALID_CONFIG', `bootstrap broker "${b}" is not host:port`);
    return { host: m[1]!, port: Number(m[2]) };
  });
}

/**
 * The client's view of the cluster (Java's Metadata + the node part of NetworkClient): the
 * bootstrap list, one Broker (one connection) per node id, and a metadata cache of the topics this
 * client uses. Errors that mean "the cache is wrong" (NOT_LEADER_OR_FOLLOWER and friends,
 * STALE_METADATA_ERRORS) and connection failures trigger a refresh before the next retry.
 */
export class Cluster {
  readonly options: ClusterOptions;
  readonly logger: Logger;
  readonly #bootstrap: Broker[];
  readonly #nodes = new Map<number, Broker>();
  readonly #addresses = new Map<number, BrokerMetadata>();
  readonly #topics = new Map<string, TopicMetadata>();
  /** Topics the client has asked about; each refresh covers all of them. */
  readonly #tracked = new Set<string>();
  /** Error codes of topics the last metadata reported with an error (UNKNOWN_TOPIC_OR_PARTITION …). */
  readonly #topicErrors = new Map<string, number>();
  #refreshing: Promise<void> | null = null;
  #refreshedAt = 0;
  #stale = true;
  clusterId: string | null = null;
  controllerId = -1;
  #closed = false;

  constructor(options: ClusterOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.#bootstrap = parseBrokerList(options.brokers).map((a) => new Broker(-1, a, options));
  }

  get brokers(): BrokerMetadata[] {
    return [...this.#addresses.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /** The Broker for a node id from the last metadata; its connection opens on first use. */
  broker(nodeId: number): Broker {
    this.#checkOpen();
    let broker = this.#nodes.get(nodeId);
    if (broker !== undefined) return broker;
    const address = this.#addresses.get(nodeId);
    if (address === undefined) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
    broker = new Broker(nodeId, { host: address.host, port: address.port }, this.options);
    this.#nodes.set(nodeId, broker);
    return broker;
  }

  /** A broker for requests any broker can answer: a connected one if any, else the first that accepts a connection. */
  async anyBroker(): Promise<Broker> {
    this.#checkOpen();
    const candidates = [...this.#nodes.values()].filter((b) => b.connected);
    if (candidates.length > 0) return candidates[Math.floor(Math.random() * candidates.length)]!;
    const known = [...this.#addresses.keys()].map((id) => this.broker(id));
    // Bootstrap in random order so many clients do not all land on the first server (client.dns.lookup aside).
    const boot = [...this.#bootstrap].sort(() => Math.random() - 0.5);
    let last: unknown = new ConnectionError('no brokers to connect to');
    for (const broker of [...known, ...boot]) {
      try {
        await broker.connect();
        return broker;
      } catch (error) {
        last = error;
        this.logger.warn('broker unreachable', { broker: broker.describe(), error: (error as Error).message });
      }
    }
    throw last;
  }

  /** Marks the cache stale: the next lookup refreshes it. */
  invalidate(): void {
    this.#stale = true;
  }

  /** Fetches metadata for the tracked topics plus `topics` (all topics when `topics` is null). */
  async refresh(topics: readonly string[] | null = []): Promise<void> {
    if (topics !== null) for (const t of topics) this.#tracked.add(t);
    // Joins a refresh in flight only if it already covers what is asked; otherwise waits and asks again.
    if (this.#refreshing !== null) {
      await this.#refreshing.catch(() => undefined);
      if (topics !== null && topics.every((t) => this.#topics.has(t)) && !this.#stale) return;
    }
    const run = this.#fetchMetadata(topics === null ? null : [...this.#tracked]);
    this.#refreshing = run;
    try {
      await run;
    } finally {
      if (this.#refreshing === run) this.#refreshing = null;
    }
  }

  async #fetchMetadata(topics: string[] | null): Promise<void> {
    const broker = await this.anyBroker();
    const response = await broker.request(ApiKey.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: this.options.allowAutoTopicCreation ?? false,
    });
    this.clusterId = response.clusterId;
    this.controllerId = response.controllerId;
    this.#addresses.clear();
    for (const b of response.brokers) this.#addresses.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    // A node whose address changed gets a new connection; one that left is closed.
    for (const [id, broker] of this.#nodes) {
      const a = this.#addresses.get(id);
      if (a === undefined || a.host !== broker.address.host || a.port !== broker.address.port) {
        broker.close();
        this.#nodes.delete(id);
      }
    }
    // A full listing replaces the cache, dropping deleted topics; a partial one updates its topics.
    if (topics === null) {
      this.#topics.clear();
      this.#topicErrors.clear();
    }
    for (const t of response.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== ErrorCode.NONE) {
        this.#topics.delete(t.name);
        this.#topicErrors.set(t.name, t.errorCode);
        continue;
      }
      this.#topicErrors.delete(t.name);
      const partitions: PartitionMetadata[] = [];
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
          errorCode: p.errorCode,
        };
      }
      this.#topics.set(t.name, { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions });
    }
    this.#refreshedAt = Date.now();
    this.#stale = false;
  }

  #fresh(): boolean {
    return !this.#stale && Date.now() - this.#refreshedAt < (this.options.metadataMaxAgeMs ?? 300_000);
  }

  /** Metadata of one topic, refreshed if unknown or stale. Throws the topic's error (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
  async topic(name: string): Promise<TopicMetadata> {
    this.#tracked.add(name);
    if (!this.#topics.has(name) || !this.#fresh()) await this.refresh([name]);
    const topic = this.#topics.get(name);
    if (topic !== undefined) return topic;
    throw new KafkaError(this.#topicErrors.get(name) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name}`);
  }

  /** Names of the topics in the cache (after `refresh(null)`, every topic of the cluster). */
  topicNames(): string[] {
    return [...this.#topics.keys()].sort();
  }

  /** Cached metadata only, no refresh (for hot paths that already looked the topic up). */
  cachedTopic(name: string): TopicMetadata | undefined {
    return this.#topics.get(name);
  }

  async partitionCount(topic: string): Promise<number> {
    return (await this.topic(topic)).partitions.length;
  }

  /** The leader's node id for a partition; LEADER_NOT_AVAILABLE (retriable) while there is none. */
  async leaderId(topic: string, partition: number): Promise<number> {
    const meta = await this.topic(topic);
    const p = meta.partitions[partition];
    if (p === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
    if (p.leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `${topic}-${partition}`);
    return p.leader;
  }

  async leaderFor(topic: string, partition: number): Promise<Broker> {
    return this.broker(await this.leaderId(topic, partition));
  }

  /** The controller, which kafkajs and Java send topic admin requests to (any broker forwards in KRaft). */
  async controller(): Promise<Broker> {
    if (this.controllerId < 0 || !this.#addresses.has(this.controllerId)) await this.refresh([]);
    return this.controllerId >= 0 && this.#addresses.has(this.controllerId) ? this.broker(this.controllerId) : this.anyBroker();
  }

  /**
   * Runs `fn` with retries (retry.ts); errors that mean stale metadata, and connection failures,
   * refresh the metadata before the next attempt.
   */
  retry<T>(fn: (attempt: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetries(fn, {
      ...this.options.retry,
      ...(signal === undefined ? {} : { signal }),
      beforeRetry: async (error) => {
        if (needsMetadataRefresh(error)) {
          this.invalidate();
          await this.refresh([]).catch((e: unknown) => this.logger.warn('metadata refresh failed', { error: (e as Error).message }));
        }
      },
    });
  }

  close(): void {
    this.#closed = true;
    for (const b of this.#nodes.values()) b.close();
    for (const b of this.#bootstrap) b.close();
    this.#nodes.clear();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClientError('CLIENT_CLOSED', 'the client is closed');
  }
}

export function needsMetadataRefresh(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof RequestTimeoutError || (error instanceof KafkaError && STALE_METADATA_ERRORS.has(error.errorCode));
}
