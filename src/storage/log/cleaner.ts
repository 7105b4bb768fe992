import {
  Attributes,
  BatchOffsets,
  buildBatchAsync,
  computeBatchCrc,
  decodeBatchAsync,
  type CompressionCode,
  type DecodedBatch,
} from '../../protocol/records/index.ts';
import type { Logger } from '../../util/index.ts';
import { scanFile } from './batch-scan.ts';
import { CLEANED_SUFFIX } from './file-names.ts';
import { writevAll } from './fs-io.ts';
import type { PartitionLog } from './partition-log.ts';
import { largestTimestamp } from './retention.ts';
import { LogSegment, metaOf } from './segment.ts';
import { CleanerTxnState } from './cleaner-txn.ts';

/**
 * Log compaction (cleanup.policy=compact), after Kafka's `LogCleaner`/`Cleaner`:
 *  1. the dirty section (from the cleaner checkpoint to the first uncleanable offset: the active
 *     segment, the high watermark, min.compaction.lag.ms) is read and a map key → latest offset built;
 *  2. every inactive segment up to the end of that section is rewritten, in groups that fit one
 *     segment, keeping a record only if it is the latest for its key. Offsets never change.
 *     Tombstones get a delete horizon (KIP-534: now + delete.retention.ms, stored in the batch) the
 *     first time they are cleaned and are dropped by the first cleaning after it;
 *  3. each group is swapped in through `.cleaned` → `.swap` → final names (PartitionLog.replaceSegments).
 * It works a chunk at a time with awaits between, so the event loop (and appends) keep running.
 * Transactions (cleaner-txn.ts): the dirty section stops at the first open transaction; records of
 * aborted transactions are left out of the key map and removed; markers go once no data of their
 * transaction is left, delete.retention.ms after that is first seen; the .txnindex entries of
 * aborted transactions whose markers stay are carried into the cleaned segment.
 */
export interface CleanerOptions {
  /** Distinct keys one pass may hold (Kafka sizes this with log.cleaner.dedupe.buffer.size). */
  readonly maxKeysPerPass: number;
  readonly logger: Logger;
  /** Checked between batches: stops the pass (shutdown, log deleted). */
  readonly shouldStop?: () => boolean;
}

export interface DirtyStats {
  readonly firstDirtyOffset: number;
  /** End (exclusive) of the whole segments that may be cleaned. */
  readonly cleanableEndOffset: number;
  readonly cleanBytes: number;
  readonly dirtyBytes: number;
  /** dirty / (clean + dirty), Kafka's cleanable ratio. */
  readonly ratio: number;
}

export interface CleanResult {
  /** The new cleaner checkpoint: everything below is clean. */
  readonly endOffset: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly recordsRemoved: number;
  readonly groups: number;
}

/** The first dirty offset from the checkpoint, reset to the log start when outside the log (Kafka's `cleanableOffsets`). */
export function firstDirtyOffset(log: PartitionLog, checkpoint: number | undefined): number {
  const start = Number(log.logStartOffset);
  const end = Number(log.logEndOffset);
  return checkpoint === undefined || checkpoint < start || checkpoint > end ? start : checkpoint;
}

/**
 * How dirty the log is. Only whole inactive segments count: the dirty section ends at the first
 * segment that is active, reaches the high watermark, or holds records newer than min.compaction.lag.ms.
 */
export async function dirtyStats(log: PartitionLog, checkpoint: number | undefined, nowMs: number): Promise<DirtyStats> {
  const firstDirty = firstDirtyOffset(log, checkpoint);
  const segments = log.segments;
  const highWatermark = Number(log.highWatermark);
  const minLag = log.config['min.compaction.lag.ms'];
  const unstable = log.firstUnstableOffset();
  let cleanBytes = 0;
  let dirtyBytes = 0;
  let end = segments[0]?.baseOffset ?? 0;
  for (let i = 0; i + 1 < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1]!;
    if (next.baseOffset <= firstDirty) {
      cleanBytes += seg.size;
      end = next.baseOffset;
      continue;
    }
    if (next.baseOffset > highWatermark) break;
    if (unstable !== undefined && next.baseOffset > Number(unstable)) break;
    await seg.ensureIndexes();
    if (minLag > 0 && largestTimestamp(seg) > nowMs - minLag) break;
    dirtyBytes += seg.size;
    end = next.baseOffset;
  }
  const total = cleanBytes + dirtyBytes;
  return { firstDirtyOffset: firstDirty, cleanableEndOffset: end, cleanBytes, dirtyBytes, ratio: total === 0 ? 0 : dirtyBytes / total };
}

/** One cleaning pass over `log`. Returns undefined when there was nothing to clean. */
export async function cleanLog(log: PartitionLog, stats: DirtyStats, nowMs: number, options: CleanerOptions): Promise<CleanResult | undefined> {
  const segments = log.segments.filter((s, i, all) => i + 1 < all.length && all[i + 1]!.baseOffset <= stats.cleanableEndOffset);
  const dirty = segments.filter((s, i) => (segments[i + 1]?.baseOffset ?? stats.cleanableEndOffset) > stats.firstDirtyOffset);
  if (dirty.length === 0) return undefined;

  // Pass 1: key → latest offset over the dirty section, whole segments while the map has room.
  const latest = new Map<string, number>();
  const lastBatchOfProducer = new Map<bigint, number>();
  let endOffset = stats.firstDirtyOffset;
  let bytesRead = 0;
  // Aborted records must not shadow older values of their keys (Kafka's buildOffsetMap).
  const mapTxns = new CleanerTxnState();
  mapTxns.addAbortedTransactions(await log.collectAbortedTransactions(BigInt(stats.firstDirtyOffset), BigInt(stats.cleanableEndOffset)));
  for (const seg of dirty) {
    if (latest.size >= options.maxKeysPerPass && endOffset > stats.firstDirtyOffset) break;
    await forEachBatch(seg, options, async (batch) => {
      const base = Number(batch.header.baseOffset);
      if (batch.header.producerId >= 0n) lastBatchOfProducer.set(batch.header.producerId, base);
      const aborted = mapTxns.onBatch(batch);
      if (batch.isControl || aborted) return;
      for (const r of batch.records) if (r.key !== null) latest.set(r.key.toString('latin1'), Number(r.offset));
    });
    bytesRead += seg.size;
    endOffset = nextBaseAfter(log.segments, seg);
  }

  // Pass 2: rewrite every segment below endOffset, grouped.
  const toClean = segments.filter((s) => nextBaseAfter(log.segments, s) <= endOffset);
  for (const seg of toClean) await seg.ensureIndexes();
  const deleteRetentionMs = log.config['delete.retention.ms'];
  let bytesWritten = 0;
  let recordsRemoved = 0;
  let groups = 0;
  // One transaction state for the whole round: a transaction may span groups (Kafka's cleanSegments).
  const txns = new CleanerTxnState();
  for (const group of groupSegments(log, toClean)) {
    const out = await LogSegment.create(log.dir, group[0]!.baseOffset, segmentOptions(log), nowMs, CLEANED_SUFFIX);
    // Removed unless swapped in; but not after a failed swap, whose files may already be live.
    let keepFiles = false;
    try {
      const writer = new SegmentWriter(out);
      for (const seg of group) {
        const lastBaseOfSegment = await lastBatchBase(seg);
        txns.addAbortedTransactions(await log.collectAbortedTransactions(BigInt(seg.baseOffset), BigInt(nextBaseAfter(log.segments, seg))));
        await forEachBatch(seg, options, async (batch, raw) => {
          const base = Number(batch.header.baseOffset);
          const rewritten = await cleanBatch(batch, raw, {
            discard: txns.onBatch(batch),
            isLatest: (key, offset) => offset >= (latest.get(key.toString('latin1')) ?? -1),
            keepEmpty:
              (seg === group.at(-1) && base === lastBaseOfSegment) ||
              (batch.header.producerId >= 0n && (lastBatchOfProducer.get(batch.header.producerId) ?? base) === base),
            nowMs,
            deleteRetentionMs,
          });
          recordsRemoved += rewritten.removed;
          if (rewritten.bytes !== undefined) await writer.add(rewritten.bytes);
        });
      }
      await writer.finish();
      await out.txnIndex.reset(txns.retained);
      txns.retained = [];
      bytesWritten += out.size;
      let swapped: boolean;
      try {
        swapped = await log.replaceSegments(group, out);
      } catch (err) {
        keepFiles = true; // a `.cleaned` leftover is removed by the next start
        await out.close().catch(() => undefined);
        throw err;
      }
      keepFiles = swapped;
      if (!swapped) break;
      groups++;
    } finally {
      if (!keepFiles) await out.deleteFiles();
    }
  }
  options.logger.info('cleaned log', { dir: log.dir, endOffset, bytesRead, bytesWritten, recordsRemoved, groups });
  return { endOffset, bytesRead, bytesWritten, recordsRemoved, groups };
}

interface CleanRules {
  /**
   * From CleanerTxnState: a data batch of an aborted transaction (records all go), or a marker
   * whose transaction has no data left (goes once its delete horizon has passed).
   */
  readonly discard: boolean;
  isLatest(key: Buffer, offset: number): boolean;
  /** Keep the batch header even if no record survives (last batch of a producer or of the group). */
  readonly keepEmpty: boolean;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
}

/** Kafka's `MemoryRecords.filterTo` for one batch: the original bytes, a rebuilt batch, or nothing. */
async function cleanBatch(batch: DecodedBatch, raw: Buffer, rules: CleanRules): Promise<{ bytes: Buffer | undefined; removed: number }> {
  const h = batch.header;
  const hasHorizon = (h.attributes & Attributes.deleteHorizon) !== 0;
  if (batch.isControl) return cleanMarker(batch, raw, rules, hasHorizon);
  const tombstonesExpired = hasHorizon && Number(h.baseTimestamp) <= rules.nowMs;
  const kept = batch.records.filter((r) => {
    if (rules.discard) return false;
    if (r.key === null || !rules.isLatest(r.key, Number(r.offset))) return false;
    return r.value !== null || !tombstonesExpired;
  });
  const removed = batch.records.length - kept.length;
  const hasTombstone = kept.some((r) => r.value === null);
  if (removed === 0 && (hasHorizon || !hasTombstone)) return { bytes: raw, removed };
  if (kept.length === 0 && !rules.keepEmpty) return { bytes: undefined, removed };
  const horizon = hasTombstone ? (hasHorizon ? h.baseTimestamp : BigInt(rules.nowMs + rules.deleteRetentionMs)) : undefined;
  const built = await buildBatchAsync({
    baseOffset: h.baseOffset,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    compression: batch.compression as CompressionCode,
    timestampType: batch.timestampType,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    isTransactional: batch.isTransactional,
    ...(horizon === undefined ? {} : { baseTimestamp: horizon, hasDeleteHorizon: true }),
    ...(kept.length === 0 ? { baseTimestamp: h.maxTimestamp } : {}),
    records: kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: Number(r.offset - h.baseOffset) })),
  });
  // Like Kafka's `overrideLastOffset`: the batch keeps its offset span (and the producer's
  // sequence range), and an emptied batch keeps its max timestamp.
  built.writeInt32BE(h.lastOffsetDelta, BatchOffsets.lastOffsetDelta);
  if (kept.length === 0 || batch.timestampType === 'logAppend') built.writeBigInt64BE(h.maxTimestamp, BatchOffsets.maxTimestamp);
  built.writeUInt32BE(computeBatchCrc(built, 0), BatchOffsets.crc);
  return { bytes: built, removed };
}

/**
 * A control batch (Kafka piggy-backs on tombstone retention): kept as it is while its transaction
 * still has data; otherwise stamped with a delete horizon (now + delete.retention.ms) the first
 * time, and removed by the first cleaning after it (emptied but kept when it is the producer's last
 * batch, which carries its epoch).
 */
async function cleanMarker(batch: DecodedBatch, raw: Buffer, rules: CleanRules, hasHorizon: boolean): Promise<{ bytes: Buffer | undefined; removed: number }> {
  const h = batch.header;
  if (!rules.discard || batch.records.length === 0) return { bytes: raw, removed: 0 };
  if (hasHorizon && Number(h.baseTimestamp) > rules.nowMs) return { bytes: raw, removed: 0 };
  const expired = hasHorizon;
  if (expired && !rules.keepEmpty) return { bytes: undefined, removed: batch.records.length };
  const built = await buildBatchAsync({
    baseOffset: h.baseOffset,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    timestampType: batch.timestampType,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    isTransactional: batch.isTransactional,
    isControl: true,
    baseTimestamp: expired ? h.maxTimestamp : BigInt(rules.nowMs + rules.deleteRetentionMs),
    hasDeleteHorizon: !expired,
    records: expired ? [] : batch.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: Number(r.offset - h.baseOffset) })),
  });
  built.writeInt32BE(h.lastOffsetDelta, BatchOffsets.lastOffsetDelta);
  built.writeBigInt64BE(h.maxTimestamp, BatchOffsets.maxTimestamp);
  built.writeUInt32BE(computeBatchCrc(built, 0), BatchOffsets.crc);
  return { bytes: built, removed: expired ? batch.records.length : 0 };
}

/** Appends batches to a cleaned segment with few large writes, keeping its indexes as appends do. */
class SegmentWriter {
  readonly #seg: LogSegment;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #position = 0;

  constructor(seg: LogSegment) {
    this.#seg = seg;
  }

  async add(batch: Buffer): Promise<void> {
    this.#seg.commitBatch(metaOf(batch, 0, this.#position, batch.length));
    this.#pending.push(batch);
    this.#pendingBytes += batch.length;
    this.#position += batch.length;
    if (this.#pendingBytes >= 1024 * 1024) await this.#write();
  }

  async #write(): Promise<void> {
    if (this.#pending.length === 0) return;
    await writevAll(this.#seg.fd, this.#pending, this.#position - this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  async finish(): Promise<void> {
    await this.#write();
    this.#seg.seal();
    await this.#seg.flushLog();
    await this.#seg.flushIndexes(true, true);
  }
}

async function forEachBatch(seg: LogSegment, options: CleanerOptions, fn: (batch: DecodedBatch, raw: Buffer) => Promise<void>): Promise<void> {
  const end = await scanFile(seg.fd, 0, seg.size, { verifyCrc: true }, async (b) => {
    if (options.shouldStop?.() === true) return 'stopped';
    const raw = b.buf.subarray(b.at, b.at + b.size);
    await fn(await decodeBatchAsync(raw, 0, { verifyCrc: false }), raw);
    return undefined;
  });
  if (end.kind === 'rejected' && end.reason === 'stopped') throw new Error('cleaning stopped');
  if (end.kind !== 'end') throw new Error(`cannot clean ${seg.paths.log}: ${end.kind} batch at ${end.position} (${end.reason})`);
}

async function lastBatchBase(seg: LogSegment): Promise<number> {
  let last = -1;
  await scanFile(seg.fd, seg.offsetIndex.lastPosition(), seg.size, { verifyCrc: false, headersOnly: true }, (b) => {
    last = Number(b.buf.readBigInt64BE(b.at));
    return undefined;
  });
  return last;
}

function nextBaseAfter(segments: readonly LogSegment[], seg: LogSegment): number {
  const i = segments.indexOf(seg);
  return segments[i + 1]?.baseOffset ?? Number.MAX_SAFE_INTEGER;
}

/** Kafka's `groupSegmentsBySize`: consecutive segments whose sum fits segment.bytes, the index and a 32-bit offset span. */
function groupSegments(log: PartitionLog, segments: readonly LogSegment[]): LogSegment[][] {
  const maxBytes = log.config['segment.bytes'];
  const maxIndexEntries = Math.floor(log.config['segment.index.bytes'] / 12);
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const group = [segments[i]!];
    let bytes = segments[i]!.size;
    let entries = segments[i]!.offsetIndex.entries + 1;
    i++;
    while (i < segments.length) {
      const next = segments[i]!;
      const span = nextBaseAfter(log.segments, next) - 1 - group[0]!.baseOffset;
      if (bytes + next.size > maxBytes || entries + next.offsetIndex.entries + 1 > maxIndexEntries || span > 0x7fffffff) break;
      group.push(next);
      bytes += next.size;
      entries += next.offsetIndex.entries + 1;
      i++;
    }
    groups.push(group);
  }
  return groups;
}

function segmentOptions(log: PartitionLog): { indexBytes: number; indexIntervalBytes: number } {
  return { indexBytes: log.config['segment.index.bytes'], indexIntervalBytes: log.config['index.interval.bytes'] };
}
