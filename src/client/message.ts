import type { RecordHeader, RecordInput } from '../protocol/records/index.ts';

/** Strings are sent as UTF-8. */
export type Bytes = Buffer | Uint8Array | string;

export interface Message {
  key?: Bytes | null;
  value: Bytes | null;
  /** An object (one value per key) or a list (repeated keys allowed, order kept). */
  headers?: Record<string, Bytes | null> | ReadonlyArray<{ key: string; value: Bytes | null }>;
  /** Explicit partition; otherwise the partitioner chooses. */
  partition?: number;
  /** Create time in ms since the epoch; defaults to the time of `send`. */
  timestamp?: number | bigint;
}

/** A record as consumers see it. Offsets are bigint (int64 at the codec boundary). */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export function toBuffer(b: Bytes | null | undefined): Buffer | null {
  if (b === null || b === undefined) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function toHeaders(h: Message['headers']): RecordHeader[] {
  if (h === undefined) return [];
  if (Array.isArray(h)) return h.map((e: { key: string; value: Bytes | null }) => ({ key: e.key, value: toBuffer(e.value) }));
  return Object.entries(h as Record<string, Bytes | null>).map(([key, value]) => ({ key, value: toBuffer(value) }));
}

/** Converts a message to a batch record; `now` is the send time used when it has no timestamp. */
export function toRecordInput(m: Message, now: bigint): RecordInput {
  return {
    key: toBuffer(m.key),
    value: toBuffer(m.value),
    headers: toHeaders(m.headers),
    timestamp: m.timestamp === undefined ? now : BigInt(m.timestamp),
  };
}

/** Upper bound of a record's encoded size (DefaultRecord: varints of at most 5/10 bytes). */
export function estimateRecordSize(r: RecordInput): number {
  let size = 21 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) size += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}
