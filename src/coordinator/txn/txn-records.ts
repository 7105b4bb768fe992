import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue } from '../../protocol/messages/index.ts';
import { Reader, Writer } from '../../protocol/wire/index.ts';
import { TransactionMetadata, TxnState, type TopicPartition, type TxnStateId, type TxnTransit } from './txn-metadata.ts';

/**
 * Records of `__transaction_state` in Kafka's format (TransactionLog.scala): an int16 version, then
 * TransactionLogKey v0 (the transactional id) / TransactionLogValue v0. Kafka writes value v0 until
 * transaction.version 2 is enabled, and so do we, so Kafka's DumpLogSegments --transaction-log-decoder
 * reads these logs. A null value is a tombstone: the id expired.
 */

const KEY_VERSION = 0;
const VALUE_VERSION = 0;

export function txnKey(transactionalId: string): Buffer {
  const w = new Writer(32);
  w.int16(KEY_VERSION);
  encodeTransactionLogKey(w, KEY_VERSION, { transactionalId });
  return w.toBuffer();
}

export function txnValue(t: TxnTransit): Buffer {
  // Kafka writes null partitions for Empty and groups the rest by topic.
  let partitions: { topic: string; partitionIds: number[] }[] | null = null;
  if (t.state !== TxnState.Empty) {
    const byTopic = new Map<string, number[]>();
    for (const tp of t.partitions.values()) {
      let ids = byTopic.get(tp.topic);
      if (ids === undefined) byTopic.set(tp.topic, (ids = []));
      ids.push(tp.partition);
    }
    partitions = [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds }));
  }
  const w = new Writer(64);
  w.int16(VALUE_VERSION);
  encodeTransactionLogValue(w, VALUE_VERSION, {
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    transactionTimeoutMs: t.txnTimeoutMs,
    transactionStatus: t.state,
    transactionPartitions: partitions,
    transactionLastUpdateTimestampMs: BigInt(t.txnLastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(t.txnStartTimestamp),
  });
  return w.toBuffer();
}

export function decodeTxnKey(key: Buffer): string | undefined {
  const r = new Reader(key);
  const version = r.int16();
  if (version !== KEY_VERSION) return undefined;
  return decodeTransactionLogKey(r, version).transactionalId;
}

/** The metadata a record describes (`readTxnRecordValue`); throws DecodeError on malformed bytes. */
export function decodeTxnValue(transactionalId: string, value: Buffer): TransactionMetadata {
  const r = new Reader(value);
  const v = decodeTransactionLogValue(r, r.int16());
  if (v.transactionStatus < 0 || v.transactionStatus > 7) throw new RangeError(`unknown transaction status ${v.transactionStatus}`);
  const state = v.transactionStatus as TxnStateId;
  const partitions: TopicPartition[] = [];
  if (state !== TxnState.Empty) for (const t of v.transactionPartitions ?? []) for (const p of t.partitionIds) partitions.push({ topic: t.topic, partition: p });
  return new TransactionMetadata({
    transactionalId,
    producerId: v.producerId,
    producerEpoch: v.producerEpoch,
    txnTimeoutMs: v.transactionTimeoutMs,
    state,
    partitions,
    txnStartTimestamp: Number(v.transactionStartTimestampMs),
    txnLastUpdateTimestamp: Number(v.transactionLastUpdateTimestampMs),
  });
}
