import { ErrorCode } from '../../protocol/messages/index.ts';
import { Attributes, Compression, decodeBatch, scanBatches } from '../../protocol/records/index.ts';
import { DecodeError } from '../../protocol/wire/index.ts';

/** Why a partition's records were refused, before they reach the log. */
export interface RecordsRejection {
  readonly errorCode: number;
  readonly errorMessage: string;
  /** Produce v8+ `record_errors`: the offending record's index in the batch (KIP-467). */
  readonly recordErrors?: ReadonlyArray<{ batchIndex: number; batchIndexErrorMessage: string | null }>;
}

/**
 * Protocol-level checks on one partition's records, as Kafka's ProduceRequest.validateRecords and
 * LogValidator make them: exactly one magic-2 batch (v3+), intact (length, CRC-32C), zstd only from
 * Produce v7 (KIP-110), and on compacted topics a key on every record. Size limits and offsets are
 * the log's business. The batch is decompressed only for the compacted-topic key check.
 */
export function validateProduceRecords(records: Buffer | null, version: number, compacted: boolean): RecordsRejection | undefined {
  if (records === null || records.length === 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: 'Produce requests with version 3 and above must contain exactly one record batch per partition.' };
  }
  const scan = scanBatches(records);
  if (scan.error !== undefined) {
    const code = scan.error.kind === 'magic' ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE;
    return { errorCode: code, errorMessage: scan.error.message };
  }
  if (scan.batches.length !== 1) {
    return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: 'Produce requests with version 3 and above must contain exactly one record batch per partition.' };
  }
  const header = scan.batches[0]!.header;
  const compression = header.attributes & Attributes.compressionMask;
  if (compression === Compression.zstd && version < 7) {
    return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, errorMessage: 'Produce requests with version below 7 may not use zstd compression.' };
  }
  if (compression > Compression.zstd) {
    return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, errorMessage: `Unknown compression codec ${compression}.` };
  }
  if ((header.attributes & Attributes.control) !== 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: 'Control batches may only be written by the broker.' };
  }
  if (compacted) return checkKeys(records);
  return undefined;
}

function checkKeys(records: Buffer): RecordsRejection | undefined {
  let decoded;
  try {
    decoded = decodeBatch(records, 0);
  } catch (err) {
    if (err instanceof DecodeError) return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: err.message };
    throw err;
  }
  const missing = decoded.records.findIndex((r) => r.key === null);
  if (missing < 0) return undefined;
  return {
    errorCode: ErrorCode.INVALID_RECORD,
    errorMessage: 'Compacted topic cannot accept message without key.',
    recordErrors: [{ batchIndex: missing, batchIndexErrorMessage: 'Compacted topic cannot accept message without key in topic partition.' }],
  };
}
