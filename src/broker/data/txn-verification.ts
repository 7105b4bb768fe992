import { ErrorCode } from '../../protocol/messages/index.ts';
import type { PartitionProducerState } from '../../coordinator/index.ts';
import type { BrokerServices } from '../handlers/handler.ts';

/**
 * KIP-890 part 1 (Kafka 3.6+ `transaction.partition.verification.enable`): the first transactional
 * batch a producer writes to a partition in a transaction is accepted only if the coordinator has
 * that partition in the producer's ongoing transaction. Without it, a produce retried after its
 * transaction ended (a hanging transaction) would open a transaction no marker ever closes, and the
 * partition's LSO would stop for good. Later batches of the same open transaction need no check.
 *
 * Synchronous (the coordinator is in-process), so Produce can run it between its producer-state
 * check and the append. Errors are translated for Produce as Kafka's ReplicaManager /
 * AddPartitionsToTxnManager do for clients without TRANSACTION_ABORTABLE (Produce < v12).
 */
export function verifyTransactionalBatch(
  services: BrokerServices,
  transactionalId: string | null,
  topic: string,
  partition: number,
  batch: { readonly producerId: bigint; readonly producerEpoch: number },
  producerState: PartitionProducerState,
): { errorCode: number; errorMessage: string } | undefined {
  if (!services.config.bool('transaction.partition.verification.enable')) return undefined;
  if (producerState.openTransactions().some((t) => t.producerId === batch.producerId)) return undefined;
  const code = services.transactions.verifyPartitions(transactionalId ?? '', batch.producerId, batch.producerEpoch, [{ topic, partition }]).get(`${topic}:${partition}`) ?? ErrorCode.NONE;
  switch (code) {
    case ErrorCode.NONE:
      return undefined;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return { errorCode: ErrorCode.INVALID_TXN_STATE, errorMessage: 'Partition was not added to the transaction' };
    case ErrorCode.PRODUCER_FENCED:
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, errorMessage: 'Producer epoch is older than the transaction coordinator’s' };
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      // Retriable for the coordinator but not for every client's Produce: NOT_ENOUGH_REPLICAS is
      // retried without a metadata refresh (ReplicaManager.handleProduceAppend).
      return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, errorMessage: `Unable to verify the partition has been added to the transaction (error ${code})` };
    default:
      return { errorCode: code, errorMessage: 'Transaction verification failed' };
  }
}
