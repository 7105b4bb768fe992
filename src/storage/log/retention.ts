import { hasDeletePolicy, type LogConfig } from './log-config.ts';
import type { LogSegment } from './segment.ts';

/**
 * Which leading segments retention removes, after Kafka's `UnifiedLog.deleteOldSegments`: whole
 * segments from the oldest, stopping at the first that survives. Three reasons, checked in Kafka's
 * order: retention.ms against the segment's largest timestamp and retention.bytes against the log's
 * size (both only with cleanup.policy delete), and segments wholly below the log start offset
 * (DeleteRecords; any policy). A segment goes only if all its offsets are below the high watermark.
 */
export interface RetentionView {
  readonly segments: readonly LogSegment[];
  readonly highWatermark: number;
  readonly logEndOffset: number;
  readonly logStartOffset: number;
  readonly config: LogConfig;
  readonly nowMs: number;
}

export type RetentionReason = 'retention.ms' | 'retention.bytes' | 'log-start-offset';

export interface RetentionDecision {
  /** How many segments, from the oldest, to delete (may include the active one: roll first). */
  readonly count: number;
  readonly reason: RetentionReason;
}

/** Segments must have their indexes loaded (largest timestamp known) before this is called. */
export function selectRetention(view: RetentionView): RetentionDecision | undefined {
  const { config } = view;
  if (hasDeletePolicy(config)) {
    const retentionMs = config['retention.ms'];
    if (retentionMs >= 0) {
      const count = deletable(view, (s) => view.nowMs - largestTimestamp(s) > retentionMs);
      if (count > 0) return { count, reason: 'retention.ms' };
    }
    const retentionBytes = config['retention.bytes'];
    if (retentionBytes >= 0) {
      let excess = view.segments.reduce((sum, s) => sum + s.size, 0) - retentionBytes;
      const count = deletable(view, (s) => {
        if (excess - s.size < 0) return false;
        excess -= s.size;
        return true;
      });
      if (count > 0) return { count, reason: 'retention.bytes' };
    }
  }
  const count = deletable(view, (_s, next) => next !== undefined && next.baseOffset <= view.logStartOffset);
  return count > 0 ? { count, reason: 'log-start-offset' } : undefined;
}

/** Kafka's `deletableSegments`: the leading run passing `predicate`, all below the high watermark. */
function deletable(view: RetentionView, predicate: (s: LogSegment, next: LogSegment | undefined) => boolean): number {
  const segs = view.segments;
  let n = 0;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const next = segs[i + 1];
    const upperBound = next === undefined ? view.logEndOffset : next.baseOffset;
    const lastAndEmpty = next === undefined && seg.size === 0;
    if (view.highWatermark < upperBound || lastAndEmpty || !predicate(seg, next)) break;
    n++;
  }
  return n;
}

/** Kafka's `LogSegment.largestTimestamp`: the largest record timestamp, else the file's last modification. */
export function largestTimestamp(seg: LogSegment): number {
  return seg.maxTimestamp >= 0 ? seg.maxTimestamp : seg.lastModifiedMs;
}
