import type { MetadataStore } from '../cluster/index.ts';
import { OffsetsTopicLog, TransactionCoordinator, type GroupCoordinator, type ProducerIdManager } from '../coordinator/index.ts';
import { ErrorCode } from '../protocol/messages/index.ts';
import type { Clock, Logger, Scheduler } from '../util/index.ts';
import type { BrokerConfig } from './config/index.ts';
import { durabilityFor } from './data/durability.ts';
import { writeTxnMarkers } from './data/txn-markers.ts';
import type { BrokerServices } from './handlers/handler.ts';
import type { BrokerLogManager } from './log-manager.ts';
import type { TopicManager } from './topic-manager.ts';

const TXN_TOPIC = '__transaction_state';
const OFFSETS_TOPIC = '__consumer_offsets';

/**
 * Builds the transaction coordinator over `__transaction_state` with the broker's transaction.*
 * properties. Like `__consumer_offsets` (groups.ts) the topic is created on the first write with
 * Kafka's internal-topic settings, and records are written like an acks=all produce (Kafka's
 * TransactionLog.EnforcedRequiredAcks = -1). Markers go through the partition side's
 * `writeTxnMarkers`; a marker on a `__consumer_offsets` partition also settles the producer's
 * pending TxnOffsetCommit offsets in the group coordinator (Kafka's GroupCoordinator.onTransactionCompleted).
 */
export function createTransactionCoordinator(deps: {
  config: BrokerConfig;
  metadata: MetadataStore;
  logs: BrokerLogManager;
  topics: TopicManager;
  groups: GroupCoordinator;
  producerIds: ProducerIdManager;
  /** The broker's services, available once they are built (markers are written through them). */
  services: () => BrokerServices;
  clock: Clock;
  scheduler: Scheduler;
  logger: Logger;
}): TransactionCoordinator {
  const { config, metadata, logs, topics, groups } = deps;
  const leaderEpoch = (partition: number): number => metadata.topic(TXN_TOPIC)?.partitions.find((p) => p.partition === partition)?.leaderEpoch ?? 0;
  const log = new OffsetsTopicLog({
    topic: TXN_TOPIC,
    existingPartitions: () => metadata.topic(TXN_TOPIC)?.partitions.length,
    configuredPartitions: config.int('transaction.state.log.num.partitions'),
    createTopic: async () => {
      const outcome = await topics.autoCreate(TXN_TOPIC);
      if (outcome.errorCode !== 0) deps.logger.warn('could not create the transaction state topic', { error: outcome.errorMessage });
    },
    getLog: (partition) => logs.getLog(TXN_TOPIC, partition),
    leaderEpoch,
    durability: durabilityFor(config, -1, 1),
    clock: deps.clock,
  });
  return new TransactionCoordinator(
    {
      transactionMaxTimeoutMs: config.int('transaction.max.timeout.ms'),
      transactionalIdExpirationMs: config.int('transactional.id.expiration.ms'),
      abortTimedOutTransactionCleanupIntervalMs: config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
      removeExpiredTransactionalIdCleanupIntervalMs: config.int('transaction.remove.expired.transaction.cleanup.interval.ms'),
    },
    {
      clock: deps.clock,
      scheduler: deps.scheduler,
      logger: deps.logger,
      log,
      producerIds: deps.producerIds,
      coordinatorEpoch: leaderEpoch,
      markers: {
        write: async (request) => {
          const results = await writeTxnMarkers(deps.services(), request);
          for (const p of request.partitions) {
            if (p.topic === OFFSETS_TOPIC && (results.get(`${p.topic}:${p.partition}`) ?? ErrorCode.NONE) === ErrorCode.NONE) {
              groups.offsets.completeTransaction(request.producerId, request.producerEpoch, request.commit, p.partition);
            }
          }
          return results;
        },
      },
    },
  );
}
