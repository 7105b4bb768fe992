export { TransactionCoordinator } from './txn-coordinator.ts';
export type { InitProducerIdResult, TxnCoordinatorConfig, TxnCoordinatorDeps, TxnDescription, TxnListing } from './txn-coordinator.ts';
export { MemoryTxnLog } from './txn-log.ts';
export type { TxnLog, TxnLogRecord, TxnMarkerRequest, TxnMarkerWriter } from './txn-log.ts';
export { TransactionMetadata, TxnState, TXN_STATE_NAMES, tpKey } from './txn-metadata.ts';
export type { TopicPartition, TxnStateId } from './txn-metadata.ts';
export { decodeTxnKey, decodeTxnValue, txnKey } from './txn-records.ts';
