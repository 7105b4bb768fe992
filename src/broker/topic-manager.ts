import { MetadataError, type MetadataStore, type TopicState } from '../cluster/index.ts';
import { ErrorCode } from '../protocol/messages/index.ts';
import type { Logger } from '../util/index.ts';
import { ConfigError, type BrokerConfig } from './config/index.ts';
import type { BrokerLogManager } from './log-manager.ts';
import { hasCollisionChars, INTERNAL_TOPICS, topicNameError, unifyCollisionChars } from './topic-name.ts';

/** A per-topic outcome: Kafka error code and message as the admin responses carry them. */
export interface TopicOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly topic?: TopicState;
}

export interface CreateTopicSpec {
  readonly name: string;
  /** -1 = broker default (CreateTopics v4+, KIP-464). */
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Explicit replica ids per partition; then numPartitions and replicationFactor must be -1. */
  readonly assignments?: readonly (readonly number[])[];
  readonly configs: Readonly<Record<string, string>>;
}

const ok = (topic?: TopicState): TopicOutcome => (topic === undefined ? { errorCode: 0, errorMessage: null } : { errorCode: 0, errorMessage: null, topic });
const fail = (errorCode: number, errorMessage: string): TopicOutcome => ({ errorCode, errorMessage });

/**
 * Topic lifecycle shared by CreateTopics, Metadata auto-creation, DeleteTopics, CreatePartitions and
 * the config APIs: validates like Kafka's controller (`ReplicationControlManager`), writes the
 * metadata store, then creates or removes the partition logs. Outcomes are data (error codes).
 */
export class TopicManager {
  readonly #config: BrokerConfig;
  readonly #metadata: MetadataStore;
  readonly #logs: BrokerLogManager;
  readonly #logger: Logger;

  constructor(deps: { config: BrokerConfig; metadata: MetadataStore; logs: BrokerLogManager; logger: Logger }) {
    this.#config = deps.config;
    this.#metadata = deps.metadata;
    this.#logs = deps.logs;
    this.#logger = deps.logger;
  }

  /** Topic-level config with broker defaults applied, as handed to the log manager. */
  effectiveConfig(topic: TopicState): Record<string, string> {
    return this.#config.topicConfig(topic.configs);
  }

  async create(spec: CreateTopicSpec, options: { validateOnly?: boolean } = {}): Promise<TopicOutcome> {
    const nameError = topicNameError(spec.name);
    if (nameError !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
    if (this.#metadata.topic(spec.name) !== undefined) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    if (hasCollisionChars(spec.name)) {
      const unified = unifyCollisionChars(spec.name);
      const clash = this.#metadata.topics().find((t) => unifyCollisionChars(t.name) === unified);
      if (clash !== undefined) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${clash.name}`);
      this.#logger.warn("topic name contains '.' or '_', which collide in metric names; avoid using both", { topic: spec.name });
    }
    const assignment = this.#assign(spec);
    if ('errorCode' in assignment) return assignment;
    try {
      this.#config.topicConfig(spec.configs);
    } catch (error) {
      if (error instanceof ConfigError) return fail(ErrorCode.INVALID_CONFIG, error.message);
      throw error;
    }
    if (options.validateOnly === true) return ok();
    let topic: TopicState;
    try {
      topic = await this.#metadata.createTopic({
        name: spec.name,
        assignments: assignment.assignments,
        configs: spec.configs,
        isInternal: INTERNAL_TOPICS.has(spec.name),
      });
    } catch (error) {
      if (error instanceof MetadataError && error.code === 'TOPIC_ALREADY_EXISTS') return fail(ErrorCode.TOPIC_ALREADY_EXISTS, error.message);
      throw error;
    }
    await this.#createLogs(topic, 0);
    this.#logger.info('created topic', { topic: topic.name, topicId: topic.topicId, partitions: topic.partitions.length });
    return ok(topic);
  }

  /** Metadata auto-creation: broker defaults, and losing a race to a concurrent create is success. */
  async autoCreate(name: string): Promise<TopicOutcome> {
    const outcome = await this.create(this.#autoCreateSpec(name));
    if (outcome.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
      const topic = this.#metadata.topic(name);
      if (topic !== undefined) return ok(topic);
    }
    return outcome;
  }

  /**
   * Internal topics get the settings Kafka's `AutoTopicCreationManager` gives them (partition count,
   * compaction, segment size, replication capped at the live brokers); other topics broker defaults.
   */
  #autoCreateSpec(name: string): CreateTopicSpec {
    const live = Math.max(1, this.#metadata.brokers().length);
    if (name === '__consumer_offsets') {
      return {
        name,
        numPartitions: this.#config.int('offsets.topic.num.partitions'),
        replicationFactor: Math.min(live, this.#config.int('offsets.topic.replication.factor')),
        configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(this.#config.int('offsets.topic.segment.bytes')) },
      };
    }
    if (name === '__transaction_state') {
      return {
        name,
        numPartitions: this.#config.int('transaction.state.log.num.partitions'),
        replicationFactor: Math.min(live, this.#config.int('transaction.state.log.replication.factor')),
        configs: {
          'cleanup.policy': 'compact',
          'compression.type': 'uncompressed',
          'min.insync.replicas': String(Math.min(live, this.#config.int('transaction.state.log.min.isr'))),
          'segment.bytes': String(this.#config.int('transaction.state.log.segment.bytes')),
        },
      };
    }
    return { name, numPartitions: -1, replicationFactor: -1, configs: {} };
  }

  async delete(name: string): Promise<TopicOutcome> {
    if (!this.#config.bool('delete.topic.enable')) return fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    const topic = await this.#metadata.deleteTopic(name);
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    for (const p of topic.partitions) {
      try {
        await this.#logs.deleteLog({ topic: name, partition: p.partition });
      } catch (error) {
        // The topic is gone from metadata; a leftover directory is logged and retried by nothing but an operator.
        this.#logger.error('failed to delete partition log', { topic: name, partition: p.partition, error: String(error) });
      }
    }
    this.#logger.info('deleted topic', { topic: name, topicId: topic.topicId });
    return ok(topic);
  }

  /** CreatePartitions: grows `name` to `count` partitions (KIP-195). */
  async addPartitions(name: string, count: number, assignments: readonly (readonly number[])[] | null, validateOnly: boolean): Promise<TopicOutcome> {
    const topic = this.#metadata.topic(name);
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    const current = topic.partitions.length;
    if (count < current) return fail(ErrorCode.INVALID_PARTITIONS, `The topic ${name} currently has ${current} partition(s); ${count} would not be an increase.`);
    if (count === current) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
    const rf = topic.partitions[0]?.replicas.length ?? 1;
    let newAssignments: (readonly number[])[];
    if (assignments !== null) {
      if (assignments.length !== count - current) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${count - current} additional partition(s), but only ${assignments.length} assignment(s) were specified.`);
      }
      const bad = this.#checkAssignments(assignments, rf);
      if (bad !== null) return bad;
      newAssignments = [...assignments];
    } else {
      const a = this.#roundRobin(count - current, rf, current);
      if ('errorCode' in a) return a;
      newAssignments = a.assignments;
    }
    if (validateOnly) return ok(topic);
    const updated = await this.#metadata.addPartitions(name, newAssignments);
    await this.#createLogs(updated, current);
    this.#logger.info('added partitions', { topic: name, from: current, to: count });
    return ok(updated);
  }

  /** Replaces a topic's config overrides (AlterConfigs semantics: unspecified names revert to defaults). */
  async setConfigs(name: string, configs: Readonly<Record<string, string>>, validateOnly: boolean): Promise<TopicOutcome> {
    const topic = this.#metadata.topic(name);
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
    let effective: Record<string, string>;
    try {
      effective = this.#config.topicConfig(configs);
    } catch (error) {
      if (error instanceof ConfigError) return fail(ErrorCode.INVALID_CONFIG, error.message);
      throw error;
    }
    if (validateOnly) return ok(topic);
    const updated = await this.#metadata.setTopicConfigs(name, configs);
    for (const p of updated.partitions) await this.#logs.updateConfig({ topic: name, partition: p.partition }, effective);
    return ok(updated);
  }

  async #createLogs(topic: TopicState, fromPartition: number): Promise<void> {
    const config = this.effectiveConfig(topic);
    for (const p of topic.partitions) {
      if (p.partition < fromPartition || !p.replicas.includes(this.#localNode())) continue;
      await this.#logs.createLog({ topic: topic.name, partition: p.partition }, { topicId: topic.topicId, config });
    }
  }

  #localNode(): number {
    return this.#config.nodeId;
  }

  #assign(spec: CreateTopicSpec): { assignments: (readonly number[])[] } | TopicOutcome {
    if (spec.assignments !== undefined && spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        return fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      const rf = spec.assignments[0]?.length ?? 0;
      const bad = this.#checkAssignments(spec.assignments, rf);
      return bad ?? { assignments: [...spec.assignments] };
    }
    const partitions = spec.numPartitions === -1 ? this.#config.int('num.partitions') : spec.numPartitions;
    const rf = spec.replicationFactor === -1 ? this.#config.int('default.replication.factor') : spec.replicationFactor;
    if (partitions <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
    if (rf <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
    return this.#roundRobin(partitions, rf, 0);
  }

  /** Kafka's rack-unaware assignment, simplified: partition p starts at broker (p + offset) mod n. */
  #roundRobin(count: number, rf: number, firstPartition: number): { assignments: (readonly number[])[] } | TopicOutcome {
    const brokers = this.#metadata.brokers().map((b) => b.nodeId);
    if (rf > brokers.length) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers.length} broker(s) are registered.`,
      );
    }
    const assignments: number[][] = [];
    for (let p = 0; p < count; p++) {
      const replicas: number[] = [];
      for (let r = 0; r < rf; r++) replicas.push(brokers[(firstPartition + p + r) % brokers.length] ?? -1);
      assignments.push(replicas);
    }
    return { assignments };
  }

  #checkAssignments(assignments: readonly (readonly number[])[], rf: number): TopicOutcome | null {
    const live = new Set(this.#metadata.brokers().map((b) => b.nodeId));
    for (const [i, replicas] of assignments.entries()) {
      if (replicas.length === 0) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes an empty replica list for partition ${i}.`);
      if (replicas.length !== rf) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`);
      if (new Set(replicas).size !== replicas.length) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes duplicate replicas for partition ${i}.`);
      const unknown = replicas.find((r) => !live.has(r));
      if (unknown !== undefined) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${unknown}, but no such broker is registered.`);
    }
    return null;
  }
}
