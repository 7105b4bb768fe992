import type { PartitionLog } from '../../storage/index.ts';
import type { BrokerServices } from '../handlers/handler.ts';

/**
 * The last stable offset (KIP-98): the high watermark, held back by the first offset of the oldest
 * transaction still open in the partition. The partition's producer state is built first if it is
 * not yet (after a restart, an open transaction in the log must hold the LSO back).
 */
export async function lastStableOffset(services: BrokerServices, log: PartitionLog): Promise<bigint> {
  const state = services.producers.state.loaded(log) ?? (await services.producers.state.load(log));
  const lso = state.lastStableOffset(log.highWatermark);
  // An open transaction whose start was deleted (retention, DeleteRecords) holds the LSO at the log
  // start, not below it (UnifiedLog.maybeIncrementFirstUnstableOffset).
  return lso < log.logStartOffset ? log.logStartOffset : lso;
}

/** The exclusive bound of what a consumer may read: the high watermark, or under read_committed the LSO. */
export async function lastFetchableOffset(services: BrokerServices, log: PartitionLog, readCommitted: boolean): Promise<bigint> {
  return readCommitted ? lastStableOffset(services, log) : log.highWatermark;
}
