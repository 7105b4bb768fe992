import { Attributes, BATCH_HEADER_SIZE, LOG_OVERHEAD, decodeBatch, decodeControlRecord, readBatchHeader, type BatchHeader } from '../../protocol/records/index.ts';
import { readProducerSnapshot, writeProducerSnapshot, type PartitionLog } from '../../storage/index.ts';
import type { Clock, Logger, Scheduler, Timer } from '../../util/index.ts';
import { PartitionProducerState, type TxnMarker } from './producer-state.ts';

/** Bytes read per step while rebuilding state from a log. */
const SCAN_CHUNK_BYTES = 1024 * 1024;

/** Kafka's producer.id.expiration.check.interval.ms default (an internal broker property there). */
export const PRODUCER_EXPIRATION_CHECK_INTERVAL_MS = 600_000;

export interface ProducerStateOptions {
  readonly clock?: Clock;
  /** producer.id.expiration.ms: producers idle this long without an open transaction are forgotten. */
  readonly expirationMs?: number;
  readonly logger?: Logger;
}

/**
 * The producer state of every partition log on this broker, keyed by the log object itself, so a
 * topic deleted and re-created gets fresh state. A partition's state is built on first use from its
 * latest `<offset>.snapshot` (Kafka's format, written at clean shutdown by `writeSnapshots` and
 * every expiry check by `snapshotIdle`) and a replay of the batches after it, or of the whole log
 * when there is none; the replay also puts back .txnindex entries a crash lost. Producers idle for
 * producer.id.expiration.ms without an open transaction are dropped by `removeExpired`.
 */
export class ProducerStateManager {
  readonly #loaded = new Map<PartitionLog, PartitionProducerState>();
  readonly #loading = new Map<PartitionLog, Promise<PartitionProducerState>>();
  /** Log end offset of each partition's last snapshot. */
  readonly #snapshotAt = new Map<PartitionLog, bigint>();
  readonly #clock: Clock | undefined;
  readonly #expirationMs: bigint;
  readonly #logger: Logger | undefined;

  constructor(options: ProducerStateOptions = {}) {
    this.#clock = options.clock;
    this.#expirationMs = BigInt(options.expirationMs ?? 86_400_000);
    this.#logger = options.logger;
  }

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
      loading = this.#rebuild(log).then(
        (state) => {
          this.#loaded.set(log, state);
          this.#loading.delete(log);
          log.firstUnstableOffset = () => state.firstUnstableOffset;
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

  async #rebuild(log: PartitionLog): Promise<PartitionProducerState> {
    const state = new PartitionProducerState();
    const snapshot = await readProducerSnapshot(log.dir, log.logStartOffset, log.logEndOffset);
    if (snapshot !== undefined) {
      state.loadSnapshot(snapshot.entries, BigInt(this.#clock?.now() ?? Date.now()), this.#expirationMs);
      this.#snapshotAt.set(log, snapshot.offset);
    }
    await replay(log, state, snapshot?.offset ?? log.logStartOffset);
    return state;
  }

  /** Kafka's removeExpiredProducers over every partition (run every PRODUCER_EXPIRATION_CHECK_INTERVAL_MS). */
  removeExpired(): number {
    const now = BigInt(this.#clock?.now() ?? Date.now());
    let removed = 0;
    for (const [log, state] of this.#loaded) {
      if (log.closed) {
        this.#loaded.delete(log);
        this.#snapshotAt.delete(log);
        continue;
      }
      removed += state.removeExpiredProducers(now, this.#expirationMs);
    }
    return removed;
  }

  /** Runs `removeExpired` every `intervalMs`; returns the timer's canceller. */
  scheduleExpiry(scheduler: Scheduler, intervalMs = PRODUCER_EXPIRATION_CHECK_INTERVAL_MS): () => void {
    let timer: Timer | undefined;
    const tick = (): void => {
      this.removeExpired();
      void this.snapshotIdle();
      timer = scheduler.schedule(intervalMs, tick);
    };
    timer = scheduler.schedule(intervalMs, tick);
    return () => timer?.cancel();
  }

  /**
   * Writes `<log end>.snapshot` for every partition whose state is built, so the next start replays
   * nothing (Kafka takes one at clean shutdown and at each segment roll). Call once no append can
   * happen any more (after the logs are closed): the state must cover exactly the log below the
   * snapshot's offset. Partitions deleted meanwhile are skipped.
   */
  async writeSnapshots(): Promise<void> {
    for (const log of [...this.#loaded.keys()]) await this.#snapshot(log);
  }

  /**
   * Kafka snapshots at every segment roll, which bounds the replay after a crash. Here the state of
   * a partition matches a log end offset only while no write is in flight, so instead every
   * expiry check (and `snapshotIdle` in tests) snapshots the partitions that grew since their last
   * snapshot and have nothing in flight.
   */
  async snapshotIdle(): Promise<void> {
    for (const [log, state] of [...this.#loaded]) {
      if (log.closed || state.inFlight > 0 || this.#snapshotAt.get(log) === log.logEndOffset) continue;
      await this.#snapshot(log);
    }
  }

  async #snapshot(log: PartitionLog): Promise<void> {
    const state = this.#loaded.get(log);
    if (state === undefined || log.failed) return;
    // Taken in one synchronous step with the log end offset it describes.
    const offset = log.logEndOffset;
    const entries = state.toSnapshot();
    if (entries === undefined) return;
    try {
      await writeProducerSnapshot(log.dir, offset, entries);
      this.#snapshotAt.set(log, offset);
    } catch (err) {
      this.#logger?.debug('no producer snapshot written', { dir: log.dir, error: String(err) });
    }
  }
}

/**
 * Replays the producer fields of every batch from `from` to the log end (as of the scan).
 * Precondition: no idempotent append reaches this log before the returned state is installed
 * (the produce path awaits `load` before checking), so batches appended meanwhile carry no producer id
 * that matters.
 */
async function replay(log: PartitionLog, state: PartitionProducerState, from: bigint): Promise<void> {
  let offset = from;
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
        const completed = state.replay(h, { baseOffset: h.baseOffset, lastOffset }, markerOf(h, bytes, at));
        // An abort whose .txnindex entry a crash lost (marker on disk, entry not yet written) gets
        // it back here, as Kafka's LogLoader rebuilds the index while replaying producer state.
        if (completed?.isAborted === true) await log.recordAbortedTxn(completed, true);
      }
      if (lastOffset + 1n > next) next = lastOffset + 1n;
      at += LOG_OVERHEAD + h.batchLength;
    }
    if (next <= offset) break; // nothing readable further on (should not happen below the log end)
    offset = next;
  }
}

/** The transaction marker of a control batch; undefined for data batches, cleaned-out or non-transaction control records. */
function markerOf(h: BatchHeader, bytes: Buffer, at: number): TxnMarker | undefined {
  if ((h.attributes & Attributes.control) === 0 || h.recordCount === 0) return undefined;
  let control;
  try {
    const record = decodeBatch(bytes, at).records[0];
    if (record === undefined) return undefined;
    control = decodeControlRecord(record);
  } catch {
    return undefined; // a malformed control record closes nothing (Kafka would fail the load; the log is CRC-checked)
  }
  if (control.type === 'other') return undefined;
  return { producerId: h.producerId, producerEpoch: h.producerEpoch, coordinatorEpoch: control.coordinatorEpoch, commit: control.type === 'commit', timestamp: h.maxTimestamp };
}
