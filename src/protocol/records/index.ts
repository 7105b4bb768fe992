export * from './batch-header.ts';
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  compress,
  compressAsync,
  decompress,
  decompressAsync,
  compressionNames,
  isCompressionCode,
} from './compression.ts';
export type { CompressOptions } from './compression.ts';
export type { Record, RecordHeader } from './record.ts';
export { buildBatch, buildBatchAsync } from './build-batch.ts';
export type { BuildBatchOptions, RecordInput } from './build-batch.ts';
export { decodeBatch, decodeBatchAsync, decodeBatches, decodeBatchesAsync, nextOffsetOf } from './decode-batch.ts';
export type { DecodedBatch, DecodeOptions } from './decode-batch.ts';
export { ControlType, buildControlBatch, decodeControlRecord } from './control-record.ts';
export type { ControlBatchOptions, ControlRecord } from './control-record.ts';
export { checkBatchAt, scanBatches, scanFetchedBatches } from './scan-batches.ts';
export type { BatchProblem, ScanOptions, ScanResult, ScannedBatch } from './scan-batches.ts';
