import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../util/index.ts';
import { BatchOffsets } from '../../protocol/records/index.ts';
import { scanFile } from './batch-scan.ts';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
  baseOffsetOfFile,
  offsetFileName,
  segmentPaths,
} from './file-names.ts';
import { closeFile, fileSize, openFile } from './fs-io.ts';
import type { LeaderEpochCache } from './leader-epoch-cache.ts';
import { LogSegment, type SegmentOptions } from './segment.ts';

/**
 * Opening a partition directory, after Kafka's `LogLoader`: remove leftovers of interrupted work,
 * finish interrupted compaction swaps, open the segments, and (after an unclean shutdown) re-check
 * every batch from the recovery point on, truncating at the first torn or corrupt byte.
 */
export interface LoadParams {
  readonly dir: string;
  readonly segmentOptions: SegmentOptions;
  readonly hadCleanShutdown: boolean;
  /** From the log dir's recovery-point checkpoint; 0 when unknown (recover everything). */
  readonly recoveryPoint: number;
  readonly logStartOffset: number;
  readonly epochCache: LeaderEpochCache;
  readonly logger: Logger;
  readonly nowMs: number;
}

export interface LoadedLog {
  readonly segments: LogSegment[];
  readonly logEndOffset: number;
  readonly logStartOffset: number;
  readonly recoveryPoint: number;
  /** Segments whose files must be removed after file.delete.delay.ms (already renamed `.deleted`). */
  readonly removed: LogSegment[];
}

export async function loadLog(p: LoadParams): Promise<LoadedLog> {
  const names = await fs.promises.readdir(p.dir);
  const logs = new Set<number>();
  const swaps: number[] = [];
  for (const name of names) {
    const file = path.join(p.dir, name);
    if (name.endsWith(CLEANED_SUFFIX) || name.endsWith(DELETED_SUFFIX) || name.endsWith('.tmp')) {
      // Kafka's LogLoader.removeTempFilesAndCollectSwapFiles: half-built cleaner output and
      // files whose deletion a restart interrupted.
      await fs.promises.rm(file, { force: true });
      continue;
    }
    const base = baseOffsetOfFile(name);
    if (base === undefined) continue;
    if (name.endsWith(`${LOG_SUFFIX}${SWAP_SUFFIX}`)) swaps.push(base);
    else if (name.endsWith(`${TXN_INDEX_SUFFIX}${SWAP_SUFFIX}`)) continue; // the cleaned .txnindex: completeSwap keeps it
    else if (name.endsWith(SWAP_SUFFIX)) await fs.promises.rm(file, { force: true });
    else if (name.endsWith(LOG_SUFFIX)) logs.add(base);
  }
  for (const base of swaps.sort((a, b) => a - b)) await completeSwap(p, base, logs);
  // A `.txnindex.swap` left without its `.log.swap`: the crash came after the log file took its name.
  for (const name of names) {
    const base = baseOffsetOfFile(name);
    if (base === undefined || !name.endsWith(`${TXN_INDEX_SUFFIX}${SWAP_SUFFIX}`)) continue;
    const file = path.join(p.dir, name);
    if (logs.has(base)) await fs.promises.rename(file, segmentPaths(p.dir, base).txnIndex).catch(() => undefined);
    else await fs.promises.rm(file, { force: true });
  }
  for (const name of names) {
    const base = baseOffsetOfFile(name);
    if (base !== undefined && (name.endsWith(INDEX_SUFFIX) || name.endsWith(TIME_INDEX_SUFFIX) || name.endsWith(TXN_INDEX_SUFFIX)) && !logs.has(base)) {
      await fs.promises.rm(path.join(p.dir, name), { force: true });
    }
  }

  const bases = [...logs].sort((a, b) => a - b);
  const segments: LogSegment[] = [];
  for (const base of bases) segments.push(await LogSegment.open(p.dir, base, p.segmentOptions, p.nowMs));
  const removed: LogSegment[] = [];
  if (segments.length === 0) segments.push(await LogSegment.create(p.dir, Math.max(0, p.logStartOffset), p.segmentOptions, p.nowMs));

  let recoveryPoint = p.recoveryPoint;
  if (!p.hadCleanShutdown) {
    let from = 0;
    for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= recoveryPoint) from = i;
    for (let i = from; i < segments.length; i++) {
      const seg = segments[i]!;
      const end = await seg.rebuild(true, (meta) => {
        if (meta.leaderEpoch >= 0 && meta.leaderEpoch > p.epochCache.latestEpoch()) p.epochCache.assign(meta.leaderEpoch, meta.baseOffset);
        return undefined;
      });
      if (end.kind === 'end') continue;
      const fileBytes = await fileSize(seg.fd);
      const cut = fileBytes - end.position;
      await seg.truncateToPosition(end.position, seg.nextOffset);
      const later = segments.splice(i + 1);
      const laterBytes = later.reduce((sum, s) => sum + s.size, 0);
      const fields = {
        dir: p.dir,
        segment: offsetFileName(seg.baseOffset, LOG_SUFFIX),
        position: end.position,
        problem: end.kind,
        reason: end.reason,
        truncatedBytes: cut,
        nextOffset: seg.nextOffset,
        deletedSegments: later.map((s) => offsetFileName(s.baseOffset, LOG_SUFFIX)),
        deletedBytes: laterBytes,
      };
      if (later.length === 0 && end.kind === 'torn') {
        p.logger.warn('recovery truncated a partial write at the end of the log', fields);
      } else {
        p.logger.error(
          later.length === 0
            ? 'recovery found a corrupt record batch and truncated the log there'
            : 'recovery found a corrupt record batch in the middle of the log: truncated there and deleted every later segment',
          fields,
        );
      }
      for (const s of later) {
        await s.markDeleted();
        removed.push(s);
      }
      break;
    }
  } else {
    const active = segments.at(-1)!;
    await active.ensureIndexes();
    const fileBytes = await fileSize(active.fd);
    if (fileBytes > active.size) {
      // Only possible if the marker lied (a copied directory, say): never append after garbage.
      p.logger.warn('active segment has bytes after its last whole batch despite a clean shutdown: truncating', {
        dir: p.dir,
        segment: offsetFileName(active.baseOffset, LOG_SUFFIX),
        position: active.size,
        truncatedBytes: fileBytes - active.size,
      });
      await active.truncateToPosition(active.size, active.nextOffset);
    }
  }
  const active = segments.at(-1)!;
  await active.loadRollStart();
  const logEndOffset = active.nextOffset;
  p.epochCache.truncateFromEnd(logEndOffset);
  const logStartOffset = Math.min(Math.max(p.logStartOffset, segments[0]!.baseOffset), logEndOffset);
  p.epochCache.truncateFromStart(logStartOffset);
  recoveryPoint = p.hadCleanShutdown ? logEndOffset : Math.min(recoveryPoint, logEndOffset);
  return { segments, logEndOffset, logStartOffset, recoveryPoint, removed };
}

/**
 * A `.log.swap` is a finished compaction result whose swap was interrupted. As in Kafka, it replaces
 * every segment whose base offset falls inside its offset range; its indexes are rebuilt on first use.
 */
async function completeSwap(p: LoadParams, base: number, logs: Set<number>): Promise<void> {
  const swapFile = `${segmentPaths(p.dir, base).log}${SWAP_SUFFIX}`;
  const fd = await openFile(swapFile, 'r');
  let last = base;
  try {
    await scanFile(fd, 0, await fileSize(fd), { verifyCrc: false, headersOnly: true }, (b) => {
      last = Number(b.buf.readBigInt64BE(b.at)) + b.buf.readInt32BE(b.at + BatchOffsets.lastOffsetDelta);
      return undefined;
    });
  } finally {
    await closeFile(fd);
  }
  for (const old of [...logs].filter((o) => o >= base && o <= last)) {
    const paths = segmentPaths(p.dir, old);
    await Promise.all([paths.log, paths.index, paths.timeIndex, paths.txnIndex].map((f) => fs.promises.rm(f, { force: true })));
    logs.delete(old);
  }
  const paths = segmentPaths(p.dir, base);
  await Promise.all([paths.index, paths.timeIndex].map((f) => fs.promises.rm(f, { force: true })));
  // The cleaned segment's transaction index, if the cleaner wrote one, replaces the old ones.
  try {
    await fs.promises.rename(`${paths.txnIndex}${SWAP_SUFFIX}`, paths.txnIndex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.promises.rename(swapFile, paths.log);
  logs.add(base);
  p.logger.info('completed an interrupted compaction swap', { dir: p.dir, segment: offsetFileName(base, LOG_SUFFIX), lastOffset: last });
}
