/** Idempotent producers: producer id allocation (InitProducerId) and per-partition producer state. */
export { ProducerIdManager, PRODUCER_ID_BLOCK_SIZE, PRODUCER_ID_FILE } from './producer-id-manager.ts';
export { ProducerStateManager } from './producer-state-manager.ts';
export { BATCHES_TO_RETAIN, PartitionProducerState, incrementSequence } from './producer-state.ts';
export type { BatchOffsets, CompletedTxn, ProducerBatch, ProducerCheck, ProducerDescription, TxnMarker } from './producer-state.ts';
