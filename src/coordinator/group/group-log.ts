import { buildBatch, decodeBatchesAsync, decodeControlRecord, nextOffsetOf } from '../../protocol/records/index.ts';
import type { Durability, PartitionLog } from '../../storage/index.ts';
import { GregorError, type Clock } from '../../util/index.ts';
import { offsetsPartitionFor } from './group-records.ts';

/**
 * Where the group coordinator writes its records: one partition of `__consumer_offsets` per group,
 * chosen as Kafka does. An interface so the state machine is tested against memory and the broker
 * plugs in the real topic (OffsetsTopicLog below).
 */
export interface GroupLogRecord {
  readonly key: Buffer;
  /** null = tombstone. */
  readonly value: Buffer | null;
}

/** The producer a transactional batch (TxnOffsetCommit, KIP-98) is written for. */
export interface GroupLogTxn {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/**
 * What loading reads back: a record, with the producer id when it came in a transactional batch
 * (pending until that producer's marker), or a transaction marker (control batch) of a partition.
 */
export interface GroupLogEntry extends GroupLogRecord {
  /** The producer of a transactional batch, or of a marker. */
  readonly producerId?: bigint;
  /** Set for a transaction marker (key and value are then the control record's). */
  readonly control?: 'commit' | 'abort';
  /** The partition a marker was read from. */
  readonly partition?: number;
}

export interface GroupLog {
  partitionFor(groupId: string): number;
  /**
   * Appends the records as one batch; resolves once they are in the log (and readable after a
   * restart). With `txn` the batch is transactional (Kafka's GroupMetadataManager writes
   * TxnOffsetCommit records with the producer's id and epoch and no sequence).
   */
  append(partition: number, records: readonly GroupLogRecord[], txn?: GroupLogTxn): Promise<void>;
  /** Every entry of every partition, each partition oldest first (loading at broker start). */
  readAll(): AsyncIterable<GroupLogEntry>;
}

/** For tests: a log in memory that can be replayed into a fresh coordinator (a "restart"). */
export class MemoryGroupLog implements GroupLog {
  readonly partitions: GroupLogEntry[][];
  /** When set, append fails with it (coordinator error paths). */
  failWith: Error | undefined;

  constructor(partitionCount = 3) {
    this.partitions = Array.from({ length: partitionCount }, () => []);
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.partitions.length);
  }

  async append(partition: number, records: readonly GroupLogRecord[], txn?: GroupLogTxn): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    this.partitions[partition]!.push(...records.map((r) => (txn === undefined ? r : { ...r, producerId: txn.producerId })));
  }

  /** What a COMMIT/ABORT marker written to this partition leaves in the log (tests of loading). */
  appendMarker(partition: number, producerId: bigint, commit: boolean): void {
    this.partitions[partition]!.push({ key: Buffer.alloc(0), value: null, control: commit ? 'commit' : 'abort', producerId, partition });
  }

  async *readAll(): AsyncIterable<GroupLogEntry> {
    for (const p of this.partitions) yield* p;
  }
}

export interface OffsetsTopicDeps {
  /** Partition count of `__consumer_offsets` if it exists. */
  existingPartitions(): number | undefined;
  /** `offsets.topic.num.partitions`, used until the topic exists. */
  readonly configuredPartitions: number;
  /** The topic's name, for messages (default `__consumer_offsets`; `__transaction_state` reuses this class). */
  readonly topic?: string;
  /** Creates the topic (compacted, Kafka's internal-topic settings); idempotent. */
  createTopic(): Promise<void>;
  getLog(partition: number): PartitionLog | undefined;
  leaderEpoch(partition: number): number;
  readonly durability: Durability;
  readonly clock: Clock;
}

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * GroupLog over the partition logs of `__consumer_offsets`. The topic is created on the first
 * write (Kafka creates it on the first FindCoordinator), so a broker that never sees a group pays
 * nothing for its partitions.
 */
export class OffsetsTopicLog implements GroupLog {
  readonly #deps: OffsetsTopicDeps;
  readonly #topic: string;
  #creating: Promise<void> | undefined;

  constructor(deps: OffsetsTopicDeps) {
    this.#deps = deps;
    this.#topic = deps.topic ?? '__consumer_offsets';
  }

  /**
   * Kafka hashes over `offsets.topic.num.partitions`; once the topic exists we use its real partition
   * count instead, so changing the property later cannot strand a group's records in another partition.
   */
  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.#deps.existingPartitions() ?? this.#deps.configuredPartitions);
  }

  async append(partition: number, records: readonly GroupLogRecord[], txn?: GroupLogTxn): Promise<void> {
    let log = this.#deps.getLog(partition);
    if (log === undefined) {
      this.#creating ??= this.#deps.createTopic().finally(() => (this.#creating = undefined));
      await this.#creating;
      log = this.#deps.getLog(partition);
    }
    if (log === undefined) throw new GregorError('COORDINATOR_NOT_AVAILABLE', `${this.#topic} partition ${partition} is not hosted here`, { retriable: true });
    const batch = buildBatch({
      records: records.map((r) => ({ key: r.key, value: r.value })),
      now: BigInt(this.#deps.clock.now()),
      ...(txn === undefined ? {} : { producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: -1, isTransactional: true }),
    });
    const result = await log.append(batch, { requiredDurability: this.#deps.durability, leaderEpoch: this.#deps.leaderEpoch(partition) });
    // One replica is the whole ISR (as in the Produce path): the high watermark follows the log end,
    // never backwards (transaction markers are appended to these partitions concurrently).
    log.maybeIncrementHighWatermark(result.lastOffset + 1n);
  }

  async *readAll(): AsyncIterable<GroupLogEntry> {
    const count = this.#deps.existingPartitions() ?? 0;
    for (let p = 0; p < count; p++) {
      const log = this.#deps.getLog(p);
      if (log === undefined) continue;
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const read = await log.read(offset, READ_CHUNK_BYTES);
        if (read.bytes.length === 0) break;
        const batches = await decodeBatchesAsync(read.bytes);
        if (batches.length === 0) break;
        for (const b of batches) {
          if (b.isControl) {
            for (const r of b.records) {
              if (r.offset < offset) continue;
              let marker: ReturnType<typeof decodeControlRecord>;
              try {
                marker = decodeControlRecord(r);
              } catch {
                continue; // not a transaction marker we can read: nothing to settle
              }
              if (marker.type !== 'other') yield { key: r.key ?? Buffer.alloc(0), value: r.value, control: marker.type, producerId: b.header.producerId, partition: p };
            }
          } else {
            for (const r of b.records) {
              if (r.key === null || r.offset < offset) continue;
              yield b.isTransactional ? { key: r.key, value: r.value, producerId: b.header.producerId } : { key: r.key, value: r.value };
            }
          }
          offset = nextOffsetOf(b.header);
        }
      }
    }
  }
}
