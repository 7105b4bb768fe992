import { decodeBatch } from '../../src/protocol/records/index.ts';
import type { SentRecord } from './golden-records.ts';

/** A record batch from a Produce request, with its records in the shape the drivers sent them. */
export interface ProducedBatch {
  /** Attribute bits 0-2: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly compression: number;
  readonly isControl: boolean;
  readonly producerId: bigint;
  readonly records: SentRecord[];
}

/**
 * Decodes every batch of a Produce partition's records blob with the records module (CRC-32C
 * checked, inflated), requiring the batches to fill the blob exactly: a producer never sends a
 * partial batch, unlike a Fetch response cut at its size limit.
 */
export function decodeProducedBatches(blob: Buffer): ProducedBatch[] {
  const batches: ProducedBatch[] = [];
  for (let at = 0; at < blob.length; ) {
    const batch = decodeBatch(blob, at);
    at += batch.size;
    batches.push({
      compression: batch.compression,
      isControl: batch.isControl,
      producerId: batch.header.producerId,
      records: batch.records.map((r) => ({
        key: r.key?.toString('utf8') ?? '<null>',
        value: r.value?.toString('utf8') ?? '<null>',
        headers: r.headers.map((h) => [h.key, h.value?.toString('utf8') ?? '<null>'] as const),
      })),
    });
  }
  return batches;
}
