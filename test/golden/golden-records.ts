/**
 * The records every capture sends, in one place: the capture drivers produce them, and the golden
 * and live tests check that the record batches the real clients built decode to exactly these.
 */

export const GOLDEN_TOPIC = 'golden';

/** Compression codec names as clients spell them (Kafka's `compression.type`). */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CodecName = (typeof CODECS)[number];

/** Attribute bits 0-2 of a record batch for each codec. */
export const CODEC_IDS: Readonly<Record<CodecName, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export interface SentRecord {
  readonly key: string;
  readonly value: string;
  /** In the order they are sent; kcat can only give every record the same headers. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

// Repetitive text, so that every codec actually shrinks the batch: librdkafka sends a batch
// uncompressed when compressing would not make it smaller, which would hide the codec under test.
const FILLER = 'the quick brown fox jumps over the lazy dog, '.repeat(3);

/**
 * Three keyed records with two headers. No ':' or newline in keys and values: kcat reads
 * `key:value` lines (`-K :`).
 */
export function goldenRecords(client: string, codec: CodecName): SentRecord[] {
  return [0, 1, 2].map((i) => ({
    key: `key-${i}`,
    value: `${client} ${codec} record ${i} ${FILLER}`,
    headers: [
      ['client', client],
      ['codec', codec],
    ],
  }));
}
