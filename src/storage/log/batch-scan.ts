import { BatchOffsets, LOG_OVERHEAD, checkBatchAt } from '../../protocol/records/index.ts';
import { readAt } from './fs-io.ts';

/**
 * Walking the batches of a segment file, for recovery, index rebuilds and offset lookups. Batches are
 * read a chunk at a time (one fs call per chunk, not per batch) and checked with the records module's
 * `checkBatchAt`, as Kafka's `LogSegment.recover` uses `batch.ensureValid()`: a sane length, magic 2,
 * the whole batch present, and optionally the CRC-32C. Anything else ends the scan with its position.
 */
export interface ScannedBatch {
  /** Chunk holding the whole batch at `at` (with `headersOnly`, possibly just its header). */
  readonly buf: Buffer;
  readonly at: number;
  /** Byte position of the batch in the file. */
  readonly position: number;
  readonly size: number;
}

export type ScanEnd =
  | { readonly kind: 'end'; readonly position: number }
  | { readonly kind: 'torn' | 'corrupt' | 'rejected'; readonly position: number; readonly reason: string };

export interface ScanOptions {
  readonly verifyCrc: boolean;
  /** Only headers are needed (so no CRC check): batches larger than a chunk are skipped, not read. */
  readonly headersOnly?: boolean;
  readonly chunkBytes?: number;
}

const DEFAULT_CHUNK = 1024 * 1024;
/** Bytes `checkBatchAt` needs to judge length and magic. */
const PREFIX = BatchOffsets.magic + 1;
/** Bytes of header the visitors read (through maxTimestamp and the leader epoch). */
const HEADER_NEEDED = BatchOffsets.producerId;

/**
 * Calls `visit` for each valid batch from `start` to `fileEnd`, in order. `visit` may return a reason
 * to reject a batch (offsets going backwards, say), which ends the scan there. An async visitor is
 * awaited (the cleaner's); the chunk it is given stays valid until it settles.
 */
export async function scanFile(
  fd: number,
  start: number,
  fileEnd: number,
  options: ScanOptions,
  visit: (batch: ScannedBatch) => string | undefined | Promise<string | undefined>,
): Promise<ScanEnd> {
  const chunkBytes = Math.max(options.chunkBytes ?? DEFAULT_CHUNK, 64);
  const headersOnly = options.headersOnly === true;
  let position = start;
  let end = fileEnd;
  while (position < end) {
    const wanted = Math.min(chunkBytes, end - position);
    const chunk = await readAt(fd, position, wanted);
    if (chunk.length < wanted) end = position + chunk.length; // the file is shorter than the caller thought
    let at = 0;
    let next = -1;
    while (position + at < end) {
      const filePos = position + at;
      if (chunk.length - at < PREFIX) {
        if (chunk.length === end - position) return torn(filePos, `${end - filePos} trailing bytes, less than a batch header`);
        break; // the header continues in the next chunk
      }
      const checked = checkBatchAt(chunk, at, false);
      if (checked === 'corrupt') return { kind: 'corrupt', position: filePos, reason: `batch length ${chunk.readInt32BE(at + BatchOffsets.batchLength)} is below the minimum` };
      if (checked === 'magic') return { kind: 'corrupt', position: filePos, reason: `unsupported magic ${chunk.readInt8(at + BatchOffsets.magic)}` };
      const size = typeof checked === 'number' ? checked : LOG_OVERHEAD + chunk.readInt32BE(at + BatchOffsets.batchLength);
      if (filePos + size > end) return torn(filePos, `batch of ${size} bytes runs past the end of the data (${end - filePos} bytes left)`);
      let buf = chunk;
      let bufAt = at;
      if (typeof checked !== 'number') {
        // The batch continues past this chunk.
        if (headersOnly && chunk.length - at >= HEADER_NEEDED) {
          next = filePos + size;
        } else if (at > 0 && size <= chunkBytes) {
          break; // re-read starting at this batch
        } else {
          buf = await readAt(fd, filePos, size);
          bufAt = 0;
          if (buf.length < size) return torn(filePos, 'the file ended inside a batch');
          next = filePos + size;
        }
      }
      if (options.verifyCrc && !headersOnly && checkBatchAt(buf, bufAt, true) === 'crc') {
        return { kind: 'corrupt', position: filePos, reason: 'CRC-32C mismatch' };
      }
      let rejected = visit({ buf, at: bufAt, position: filePos, size });
      if (rejected instanceof Promise) rejected = await rejected;
      if (rejected !== undefined) return { kind: 'rejected', position: filePos, reason: rejected };
      if (next >= 0) break;
      at += size;
    }
    position = next >= 0 ? next : position + at;
  }
  return { kind: 'end', position };
}

function torn(position: number, reason: string): ScanEnd {
  return { kind: 'torn', position, reason };
}
