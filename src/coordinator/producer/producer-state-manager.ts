import { BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchHeader } from '../../protocol/records/index.ts';
import type { PartitionLog } from '../../storage/index.ts';
import { PartitionProducerState } from './producer-state.ts';

/** Bytes read per step while rebuilding state from a log. */
const SCAN_CHUNK_BYTES = 1024 * 1024;

/**
 * The producer state of every partition log on this broker, keyed by the log object itself, so a
 * topic deleted and re-created gets fresh state. A partition's state is built on first use by
 * scanning the batch headers of its whole log (Kafka rebuilds from its latest `<offset>.snapshot`
 * and replays the batches after it; Gregor writes no snapshots yet, so the replay starts at the log
 * start offset). State is kept for the life of the process: producer.id.expiration.ms is not applied.
 */
export class ProducerStateManager {
  readonly #loaded = new WeakMap<PartitionLog, PartitionProducerState>();
  readonly #loading = new WeakMap<PartitionLog, Promise<PartitionProducerState>>();

  /** The state if already built: callers that must check and append in one synchronous step use this first. */
  loaded(log: PartitionLog): PartitionProducerState | undefined {
    return this.#loaded.get(log);
  }

  /** The partition's state, rebuilt from the log the first time. */
  load(log: PartitionLog): Promise<PartitionProducerState> {
    const done = this.#loaded.get(log);
    if (done !== undefined) return Promise.resolve(done);
    let loading = this.#loading.get(log);
    if (loading === undefined) {
      loading = rebuild(log).then(
        (state) => {
          this.#loaded.set(log, state);
          this.#loading.delete(log);
          return state;
        },
        (err: unknown) => {
          this.#loading.delete(log);
          throw err;
        },
      );
      this.#loading.set(log, loading);
    }
    return loading;
  }
}

/**
 * Replays the producer fields of every batch from the log start to the log end (as of the scan).
 * Precondition: no idempotent append reaches this log before the returned state is installed
 * (the produce path awaits `load` before checking), so batches appended meanwhile carry no producer id
 * that matters.
 */
async function rebuild(log: PartitionLog): Promise<PartitionProducerState> {
  const state = new PartitionProducerState();
  let offset = log.logStartOffset;
  const end = log.logEndOffset;
  while (offset < end) {
    const { bytes } = await log.read(offset, SCAN_CHUNK_BYTES);
    let at = 0;
    let next = offset;
    while (at + BATCH_HEADER_SIZE <= bytes.length) {
      const h = readBatchHeader(bytes, at);
      if (at + LOG_OVERHEAD + h.batchLength > bytes.length) break;
      const lastOffset = h.baseOffset + BigInt(h.lastOffsetDelta);
      if (h.producerId >= 0n && lastOffset >= offset) {
        state.replay(h, { baseOffset: h.baseOffset, lastOffset });
      }
      if (lastOffset + 1n > next) next = lastOffset + 1n;
      at += LOG_OVERHEAD + h.batchLength;
    }
    if (next <= offset) break; // nothing readable further on (should not happen below the log end)
    offset = next;
  }
  return state;
}
