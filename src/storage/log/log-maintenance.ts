import { SWAP_SUFFIX } from './file-names.ts';
import { syncDir } from './fs-io.ts';
import type { LogState } from './log-state.ts';
import { selectRetention, type RetentionReason } from './retention.ts';
import type { LogSegment } from './segment.ts';

/**
 * The operations that remove or replace segments: truncation (replication), retention, the
 * compaction swap. Each runs inside the partition's queue (the caller's `#task`), so no append is
 * in flight while segments change.
 */

/**
 * Removes every batch at or after `target` (Kafka's `LocalLog.truncateTo`). A batch straddling
 * `target` goes entirely and the log end becomes its base offset.
 */
export async function truncateTo(s: LogState, target: number): Promise<void> {
  if (target >= s.logEndOffset) return;
  if (target <= s.segments[0]!.baseOffset) {
    await truncateFully(s, Math.max(target, 0));
    return;
  }
  const keep = s.segments.filter((seg) => seg.baseOffset < target);
  const drop = s.segments.filter((seg) => seg.baseOffset >= target);
  const last = keep.at(-1)!;
  const batch = await last.findBatch(target, last.size);
  if (batch !== undefined) await last.truncateToPosition(batch.position, batch.baseOffset);
  s.segments = keep;
  await s.retire(drop);
  afterTruncation(s, last.nextOffset);
}

/** Empties the log and restarts it at `offset` (Kafka's `truncateFullyAndStartAt`). */
export async function truncateFully(s: LogState, offset: number): Promise<void> {
  // Old files are renamed away first: the new segment may have the same base offset (same name).
  await s.retire(s.segments);
  s.segments = [await s.newSegment(offset)];
  s.epochs.clear();
  s.logStartOffset = offset;
  afterTruncation(s, offset);
}

function afterTruncation(s: LogState, logEnd: number): void {
  s.logEndOffset = logEnd;
  s.epochs.truncateFromEnd(logEnd);
  s.recoveryPoint = Math.min(s.recoveryPoint, logEnd);
  s.highWatermark = Math.min(s.highWatermark, logEnd);
  s.logStartOffset = Math.min(s.logStartOffset, logEnd);
}

/**
 * One retention pass (Kafka's `deleteOldSegments`). When every segment, the active one included, has
 * expired, `roll` starts a new active segment first, so the active segment itself is never deleted.
 */
export async function applyRetention(s: LogState, roll: () => Promise<void>): Promise<{ deleted: number; reason?: RetentionReason }> {
  for (const seg of s.segments) await seg.ensureIndexes();
  const decision = selectRetention({
    segments: s.segments,
    highWatermark: s.highWatermark,
    logEndOffset: s.logEndOffset,
    logStartOffset: s.logStartOffset,
    config: s.config,
    nowMs: s.clock.now(),
  });
  if (decision === undefined) return { deleted: 0 };
  if (decision.count >= s.segments.length) await roll();
  const victims = s.segments.slice(0, decision.count);
  s.segments = s.segments.slice(decision.count);
  s.raiseLogStart(s.segments[0]!.baseOffset);
  await s.retire(victims);
  await s.epochs.flush();
  s.logger.info('deleted segments by retention', { dir: s.dir, reason: decision.reason, segments: victims.length, logStartOffset: s.logStartOffset });
  return { deleted: victims.length, reason: decision.reason };
}

/**
 * The compaction swap (Kafka's `LocalLog.replaceSegments`): `replacement`, built as `*.cleaned`
 * files, becomes `*.swap`; the old segments become `*.deleted`; the swap files take their final
 * names. The loader finishes or undoes a crash at any step. Returns false, changing nothing, when the
 * old segments are no longer consecutive inactive segments of the log (truncation or retention got
 * there first). An I/O error is thrown and leaves the log to be failed by the caller.
 */
export async function swapSegments(s: LogState, oldSegments: readonly LogSegment[], replacement: LogSegment): Promise<boolean> {
  const start = s.segments.indexOf(oldSegments[0]!);
  const ok = start >= 0 && oldSegments.every((seg, i) => s.segments[start + i] === seg) && start + oldSegments.length < s.segments.length;
  if (!ok) return false;
  await replacement.renameFiles(SWAP_SUFFIX);
  await syncDir(s.dir);
  for (const seg of oldSegments) await seg.markDeleted();
  await replacement.renameFiles('');
  await syncDir(s.dir);
  for (const seg of oldSegments) s.deleter.deleteLater(seg, s.config['file.delete.delay.ms'], seg.paths.log);
  s.segments = [...s.segments.slice(0, start), replacement, ...s.segments.slice(start + oldSegments.length)];
  return true;
}
