import { ControlType, type DecodedBatch } from '../../protocol/records/index.ts';
import type { AbortedTxn } from './txn-index.ts';

/**
 * What the cleaner knows about transactions while it walks a log, after Kafka's
 * `CleanedTransactionMetadata` (core/src/main/scala/kafka/log/LogCleaner.scala). Aborted
 * transactions come from the .txnindex files (fed per segment, ordered by first offset); batches
 * are read in offset order.
 *  - A transactional batch of a producer whose aborted transaction has started is aborted data:
 *    the cleaner drops its records.
 *  - An ABORT marker may go only once no batch of its transaction is left (none was seen in this
 *    pass); while some is, the marker stays and its .txnindex entry is copied to the cleaned segment.
 *  - A COMMIT marker may go once no batch of its transaction was seen in this pass.
 *  "May go" is then delayed by delete.retention.ms through the batch's delete horizon (KIP-534),
 *  like tombstones, so a consumer in the middle of the transaction still sees the marker.
 */
export class CleanerTxnState {
  /** Aborted transactions not yet started, by first offset. */
  #pending: AbortedTxn[] = [];
  /** Producer id → the aborted transaction it is inside, and whether a batch of it was seen. */
  readonly #ongoingAborted = new Map<bigint, { txn: AbortedTxn; seenData: boolean }>();
  /** Producers inside a transaction that is not aborted (so committed, or later aborted past the section). */
  readonly #ongoingCommitted = new Set<bigint>();
  /** Entries for the cleaned segment's .txnindex: aborted transactions whose markers are kept. */
  retained: AbortedTxn[] = [];
  /** `producerId:lastOffset` of every transaction added: segments' lookups overlap. */
  readonly #known = new Set<string>();

  addAbortedTransactions(txns: readonly AbortedTxn[]): void {
    for (const t of txns) {
      const key = `${t.producerId}:${t.lastOffset}`;
      if (this.#known.has(key)) continue;
      this.#known.add(key);
      this.#pending.push(t);
    }
    this.#pending.sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  }

  /** Returns whether the batch may be discarded (its records for data, the whole marker for control batches). */
  onBatch(batch: DecodedBatch): boolean {
    const h = batch.header;
    this.#startAbortedUpTo(h.baseOffset + BigInt(h.lastOffsetDelta));
    return batch.isControl ? this.#onControl(batch) : this.#onData(batch);
  }

  #onControl(batch: DecodedBatch): boolean {
    const record = batch.records[0];
    if (record === undefined || record.key === null || record.key.length < 4) return true; // already emptied by an earlier cleaning
    const type = record.key.readInt16BE(2);
    const producerId = batch.header.producerId;
    if (type === ControlType.abort) {
      const ongoing = this.#ongoingAborted.get(producerId);
      this.#ongoingAborted.delete(producerId);
      if (ongoing?.seenData === true) {
        this.retained.push(ongoing.txn);
        return false;
      }
      return true;
    }
    if (type === ControlType.commit) return !this.#ongoingCommitted.delete(producerId);
    return false;
  }

  #onData(batch: DecodedBatch): boolean {
    if (!batch.isTransactional) return false;
    const ongoing = this.#ongoingAborted.get(batch.header.producerId);
    if (ongoing !== undefined) {
      ongoing.seenData = true;
      return true;
    }
    this.#ongoingCommitted.add(batch.header.producerId);
    return false;
  }

  #startAbortedUpTo(offset: bigint): void {
    while (this.#pending.length > 0 && this.#pending[0]!.firstOffset <= offset) {
      const txn = this.#pending.shift()!;
      if (!this.#ongoingAborted.has(txn.producerId)) this.#ongoingAborted.set(txn.producerId, { txn, seenData: false });
    }
  }
}
