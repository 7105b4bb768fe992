import { ErrorCode } from '../../protocol/messages/index.ts';
import type { ProducerSnapshotEntry } from '../../storage/index.ts';

/**
 * Idempotent-producer state of one partition, after Kafka's `ProducerStateManager`,
 * `ProducerStateEntry` and `ProducerAppendInfo` (storage/src/main/java/org/apache/kafka/storage/internals/log).
 * Per producer id: the current epoch and the metadata of the last five batches (Kafka's
 * NUM_BATCHES_TO_RETAIN, which is why clients cap max.in.flight at 5), enough to recognise a retried
 * batch and answer it with the offset it was first written at.
 *
 * Preconditions: `check` and the `record` that follows it run synchronously, immediately before
 * the batch is queued for append (PartitionLog appends in queue order), so the order of checks is
 * the order in the log. A batch's offsets are learnt when its append resolves; a retry that arrives
 * meanwhile waits for them.
 */

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const BATCHES_TO_RETAIN = 5;
const INT32_MAX = 2147483647;

/** Record batch attribute bit of transactional batches (protocol/records Attributes.transactional). */
const TRANSACTIONAL = 0x10;
/** Record batch attribute bit of control batches (protocol/records Attributes.control). */
const CONTROL = 0x20;

/** The producer fields of a record batch header (see protocol/records BatchHeader). */
export interface ProducerBatch {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
  /** Batch attributes; only the transactional bit matters here. Absent: not transactional. */
  readonly attributes?: number;
  /** The batch's max timestamp, kept as the producer's last timestamp (DescribeProducers, expiry). */
  readonly maxTimestamp?: bigint;
}

/** A transaction closed by a marker (Kafka's CompletedTxn), with the LSO the .txnindex entry records. */
export interface CompletedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  /** Offset of the marker. */
  readonly lastOffset: bigint;
  readonly isAborted: boolean;
  /** Kafka's ProducerStateManager.lastStableOffset(completedTxn): first offset of another open transaction, else lastOffset + 1. */
  readonly lastStableOffset: bigint;
}

/** A transaction marker as the partition sees it (the control batch's producer fields and EndTransactionMarker). */
export interface TxnMarker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly timestamp: bigint;
}

/** One row of DescribeProducers (KIP-664). */
export interface ProducerDescription {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: bigint;
  readonly coordinatorEpoch: number;
  /** -1 without an open transaction. */
  readonly currentTxnStartOffset: bigint;
}

export interface BatchOffsets {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
}

export type ProducerCheck =
  /** New data in sequence: append it, then call `record`. */
  | { readonly kind: 'append' }
  /** A retry of one of the last five batches: answer NONE with the original offsets, do not append. */
  | { readonly kind: 'duplicate'; readonly offsets: Promise<BatchOffsets> }
  | { readonly kind: 'error'; readonly errorCode: number; readonly errorMessage: string };

interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Settles when the append does; rejects if it failed. */
  offsets: Promise<BatchOffsets>;
  /** The offsets once known (snapshots are taken synchronously). */
  resolved?: BatchOffsets;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
  /** Epoch of the transaction coordinator that wrote the last marker; -1 before any. */
  coordinatorEpoch: number;
  /** Timestamp of the last batch or marker (-1 unknown): DescribeProducers and producer.id.expiration.ms. */
  lastTimestamp: bigint;
  /**
   * First offset of the producer's open transaction (Kafka's currentTxnFirstOffset), undefined when
   * none is open. While the opening batch is still being appended this is the log end offset seen
   * when it was checked, a lower bound of its real base offset, so the LSO never passes it.
   */
  txnFirstOffset: bigint | undefined;
}

/** DefaultRecordBatch.incrementSequence: sequences wrap from Int32.MAX_VALUE to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class PartitionProducerState {
  readonly #producers = new Map<bigint, ProducerEntry>();
  /** Producer ids with a transaction open in this partition. */
  readonly #openTxns = new Set<bigint>();
  /** Producer batches and markers checked but not yet settled: while any is, the state may not match the log end. */
  #inFlight = 0;

  /** Number of producer ids with state (tests, diagnostics). */
  get size(): number {
    return this.#producers.size;
  }

  /** The epoch and last sequence known for `producerId` (tests, diagnostics). */
  describe(producerId: bigint): { epoch: number; lastSeq: number | undefined } | undefined {
    const e = this.#producers.get(producerId);
    return e === undefined ? undefined : { epoch: e.epoch, lastSeq: e.batches.at(-1)?.lastSeq };
  }

  /**
   * Decides what to do with a batch from an idempotent producer (producerId >= 0), in Kafka's order:
   * duplicate detection (UnifiedLog.analyzeAndValidateProducerState / findDuplicateBatch), then the
   * epoch check and the sequence check (ProducerAppendInfo.checkProducerEpoch / checkSequence).
   */
  check(batch: ProducerBatch): ProducerCheck {
    const entry = this.#producers.get(batch.producerId);
    // Kafka 2.5+ (KIP-360): a producer without state (new, or all its batches removed by retention
    // or DeleteRecords) may start at any sequence; UNKNOWN_PRODUCER_ID is no longer returned.
    if (entry === undefined) return { kind: 'append' };
    const lastSeq = incrementSequence(batch.baseSequence, batch.lastOffsetDelta);
    if (batch.producerEpoch === entry.epoch) {
      const dup = entry.batches.find((b) => b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq);
      if (dup !== undefined) return { kind: 'duplicate', offsets: dup.offsets };
    }
    if (batch.producerEpoch < entry.epoch) {
      // Produce answers INVALID_PRODUCER_EPOCH (47) at every version; PRODUCER_FENCED (90, KIP-588)
      // is for the transaction APIs.
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        errorMessage: `Epoch of producer ${batch.producerId} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}`,
      };
    }
    if (batch.producerEpoch !== entry.epoch) {
      // A bumped epoch (KIP-360: the Java producer bumps its own epoch after a sequence error) starts at 0.
      if (batch.baseSequence === 0) return this.#checkTxnState(entry, batch);
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        errorMessage: `Invalid sequence number for new epoch of producer ${batch.producerId}: ${batch.producerEpoch} (request epoch), ${batch.baseSequence} (seq. number), ${entry.epoch} (current producer epoch)`,
      };
    }
    const last = entry.batches.at(-1);
    // An entry without batches was made by a marker (its epoch is known): Kafka's checkSequence then
    // compares with NO_SEQUENCE (-1), so only sequence 0 continues it.
    const lastSeqKnown = last?.lastSeq ?? -1;
    if (inSequence(lastSeqKnown, batch.baseSequence)) return this.#checkTxnState(entry, batch);
    return {
      kind: 'error',
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      errorMessage: `Out of order sequence number for producer ${batch.producerId}: ${batch.baseSequence} (incoming seq. number), ${lastSeqKnown} (current end sequence number)`,
    };
  }

  /**
   * ProducerAppendInfo.appendDataBatch: a non-transactional batch while the producer has a
   * transaction open in this partition is INVALID_TXN_STATE (checked after epoch and sequence).
   */
  #checkTxnState(entry: ProducerEntry, batch: ProducerBatch): ProducerCheck {
    if (entry.txnFirstOffset !== undefined && !isTransactional(batch)) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_TXN_STATE,
        errorMessage: `Expected transactional write from producer ${batch.producerId}, which has a transaction open at offset ${entry.txnFirstOffset}`,
      };
    }
    return { kind: 'append' };
  }

  /**
   * Records a batch that `check` accepted and that has just been queued for append. If the append
   * fails while this batch is still the producer's newest, the producer's state is put back as it
   * was, so the client's retry is checked against what the log really holds.
   */
  record(batch: ProducerBatch, appended: Promise<BatchOffsets>, logEndOffset = 0n): void {
    const before = this.#producers.get(batch.producerId);
    const saved = before === undefined ? undefined : { ...before, batches: [...before.batches] };
    const meta: BatchMetadata = { firstSeq: batch.baseSequence, lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta), offsets: appended };
    this.#inFlight++;
    appended.then(
      (o) => {
        meta.resolved = o;
        this.#inFlight--;
      },
      () => this.#inFlight--,
    );
    const entry = this.#push(batch, meta);
    if (isTransactional(batch) && entry.txnFirstOffset === undefined) {
      // The batch opens a transaction. Its offset is not known until the append resolves; the log end
      // offset now is a lower bound (offsets are assigned from it, in queue order).
      entry.txnFirstOffset = logEndOffset;
      this.#openTxns.add(batch.producerId);
      appended.then(
        (o) => {
          if (entry.txnFirstOffset === logEndOffset && this.#producers.get(batch.producerId) === entry) entry.txnFirstOffset = o.baseOffset;
        },
        () => undefined,
      );
    }
    // Retries waiting on `offsets` see the rejection themselves; this handler only repairs state.
    appended.catch(() => {
      const current = this.#producers.get(batch.producerId);
      if (current === undefined || current.batches.at(-1) !== meta) return;
      if (saved === undefined) this.#producers.delete(batch.producerId);
      else this.#producers.set(batch.producerId, saved);
      this.#syncOpenTxn(batch.producerId);
    });
  }

  /**
   * Checks a transaction marker before it is appended (ProducerAppendInfo.appendEndTxnMarker): an
   * epoch older than the producer's is INVALID_PRODUCER_EPOCH, a coordinator epoch older than the
   * last marker's is TRANSACTION_COORDINATOR_FENCED. A marker for a producer with no open
   * transaction here is still written. Returns ErrorCode.NONE when it may be appended.
   */
  checkMarker(marker: Pick<TxnMarker, 'producerId' | 'producerEpoch' | 'coordinatorEpoch'>): number {
    const entry = this.#producers.get(marker.producerId);
    if (entry === undefined) return ErrorCode.NONE;
    if (marker.producerEpoch < entry.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (marker.coordinatorEpoch < entry.coordinatorEpoch) return ErrorCode.TRANSACTION_COORDINATOR_FENCED;
    return ErrorCode.NONE;
  }

  /**
   * The transaction a marker at `markerOffset` closes, without changing anything: the caller writes
   * the .txnindex entry of an abort first, then calls `completeTxn`, so no reader ever sees the LSO
   * past aborted data whose index entry is not yet written. Undefined when no transaction is open
   * (an empty transaction affects neither the LSO nor the index).
   */
  pendingCompletion(producerId: bigint, commit: boolean, markerOffset: bigint): CompletedTxn | undefined {
    const entry = this.#producers.get(producerId);
    if (entry?.txnFirstOffset === undefined) return undefined;
    let lso = markerOffset + 1n;
    for (const pid of this.#openTxns) {
      if (pid === producerId) continue;
      const first = this.#producers.get(pid)?.txnFirstOffset;
      if (first !== undefined && first < lso) lso = first;
    }
    return { producerId, firstOffset: entry.txnFirstOffset, lastOffset: markerOffset, isAborted: !commit, lastStableOffset: lso };
  }

  /**
   * Applies a marker appended at `markerOffset` (ProducerStateEntry.update): closes the producer's
   * transaction, takes the marker's epochs (a newer producer epoch drops the retained batches, so
   * the next batch must start at sequence 0). Returns the completed transaction, if one was open.
   */
  completeTxn(marker: TxnMarker, markerOffset: bigint): CompletedTxn | undefined {
    const completed = this.pendingCompletion(marker.producerId, marker.commit, markerOffset);
    let entry = this.#producers.get(marker.producerId);
    if (entry === undefined) {
      entry = { epoch: marker.producerEpoch, batches: [], coordinatorEpoch: marker.coordinatorEpoch, lastTimestamp: marker.timestamp, txnFirstOffset: undefined };
      this.#producers.set(marker.producerId, entry);
    } else {
      if (marker.producerEpoch !== entry.epoch) {
        entry.epoch = marker.producerEpoch;
        entry.batches = [];
      }
      entry.coordinatorEpoch = marker.coordinatorEpoch;
      entry.lastTimestamp = marker.timestamp;
      entry.txnFirstOffset = undefined;
    }
    this.#openTxns.delete(marker.producerId);
    return completed;
  }

  /** First offset of the oldest open transaction (Kafka's firstUnstableOffset), undefined when none is open. */
  get firstUnstableOffset(): bigint | undefined {
    let first: bigint | undefined;
    for (const pid of this.#openTxns) {
      const f = this.#producers.get(pid)?.txnFirstOffset;
      if (f !== undefined && (first === undefined || f < first)) first = f;
    }
    return first;
  }

  /** The last stable offset (KIP-98): the high watermark, held back by the oldest open transaction. */
  lastStableOffset(highWatermark: bigint): bigint {
    const first = this.firstUnstableOffset;
    return first !== undefined && first < highWatermark ? first : highWatermark;
  }

  /** Open transactions, oldest first (DescribeTransactions-style diagnostics, tests). */
  openTransactions(): Array<{ producerId: bigint; firstOffset: bigint }> {
    const out: Array<{ producerId: bigint; firstOffset: bigint }> = [];
    for (const pid of this.#openTxns) {
      const f = this.#producers.get(pid)?.txnFirstOffset;
      if (f !== undefined) out.push({ producerId: pid, firstOffset: f });
    }
    return out.sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  }

  /** Every producer with state, for DescribeProducers (KIP-664). */
  producers(): ProducerDescription[] {
    const out: ProducerDescription[] = [];
    for (const [producerId, e] of this.#producers) {
      out.push({
        producerId,
        producerEpoch: e.epoch,
        lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
        lastTimestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnStartOffset: e.txnFirstOffset ?? -1n,
      });
    }
    return out;
  }

  /**
   * Drops producers idle for longer than producer.id.expiration.ms that have no open transaction
   * (Kafka's ProducerStateManager.removeExpiredProducers / isProducerExpired). Returns how many.
   */
  removeExpiredProducers(nowMs: bigint, expirationMs: bigint): number {
    let removed = 0;
    for (const [pid, e] of this.#producers) {
      if (e.txnFirstOffset === undefined && nowMs - e.lastTimestamp >= expirationMs) {
        this.#producers.delete(pid);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Writes that changed (or will change) this state and have not settled: data batches between
   * `record` and their append's outcome, markers between `beginMarker` and `endMarker`.
   */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** A marker is about to be appended (writeTxnMarkers); `endMarker` once it is applied or failed. */
  beginMarker(): void {
    this.#inFlight++;
  }

  endMarker(): void {
    this.#inFlight--;
  }

  /**
   * The state as Kafka's snapshot holds it: per producer its epochs, open transaction and last
   * batch only (so after a restart from a snapshot only the last batch is recognised as a
   * duplicate, as in Kafka). Undefined while a write is in flight: the state then need not match
   * any log end offset.
   */
  toSnapshot(): ProducerSnapshotEntry[] | undefined {
    if (this.#inFlight > 0) return undefined;
    const out: ProducerSnapshotEntry[] = [];
    for (const [producerId, e] of this.#producers) {
      const last = e.batches.at(-1);
      const offsets = last?.resolved;
      out.push({
        producerId,
        epoch: e.epoch,
        lastSequence: offsets === undefined ? -1 : last!.lastSeq,
        lastOffset: offsets?.lastOffset ?? -1n,
        offsetDelta: offsets === undefined ? 0 : Number(offsets.lastOffset - offsets.baseOffset),
        timestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnFirstOffset: e.txnFirstOffset ?? -1n,
      });
    }
    return out;
  }

  /** Installs a snapshot's entries (Kafka's loadFromSnapshot), skipping those already expired. */
  loadSnapshot(entries: readonly ProducerSnapshotEntry[], nowMs: bigint, expirationMs: bigint): void {
    for (const s of entries) {
      const txnFirstOffset = s.currentTxnFirstOffset >= 0n ? s.currentTxnFirstOffset : undefined;
      if (txnFirstOffset === undefined && nowMs - s.timestamp >= expirationMs) continue;
      const batches: BatchMetadata[] = [];
      if (s.lastOffset >= 0n) {
        const firstSeq = s.lastSequence - s.offsetDelta < 0 ? s.lastSequence - s.offsetDelta + INT32_MAX + 1 : s.lastSequence - s.offsetDelta;
        const resolved = { baseOffset: s.lastOffset - BigInt(s.offsetDelta), lastOffset: s.lastOffset };
        batches.push({ firstSeq, lastSeq: s.lastSequence, offsets: Promise.resolve(resolved), resolved });
      }
      this.#producers.set(s.producerId, { epoch: s.epoch, batches, coordinatorEpoch: s.coordinatorEpoch, lastTimestamp: s.timestamp, txnFirstOffset });
      if (txnFirstOffset !== undefined) this.#openTxns.add(s.producerId);
    }
  }

  #syncOpenTxn(producerId: bigint): void {
    if (this.#producers.get(producerId)?.txnFirstOffset === undefined) this.#openTxns.delete(producerId);
    else this.#openTxns.add(producerId);
  }

  /**
   * Replays a batch read back from the log when state is rebuilt on load (Kafka's
   * `ProducerStateManager` replay with AppendOrigin.REPLICATION: no checks, the log is the truth).
   */
  replay(batch: ProducerBatch, offsets: BatchOffsets, marker?: TxnMarker): CompletedTxn | undefined {
    const entry = this.#producers.get(batch.producerId);
    if (entry !== undefined && batch.producerEpoch < entry.epoch) return undefined;
    if (((batch.attributes ?? 0) & CONTROL) !== 0) {
      // A control batch whose record was cleaned away closes nothing (ProducerAppendInfo.append).
      return marker === undefined ? undefined : this.completeTxn(marker, offsets.baseOffset);
    }
    const e = this.#push(batch, { firstSeq: batch.baseSequence, lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta), offsets: Promise.resolve(offsets), resolved: offsets });
    if (isTransactional(batch) && e.txnFirstOffset === undefined) {
      e.txnFirstOffset = offsets.baseOffset;
      this.#openTxns.add(batch.producerId);
    }
    return undefined;
  }

  #push(batch: ProducerBatch, meta: BatchMetadata): ProducerEntry {
    const entry = this.#producers.get(batch.producerId);
    const timestamp = batch.maxTimestamp ?? -1n;
    if (entry === undefined || entry.epoch !== batch.producerEpoch) {
      // A new epoch starts with no retained batches (ProducerStateEntry.maybeUpdateProducerEpoch);
      // an open transaction and the coordinator epoch carry over (withProducerIdAndBatchMetadata).
      const fresh: ProducerEntry = {
        epoch: batch.producerEpoch,
        batches: [meta],
        coordinatorEpoch: entry?.coordinatorEpoch ?? -1,
        lastTimestamp: timestamp,
        txnFirstOffset: entry?.txnFirstOffset,
      };
      this.#producers.set(batch.producerId, fresh);
      return fresh;
    }
    entry.batches.push(meta);
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastTimestamp = timestamp; // ProducerStateEntry.addBatch takes the batch's timestamp as it is
    return entry;
  }
}

function isTransactional(batch: ProducerBatch): boolean {
  return ((batch.attributes ?? 0) & TRANSACTIONAL) !== 0;
}
