import type { MetadataStore } from '../cluster/index.ts';
import { GroupCoordinator, OffsetsTopicLog } from '../coordinator/index.ts';
import type { Clock, Logger, Scheduler } from '../util/index.ts';
import { ConfigError, type BrokerConfig } from './config/index.ts';
import { durabilityFor } from './data/durability.ts';
import type { BrokerLogManager } from './log-manager.ts';
import type { TopicManager } from './topic-manager.ts';

const OFFSETS_TOPIC = '__consumer_offsets';
/** Kafka's `offset.metadata.max.bytes` default; not yet a Gregor broker property. */
const OFFSET_METADATA_MAX_BYTES = 4096;

/**
 * Builds the group coordinator over `__consumer_offsets` with the broker's group.* and offsets.*
 * properties. The topic is created (Kafka's internal-topic settings, see TopicManager) on the first
 * group write; its records are written like an acks=all produce (Kafka's coordinator appends with
 * acks=-1), so on a single replica they are fsynced unless log.flush.on.ack.all=false.
 */
export function createGroupCoordinator(deps: {
  config: BrokerConfig;
  metadata: MetadataStore;
  logs: BrokerLogManager;
  topics: TopicManager;
  clock: Clock;
  scheduler: Scheduler;
  logger: Logger;
}): GroupCoordinator {
  const { config, metadata, logs, topics } = deps;
  checkConsumerGroupBounds(config);
  const log = new OffsetsTopicLog({
    existingPartitions: () => metadata.topic(OFFSETS_TOPIC)?.partitions.length,
    configuredPartitions: config.int('offsets.topic.num.partitions'),
    createTopic: async () => {
      const outcome = await topics.autoCreate(OFFSETS_TOPIC);
      if (outcome.errorCode !== 0) deps.logger.warn('could not create the offsets topic', { error: outcome.errorMessage });
    },
    getLog: (partition) => logs.getLog(OFFSETS_TOPIC, partition),
    leaderEpoch: (partition) => metadata.topic(OFFSETS_TOPIC)?.partitions.find((p) => p.partition === partition)?.leaderEpoch ?? 0,
    durability: durabilityFor(config, -1, 1),
    clock: deps.clock,
  });
  return new GroupCoordinator(
    {
      minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
      maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
      initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
      maxGroupSize: config.int('group.max.size'),
      offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
      offsetsRetentionCheckIntervalMs: config.int('offsets.retention.check.interval.ms'),
      maxMetadataBytes: OFFSET_METADATA_MAX_BYTES,
      consumer: {
        sessionTimeoutMs: config.int('group.consumer.session.timeout.ms'),
        heartbeatIntervalMs: config.int('group.consumer.heartbeat.interval.ms'),
        assignors: (config.list('group.consumer.assignors') ?? ['uniform', 'range']).map(assignorName),
        maxGroupSize: config.int('group.consumer.max.size'),
      },
    },
    {
      clock: deps.clock,
      scheduler: deps.scheduler,
      logger: deps.logger,
      log,
      topics: {
        byName: (name) => {
          const t = metadata.topic(name);
          return t === undefined ? undefined : { topicId: t.topicId, partitions: t.partitions.length };
        },
        byId: (id) => {
          const t = metadata.topicById(id);
          return t === undefined ? undefined : { name: t.name, partitions: t.partitions.length };
        },
        names: () => metadata.topics().map((t) => t.name),
      },
    },
  );
}

/** Kafka names its assignors by class (`group.consumer.assignors` default); Gregor by their `name()`. */
function assignorName(configured: string): string {
  const simple = configured.slice(configured.lastIndexOf('.') + 1);
  if (simple === 'UniformAssignor') return 'uniform';
  if (simple === 'RangeAssignor') return 'range';
  return configured;
}

/** Kafka's GroupCoordinatorConfig checks: the KIP-848 defaults lie within their bounds and the heartbeat fits in the session. */
function checkConsumerGroupBounds(config: BrokerConfig): void {
  const within = (name: 'session.timeout.ms' | 'heartbeat.interval.ms'): number => {
    const value = config.int(`group.consumer.${name}`);
    const min = config.int(`group.consumer.min.${name}`);
    const max = config.int(`group.consumer.max.${name}`);
    if (value < min || value > max) throw new ConfigError(`group.consumer.${name} must be between group.consumer.min.${name} (${min}) and group.consumer.max.${name} (${max})`);
    return value;
  };
  if (within('heartbeat.interval.ms') >= within('session.timeout.ms')) {
    throw new ConfigError('group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms');
  }
}
