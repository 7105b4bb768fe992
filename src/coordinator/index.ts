/**
 * Coordinators: the classic and KIP-848 consumer-group coordinators and their committed offsets, stored
 * in `__consumer_offsets`, and the transaction coordinator (KIP-98), whose state is in
 * `__transaction_state`. Clocks, timers and the log are injected, so the state machines run in tests
 * without sockets or sleeps.
 */
export { GroupCoordinator, joinError, syncError } from './group/group-coordinator.ts';
export type { GroupCoordinatorConfig, GroupCoordinatorDeps } from './group/group-coordinator.ts';
export { GroupState } from './group/classic-group.ts';
export type { GroupStateName } from './group/classic-group.ts';
export type { ConsumerGroupConfig, ConsumerHeartbeatRequest, ConsumerHeartbeatResult, ConsumerGroupDescription, TopicResolver } from './group/consumer-group-coordinator.ts';
export { MemoryGroupLog, OffsetsTopicLog } from './group/group-log.ts';
export type { GroupLog, GroupLogRecord, OffsetsTopicDeps } from './group/group-log.ts';
export { offsetsPartitionFor, decodeRecord } from './group/group-records.ts';
export type * from './group/types.ts';
export { ProducerIdManager, ProducerStateManager, PartitionProducerState, BATCHES_TO_RETAIN, PRODUCER_ID_BLOCK_SIZE, PRODUCER_ID_FILE, incrementSequence } from './producer/index.ts';
export type { BatchOffsets, CompletedTxn, ProducerBatch, ProducerCheck, ProducerDescription, TxnMarker } from './producer/index.ts';
export { TransactionCoordinator, MemoryTxnLog, TransactionMetadata, TxnState, TXN_STATE_NAMES, tpKey, decodeTxnKey, decodeTxnValue, txnKey } from './txn/index.ts';
export type { InitProducerIdResult, TxnCoordinatorConfig, TxnCoordinatorDeps, TxnDescription, TxnListing, TxnLog, TxnLogRecord, TxnMarkerRequest, TxnMarkerWriter, TopicPartition, TxnStateId } from './txn/index.ts';
