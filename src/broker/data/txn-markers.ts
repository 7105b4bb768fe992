import { ErrorCode } from '../../protocol/messages/index.ts';
import { buildControlBatch } from '../../protocol/records/index.ts';
import type { TxnMarker } from '../../coordinator/index.ts';
import type { BrokerServices } from '../handlers/handler.ts';
import { durabilityFor } from './durability.ts';
import { lookupPartition } from './partition-lookup.ts';
import { partitionWatchOf } from './partition-watch.ts';
import { errorCodeOfStorageFailure } from './storage-errors.ts';

/** One partition a transaction marker goes to. */
export interface TxnMarkerPartition {
  readonly topic: string;
  readonly partition: number;
}

/** What the transaction coordinator asks each partition leader to write (Kafka's WriteTxnMarkers entry). */
export interface TxnMarkerRequest {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly partitions: readonly TxnMarkerPartition[];
}

/** The key of `writeTxnMarkers`' result map. */
export function txnMarkerKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/**
 * Appends a COMMIT or ABORT control batch (EndTransactionMarker, Kafka's format) to each partition
 * this broker leads, durably (fsynced like acks=all), then completes the producer's transaction in
 * that partition's state: LSO advances, an abort adds an entry to the segment's .txnindex. Works for
 * internal topics (__consumer_offsets) too. Resolves one error code per partition, keyed
 * `${topic}:${partition}` (see `txnMarkerKey`): NONE, UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR, INVALID_PRODUCER_EPOCH (the marker's epoch is older
 * than the partition's producer epoch), TRANSACTION_COORDINATOR_FENCED (older coordinator epoch
 * than the last marker's), as Kafka's ReplicaManager answers WriteTxnMarkers.
 *
 * A marker for a producer with no open transaction in the partition is still written (Kafka
 * appends it; it moves neither the LSO nor the index). Partitions are written concurrently.
 */
export async function writeTxnMarkers(services: BrokerServices, request: TxnMarkerRequest): Promise<Map<string, number>> {
  const results = new Map<string, number>();
  await Promise.all(
    request.partitions.map(async (p) => {
      results.set(txnMarkerKey(p.topic, p.partition), await writeOne(services, request, p));
    }),
  );
  return results;
}

async function writeOne(services: BrokerServices, request: TxnMarkerRequest, p: TxnMarkerPartition): Promise<number> {
  const found = lookupPartition(services, services.metadata.topic(p.topic), p.partition);
  if (!found.ok) return found.errorCode;
  const { log, state } = found.led;
  try {
    const producers = services.producers.state.loaded(log) ?? (await services.producers.state.load(log));
    const marker: TxnMarker = {
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      coordinatorEpoch: request.coordinatorEpoch,
      commit: request.commit,
      timestamp: BigInt(services.clock.now()),
    };
    // As in Produce, nothing is awaited between the check and the append.
    const verdict = producers.checkMarker(marker);
    if (verdict !== ErrorCode.NONE) return verdict;
    const batch = buildControlBatch({
      type: request.commit ? 'commit' : 'abort',
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      coordinatorEpoch: marker.coordinatorEpoch,
      timestamp: marker.timestamp,
    });
    // No producer snapshot may be taken while the marker is in the log but not in the state.
    producers.beginMarker();
    let appended;
    try {
      appended = await log.append(batch, { requiredDurability: durabilityFor(services.config, -1, state.replicas.length), leaderEpoch: state.leaderEpoch });
      // The .txnindex entry is written before the transaction is closed in memory: until then the LSO
      // stays at the transaction's first offset, so no read_committed reader sees aborted data without
      // its entry. A crash in between is repaired by the producer-state scan on load.
      const pending = producers.pendingCompletion(marker.producerId, marker.commit, appended.baseOffset);
      if (pending?.isAborted === true) await log.recordAbortedTxn(pending);
      producers.completeTxn(marker, appended.baseOffset);
    } finally {
      producers.endMarker();
    }
    // A single replica is the whole ISR: the high watermark follows the log end at once.
    log.maybeIncrementHighWatermark(appended.lastOffset + 1n);
    partitionWatchOf(services).notify(p.topic, p.partition);
    return ErrorCode.NONE;
  } catch (err) {
    const code = errorCodeOfStorageFailure(err);
    services.logger.error('writing a transaction marker failed', { topic: p.topic, partition: p.partition, error: String(err) });
    return code;
  }
}
