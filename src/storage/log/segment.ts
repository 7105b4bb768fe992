import fs from 'node:fs';
import { BatchOffsets, BATCH_HEADER_SIZE, LOG_OVERHEAD } from '../../protocol/records/index.ts';
import { readBufferPool } from '../../util/index.ts';
import { scanFile, type ScanEnd } from './batch-scan.ts';
import { DELETED_SUFFIX, segmentPaths, type SegmentPaths } from './file-names.ts';
import { closeFile, datasync, fileSize, isNotFound, openFile, readAt, truncateFile } from './fs-io.ts';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex } from './time-index.ts';
import { TxnIndex } from './txn-index.ts';

export interface SegmentOptions {
  readonly indexBytes: number;
  readonly indexIntervalBytes: number;
}

/** What one batch contributes to a segment's bookkeeping; positions are bytes in the `.log`. */
export interface BatchMeta {
  readonly position: number;
  readonly size: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly leaderEpoch: number;
}

export interface SegmentRead {
  readonly bytes: Buffer;
  /** One past the last offset of the last batch returned. */
  readonly nextOffset: number;
}

/** Read positions remembered per segment: one per consumer reading along, roughly. */
const MAX_READ_HINTS = 16;

/** Results smaller than this are returned in a buffer of their own, not in a pooled one. */
const SMALL_READ = 32 * 1024;

/**
 * `read` results come from the process's read-buffer pool: the broker returns them after writing
 * them to a socket (see SlabPool). Anyone else holding one just lets it be garbage-collected.
 */
const acquireReadBuffer = (length: number): Buffer => readBufferPool.acquire(length);

/**
 * One segment: a `.log` of batches as they came off the wire plus its two sparse indexes, after Kafka's
 * `LogSegment`. Offsets are numbers here: the log refuses offsets beyond 2^53 at its edge, so every
 * offset a segment sees is exact. A segment knows only its committed bytes (`size`); the partition log
 * writes batches and then commits their metadata, so readers never see a half-written batch.
 */
export class LogSegment {
  readonly baseOffset: number;
  readonly dir: string;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** Aborted transactions whose ABORT markers are in this segment (`.txnindex`). */
  readonly txnIndex: TxnIndex;
  readonly #options: SegmentOptions;
  #paths: SegmentPaths;
  #fd: number;
  /** Committed bytes: every byte below is a whole, checked batch. */
  size: number;
  /** One past the last offset in the segment; `baseOffset` when empty. Known once loaded or recovered. */
  nextOffset: number;
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** When the segment.ms clock started: creation time, or the first batch's timestamp for a loaded segment. */
  rollStartMs: number;
  /** Time of the last append (the file's mtime when loaded): retention's fallback for batches without timestamps. */
  lastModifiedMs: number;
  bytesSinceLastIndexEntry = 0;
  indexesLoaded: boolean;
  /** Log bytes written since the last fdatasync. */
  unflushed = false;
  deleted = false;
  #readHints: Array<{ offset: number; position: number }> = [];

  private constructor(dir: string, baseOffset: number, fd: number, size: number, options: SegmentOptions, nowMs: number, suffix = '') {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.#paths = withSuffix(segmentPaths(dir, baseOffset), suffix);
    this.#fd = fd;
    this.size = size;
    this.nextOffset = baseOffset;
    this.#options = options;
    this.offsetIndex = new OffsetIndex(options.indexBytes);
    this.timeIndex = new TimeIndex(options.indexBytes);
    this.txnIndex = new TxnIndex(this.#paths.txnIndex);
    this.indexesLoaded = size === 0;
    this.rollStartMs = nowMs;
    this.lastModifiedMs = nowMs;
  }

  /**
   * A new, empty segment. A stale file of the same name (an empty leftover) is replaced. With a
   * suffix (the cleaner's `.cleaned`), every file name carries it until `renameFiles` moves them.
   */
  static async create(dir: string, baseOffset: number, options: SegmentOptions, nowMs: number, suffix = ''): Promise<LogSegment> {
    const paths = withSuffix(segmentPaths(dir, baseOffset), suffix);
    const fd = await openFile(paths.log, 'w+');
    await Promise.all([paths.index, paths.timeIndex, paths.txnIndex].map((f) => fs.promises.rm(f, { force: true })));
    return new LogSegment(dir, baseOffset, fd, 0, options, nowMs, suffix);
  }

  /** An existing segment; its indexes are loaded (or rebuilt) on first use. */
  static async open(dir: string, baseOffset: number, options: SegmentOptions, nowMs: number): Promise<LogSegment> {
    const fd = await openFile(segmentPaths(dir, baseOffset).log, 'r+');
    const st = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, stats) => (err ? reject(err) : resolve(stats))));
    const segment = new LogSegment(dir, baseOffset, fd, st.size, options, nowMs);
    segment.lastModifiedMs = Math.floor(st.mtimeMs);
    return segment;
  }

  get fd(): number {
    return this.#fd;
  }

  get paths(): SegmentPaths {
    return this.#paths;
  }

  isEmpty(): boolean {
    return this.size === 0;
  }

  /** Whether `lastOffset` can be stored as a 32-bit delta from the base (Kafka's `canConvertToRelativeOffset`). */
  canHold(lastOffset: number): boolean {
    return lastOffset - this.baseOffset <= 0x7fffffff && lastOffset >= this.baseOffset;
  }

  /**
   * Bookkeeping for a batch whose bytes are now in the file at `meta.position`, in Kafka's order:
   * largest timestamp first, then an index entry if more than index.interval.bytes passed since the
   * last one (`LogSegment.append`).
   */
  commitBatch(meta: BatchMeta): void {
    if (meta.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = meta.maxTimestamp;
      this.offsetOfMaxTimestamp = meta.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.#options.indexIntervalBytes) {
      this.offsetIndex.append(meta.lastOffset - this.baseOffset, meta.position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += meta.size;
    this.size = meta.position + meta.size;
    this.nextOffset = meta.lastOffset + 1;
    this.unflushed = true;
  }

  /** Kafka's `onBecomeInactiveSegment`: a final time index entry so the file records the segment's largest timestamp. */
  seal(): void {
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset, true);
  }

  /**
   * Loads both index files, or rebuilds them from the log when missing or failing their sanity checks.
   * Also learns `nextOffset` and the largest timestamp by scanning the tail after the last index entry.
   */
  async ensureIndexes(): Promise<void> {
    if (this.indexesLoaded) return;
    const [indexOk, timeOk] = await Promise.all([
      this.#loadIndex(this.#paths.index, (fd, bytes) => this.offsetIndex.load(fd, bytes, this.size)),
      this.#loadIndex(this.#paths.timeIndex, (fd, bytes) => this.timeIndex.load(fd, bytes, 0x7fffffff)),
    ]);
    if (!indexOk || !timeOk) {
      await this.rebuild(false);
      return;
    }
    const lastTime = this.timeIndex.last();
    if (lastTime !== undefined) {
      this.maxTimestamp = lastTime.timestamp;
      this.offsetOfMaxTimestamp = this.baseOffset + lastTime.relOffset;
    }
    // Replaying the batches after the last index entry reproduces exactly what appending them did:
    // the same entries (duplicates are ignored), the same largest timestamp, the next offset.
    const from = this.offsetIndex.lastPosition();
    this.bytesSinceLastIndexEntry = 0;
    const end = await scanFile(this.#fd, from, this.size, { verifyCrc: false, headersOnly: true }, (b) => {
      this.commitBatch(metaOf(b.buf, b.at, b.position, b.size));
      return undefined;
    });
    this.unflushed = false;
    if (end.kind !== 'end') {
      // The file does not end where the index says batches are; recount from scratch.
      await this.rebuild(false);
      return;
    }
    this.indexesLoaded = true;
  }

  /** Starts the segment.ms clock at the first batch's timestamp, as Kafka's `rollingBasedTimestamp` does. */
  async loadRollStart(): Promise<void> {
    if (this.size < BATCH_HEADER_SIZE) return;
    const header = await readAt(this.#fd, 0, BATCH_HEADER_SIZE);
    if (header.length < BATCH_HEADER_SIZE) return;
    const ts = Number(header.readBigInt64BE(BatchOffsets.maxTimestamp));
    if (ts >= 0) this.rollStartMs = ts;
  }

  async #loadIndex(file: string, load: (fd: number, bytes: number) => Promise<boolean>): Promise<boolean> {
    let fd: number;
    try {
      fd = await openFile(file, 'r');
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    try {
      return await load(fd, await fileSize(fd));
    } finally {
      await closeFile(fd);
    }
  }

  /**
   * Rescans the whole `.log` and rebuilds the indexes (Kafka's `LogSegment.recover`). With `verify`,
   * each batch's length, magic, CRC-32C and offsets are checked and `onBatch` sees it; the scan stops at
   * the first bad byte and the caller decides whether to truncate there.
   */
  async rebuild(verify: boolean, onBatch?: (meta: BatchMeta) => string | undefined): Promise<ScanEnd> {
    this.offsetIndex.clear();
    this.timeIndex.clear();
    this.offsetIndex.markFileStale(await sizeOf(this.#paths.index));
    this.timeIndex.markFileStale(await sizeOf(this.#paths.timeIndex));
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.bytesSinceLastIndexEntry = 0;
    this.nextOffset = this.baseOffset;
    const fileBytes = verify ? await fileSize(this.#fd) : this.size;
    let previousNext = this.baseOffset;
    const end = await scanFile(this.#fd, 0, fileBytes, { verifyCrc: verify }, (b) => {
      const meta = metaOf(b.buf, b.at, b.position, b.size);
      if (verify) {
        if (meta.lastOffset < meta.baseOffset) return `negative last offset delta ${meta.lastOffset - meta.baseOffset}`;
        if (meta.baseOffset < previousNext) return `batch base offset ${meta.baseOffset} is below the previous batch's next offset ${previousNext}`;
        if (!this.canHold(meta.lastOffset)) return `offset ${meta.lastOffset} does not fit segment ${this.baseOffset}`;
      }
      const rejected = onBatch?.(meta);
      if (rejected !== undefined) return rejected;
      this.commitBatch(meta);
      previousNext = meta.lastOffset + 1;
      return undefined;
    });
    this.size = end.position;
    this.unflushed = false;
    this.indexesLoaded = true;
    return end;
  }

  /** Cuts the `.log` at byte `position` (a batch boundary) and drops index entries past it. */
  async truncateToPosition(position: number, nextOffset: number): Promise<number> {
    const removed = this.size - position;
    await truncateFile(this.#fd, position);
    this.size = position;
    this.offsetIndex.truncateToPosition(position);
    this.timeIndex.truncateToRelOffset(nextOffset - this.baseOffset);
    this.nextOffset = Math.max(this.baseOffset, nextOffset);
    this.#readHints = [];
    if (this.maxTimestamp >= 0 && this.offsetOfMaxTimestamp >= nextOffset) {
      const last = this.timeIndex.last();
      this.maxTimestamp = last?.timestamp ?? -1;
      this.offsetOfMaxTimestamp = last === undefined ? -1 : this.baseOffset + last.relOffset;
    }
    this.bytesSinceLastIndexEntry = position - this.offsetIndex.lastPosition();
    this.unflushed = true;
    await this.txnIndex.truncateTo(BigInt(this.nextOffset));
    return removed;
  }

  /**
   * Position of the first batch whose last offset is >= `target`, scanning headers from the nearest
   * index entry (Kafka's `translateOffset`), with its base offset and size; undefined if no such
   * batch lies below `maxPosition`.
   */
  async findBatch(target: number, maxPosition: number): Promise<{ position: number; baseOffset: number; size: number } | undefined> {
    await this.ensureIndexes();
    let found: { position: number; baseOffset: number; size: number } | undefined;
    const start = this.offsetIndex.lookupPosition(target - this.baseOffset);
    const chunkBytes = Math.max(BATCH_HEADER_SIZE, Math.min(64 * 1024, this.#options.indexIntervalBytes * 2 + BATCH_HEADER_SIZE));
    await scanFile(this.#fd, start, Math.min(maxPosition, this.size), { verifyCrc: false, headersOnly: true, chunkBytes }, (b) => {
      const baseOffset = Number(b.buf.readBigInt64BE(b.at));
      if (baseOffset + b.buf.readInt32BE(b.at + BatchOffsets.lastOffsetDelta) < target) return undefined;
      found = { position: b.position, baseOffset, size: b.size };
      return 'found';
    });
    return found;
  }

  /**
   * Whole batches starting with the one holding `target`, at most `maxBytes` of them (at least one
   * when `minOneBatch`, KIP-74), none at or past `maxOffset`. A consumer reading on from where its
   * last read ended hits a remembered position and costs one read call; anyone else pays an index
   * lookup and a header scan first.
   */
  async read(target: number, maxBytes: number, maxOffset: number, minOneBatch: boolean): Promise<SegmentRead | undefined> {
    const limit = this.size;
    let position: number;
    let firstSize = 0;
    const hint = this.#readHints.find((h) => h.offset === target);
    if (hint !== undefined) {
      position = hint.position;
    } else {
      const first = await this.findBatch(target, limit);
      if (first === undefined) return undefined;
      position = first.position;
      firstSize = first.size;
    }
    if (position + BATCH_HEADER_SIZE > limit) return undefined;
    let chunk = await readAt(this.#fd, position, Math.min(limit - position, Math.max(maxBytes, firstSize, BATCH_HEADER_SIZE)), acquireReadBuffer);
    if (chunk.length < BATCH_HEADER_SIZE || Number(chunk.readBigInt64BE(0)) >= maxOffset) {
      readBufferPool.release(chunk);
      return undefined;
    }
    const size = LOG_OVERHEAD + chunk.readInt32BE(BatchOffsets.batchLength);
    if (size > maxBytes && !minOneBatch) {
      readBufferPool.release(chunk);
      return { bytes: Buffer.alloc(0), nextOffset: target };
    }
    if (size > chunk.length) {
      readBufferPool.release(chunk);
      chunk = await readAt(this.#fd, position, Math.min(size, limit - position), acquireReadBuffer);
    }
    let end = 0;
    let nextOffset = target;
    const budget = Math.max(maxBytes, size);
    while (end + BATCH_HEADER_SIZE <= chunk.length) {
      const batchSize = LOG_OVERHEAD + chunk.readInt32BE(end + BatchOffsets.batchLength);
      if (end + batchSize > Math.min(chunk.length, budget)) break;
      const baseOffset = Number(chunk.readBigInt64BE(end));
      if (baseOffset >= maxOffset) break;
      nextOffset = baseOffset + chunk.readInt32BE(end + BatchOffsets.lastOffsetDelta) + 1;
      end += batchSize;
    }
    if (end === 0) {
      readBufferPool.release(chunk);
      return undefined;
    }
    this.#remember(nextOffset, position + end);
    if (end < SMALL_READ && readBufferPool.owns(chunk)) {
      // A small result is copied out so that every pooled buffer a reader gets is large enough for
      // the response encoder to send by reference (it copies byte fields under 8 KiB).
      const small = Buffer.allocUnsafe(end);
      chunk.copy(small, 0, 0, end);
      readBufferPool.release(chunk);
      return { bytes: small, nextOffset };
    }
    return { bytes: end === chunk.length ? chunk : chunk.subarray(0, end), nextOffset };
  }

  #remember(offset: number, position: number): void {
    this.#readHints = [{ offset, position }, ...this.#readHints.filter((h) => h.offset !== offset)].slice(0, MAX_READ_HINTS);
  }

  /** Reads raw bytes (for the cleaner, dump tools and tests). */
  readBytes(position: number, length: number): Promise<Buffer> {
    return readAt(this.#fd, position, length);
  }

  /** fdatasync of the `.log`; returns whether there was anything to sync. */
  async flushLog(): Promise<void> {
    if (!this.unflushed) return;
    this.unflushed = false;
    try {
      await datasync(this.#fd);
    } catch (err) {
      this.unflushed = true;
      throw err;
    }
  }

  /**
   * Writes index entries not yet on disk, and fsyncs them when `sync`. With `createEmpty`, an index
   * without entries still gets its (empty) file, as every Kafka segment has both.
   */
  async flushIndexes(sync: boolean, createEmpty = false): Promise<void> {
    if (!this.indexesLoaded) return;
    await Promise.all([
      persistTo(this.#paths.index, this.offsetIndex.isDirty() || createEmpty, (fd) => this.offsetIndex.persist(fd), sync),
      persistTo(this.#paths.timeIndex, this.timeIndex.isDirty() || createEmpty, (fd) => this.timeIndex.persist(fd), sync),
    ]);
  }

  async close(): Promise<void> {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    await closeFile(fd);
  }

  /** Kafka's async delete, first step: rename every file to `*.deleted` (the fd stays usable for in-flight reads). */
  async markDeleted(): Promise<void> {
    this.deleted = true;
    await this.renameFiles(DELETED_SUFFIX);
  }

  /** Renames the segment's files to their standard names plus `suffix` ('' for the plain names). Missing index files are fine. */
  async renameFiles(suffix: string): Promise<void> {
    const to = withSuffix(segmentPaths(this.dir, this.baseOffset), suffix);
    const from = this.#paths;
    await this.txnIndex.idle();
    await Promise.all(
      (['log', 'index', 'timeIndex', 'txnIndex'] as const).map(async (k) => {
        if (from[k] === to[k]) return;
        try {
          await fs.promises.rename(from[k], to[k]);
        } catch (err) {
          if (!isNotFound(err) || k === 'log') throw err;
        }
      }),
    );
    this.#paths = to;
    this.txnIndex.setPath(to.txnIndex);
  }

  /** Second step: close and unlink (after file.delete.delay.ms). */
  async deleteFiles(): Promise<void> {
    await this.close();
    await this.txnIndex.idle();
    await Promise.all([this.#paths.log, this.#paths.index, this.#paths.timeIndex, this.#paths.txnIndex].map((f) => fs.promises.rm(f, { force: true })));
  }
}

function withSuffix(p: SegmentPaths, suffix: string): SegmentPaths {
  return suffix === '' ? p : { log: p.log + suffix, index: p.index + suffix, timeIndex: p.timeIndex + suffix, txnIndex: p.txnIndex + suffix };
}

export function metaOf(buf: Buffer, at: number, position: number, size: number): BatchMeta {
  const baseOffset = Number(buf.readBigInt64BE(at));
  return {
    position,
    size,
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(at + BatchOffsets.lastOffsetDelta),
    maxTimestamp: Number(buf.readBigInt64BE(at + BatchOffsets.maxTimestamp)),
    leaderEpoch: buf.readInt32BE(at + BatchOffsets.partitionLeaderEpoch),
  };
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
}

async function persistTo(file: string, dirty: boolean, write: (fd: number) => Promise<void>, sync: boolean): Promise<void> {
  if (!dirty) return;
  // O_APPEND would make positioned writes append, so create without it (and without truncating).
  const fd = await openFile(file, fs.constants.O_RDWR | fs.constants.O_CREAT);
  try {
    await write(fd);
    if (sync) await datasync(fd);
  } finally {
    await closeFile(fd);
  }
}
