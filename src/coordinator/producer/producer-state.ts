import { ErrorCode } from '../../protocol/messages/index.ts';

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

/** The producer fields of a record batch header (see protocol/records BatchHeader). */
export interface ProducerBatch {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
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
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
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
      if (batch.baseSequence === 0) return { kind: 'append' };
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        errorMessage: `Invalid sequence number for new epoch of producer ${batch.producerId}: ${batch.producerEpoch} (request epoch), ${batch.baseSequence} (seq. number), ${entry.epoch} (current producer epoch)`,
      };
    }
    const last = entry.batches.at(-1);
    if (last === undefined || inSequence(last.lastSeq, batch.baseSequence)) return { kind: 'append' };
    return {
      kind: 'error',
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      errorMessage: `Out of order sequence number for producer ${batch.producerId}: ${batch.baseSequence} (incoming seq. number), ${last.lastSeq} (current end sequence number)`,
    };
  }

  /**
   * Records a batch that `check` accepted and that has just been queued for append. If the append
   * fails while this batch is still the producer's newest, the producer's state is put back as it
   * was, so the client's retry is checked against what the log really holds.
   */
  record(batch: ProducerBatch, appended: Promise<BatchOffsets>): void {
    const before = this.#producers.get(batch.producerId);
    const saved = before === undefined ? undefined : { epoch: before.epoch, batches: [...before.batches] };
    const meta: BatchMetadata = { firstSeq: batch.baseSequence, lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta), offsets: appended };
    this.#push(batch, meta);
    // Retries waiting on `offsets` see the rejection themselves; this handler only repairs state.
    appended.catch(() => {
      const entry = this.#producers.get(batch.producerId);
      if (entry === undefined || entry.batches.at(-1) !== meta) return;
      if (saved === undefined) this.#producers.delete(batch.producerId);
      else this.#producers.set(batch.producerId, saved);
    });
  }

  /**
   * Replays a batch read back from the log when state is rebuilt on load (Kafka's
   * `ProducerStateManager` replay with AppendOrigin.REPLICATION: no checks, the log is the truth).
   */
  replay(batch: ProducerBatch, offsets: BatchOffsets): void {
    const entry = this.#producers.get(batch.producerId);
    if (entry !== undefined && batch.producerEpoch < entry.epoch) return;
    this.#push(batch, { firstSeq: batch.baseSequence, lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta), offsets: Promise.resolve(offsets) });
  }

  #push(batch: ProducerBatch, meta: BatchMetadata): void {
    const entry = this.#producers.get(batch.producerId);
    if (entry === undefined || entry.epoch !== batch.producerEpoch) {
      // A new epoch starts with no retained batches (ProducerStateEntry.maybeUpdateProducerEpoch).
      this.#producers.set(batch.producerId, { epoch: batch.producerEpoch, batches: [meta] });
      return;
    }
    entry.batches.push(meta);
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
  }
}
