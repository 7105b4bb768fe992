import { DecodeError } from '../wire/decode-error.ts';
import { buildBatch } from './build-batch.ts';
import type { Record } from './record.ts';

/**
 * Control records (KIP-98) live alone in control batches. Key: version int16 + type int16
 * (ControlRecordType: 0 ABORT, 1 COMMIT; KRaft uses 2.. for its own markers). Value of a
 * transaction marker (EndTransactionMarker): version int16 + coordinatorEpoch int32.
 * Like Kafka, any version >= 0 is read with the v0 layout (later versions may only append).
 */
export type ControlRecord =
  | { type: 'abort' | 'commit'; version: number; coordinatorEpoch: number }
  /** Not a transaction marker (e.g. KRaft's LeaderChange): consumers skip these. */
  | { type: 'other'; typeId: number; version: number };

export const ControlType = { abort: 0, commit: 1 } as const;
const CONTROL_KEY_SIZE = 4;
const MARKER_VALUE_SIZE = 6;

export function decodeControlRecord(record: Pick<Record, 'key' | 'value'>): ControlRecord {
  const key = record.key;
  if (key === null || key.length < CONTROL_KEY_SIZE) throw new DecodeError('control record key needs 4 bytes');
  const version = key.readInt16BE(0);
  if (version < 0) throw new DecodeError(`invalid control record key version ${version}`);
  const typeId = key.readInt16BE(2);
  if (typeId !== ControlType.abort && typeId !== ControlType.commit) return { type: 'other', typeId, version };
  const value = record.value;
  if (value === null || value.length < MARKER_VALUE_SIZE) throw new DecodeError('transaction marker value needs 6 bytes');
  const markerVersion = value.readInt16BE(0);
  if (markerVersion < 0) throw new DecodeError(`invalid transaction marker version ${markerVersion}`);
  return {
    type: typeId === ControlType.commit ? 'commit' : 'abort',
    version: markerVersion,
    coordinatorEpoch: value.readInt32BE(2),
  };
}

export interface ControlBatchOptions {
  type: 'abort' | 'commit';
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  timestamp?: bigint;
}

/**
 * The marker batch the transaction coordinator's WriteTxnMarkers makes a leader append
 * (MemoryRecords.withEndTransactionMarker): transactional + control, one uncompressed record.
 */
export function buildControlBatch(opts: ControlBatchOptions): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(ControlType[opts.type], 2);
  const value = Buffer.allocUnsafe(MARKER_VALUE_SIZE);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(opts.coordinatorEpoch, 2);
  return buildBatch({
    baseOffset: opts.baseOffset ?? 0n,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    isTransactional: true,
    isControl: true,
    records: [{ key, value, timestamp: opts.timestamp ?? BigInt(Date.now()) }],
  });
}
