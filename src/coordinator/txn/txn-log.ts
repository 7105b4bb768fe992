import { offsetsPartitionFor } from '../group/group-records.ts';

/**
 * Where the transaction coordinator writes its records: one partition of `__transaction_state` per
 * transactional id (Kafka's `Utils.abs(transactionalId.hashCode) % transaction.state.log.num.partitions`,
 * the same hash as groups use). The broker plugs in the real topic (OffsetsTopicLog pointed at
 * `__transaction_state`); tests use MemoryTxnLog and restart by building a new coordinator over it.
 */
export interface TxnLogRecord {
  readonly key: Buffer;
  /** null = tombstone (expired transactional id). */
  readonly value: Buffer | null;
}

export interface TxnLog {
  partitionFor(transactionalId: string): number;
  /** Resolves once the records are in the log, as durable as an acks=all write. */
  append(partition: number, records: readonly TxnLogRecord[]): Promise<void>;
  /** Every record, each partition oldest first (loading at broker start); control entries are skipped. */
  readAll(): AsyncIterable<TxnLogRecord & { readonly control?: string }>;
}

export class MemoryTxnLog implements TxnLog {
  readonly partitions: TxnLogRecord[][];
  /** When set, append fails with it. */
  failWith: Error | undefined;
  appends = 0;

  constructor(partitionCount = 3) {
    this.partitions = Array.from({ length: partitionCount }, () => []);
  }

  partitionFor(transactionalId: string): number {
    return offsetsPartitionFor(transactionalId, this.partitions.length);
  }

  async append(partition: number, records: readonly TxnLogRecord[]): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    this.appends++;
    this.partitions[partition]!.push(...records);
  }

  async *readAll(): AsyncIterable<TxnLogRecord> {
    for (const p of this.partitions) yield* p;
  }
}

/** One partition a marker goes to, and the request for one transaction (Kafka's WriteTxnMarkers entry). */
export interface TxnMarkerRequest {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly partitions: readonly { readonly topic: string; readonly partition: number }[];
}

/**
 * Writes COMMIT/ABORT control batches to the partitions of a transaction (Kafka's
 * TransactionMarkerChannelManager + WriteTxnMarkers). Resolves an error code per partition, keyed
 * `${topic}:${partition}`; a missing key counts as success.
 */
export interface TxnMarkerWriter {
  write(request: TxnMarkerRequest): Promise<ReadonlyMap<string, number>>;
}
