import { BatchOffsets, decodeBatch } from '../../protocol/records/index.ts';
import { scanFile } from './batch-scan.ts';
import type { LogSegment } from './segment.ts';

/**
 * ListOffsets by time, after Kafka's `UnifiedLog.fetchOffsetByTimestamp` and
 * `LogSegment.findOffsetByTimestamp`. These are the only reads that decode records: the time index
 * narrows the search to a few batches, the first batch whose max timestamp reaches the target is
 * decoded, and its first record at or after the target is the answer.
 */
export interface TimestampAndOffset {
  readonly timestamp: number;
  readonly offset: number;
}

/** First record (at or above `minOffset`) with timestamp >= `target`, in the first segment that has one. */
export async function findOffsetByTimestamp(segments: readonly LogSegment[], target: number, minOffset: number): Promise<TimestampAndOffset | undefined> {
  for (const seg of segments) {
    if (seg.deleted) continue;
    await seg.ensureIndexes();
    if (seg.maxTimestamp < target) continue;
    const rel = seg.timeIndex.lowerRelOffset(target);
    const fromOffset = Math.max(minOffset, rel < 0 ? seg.baseOffset : seg.baseOffset + rel + 1);
    const start = seg.offsetIndex.lookupPosition(fromOffset - seg.baseOffset);
    const found = await searchSegment(seg, start, (maxTs) => maxTs >= target, (ts, offset) => ts >= target && offset >= minOffset);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The record with the largest timestamp (ListOffsets MAX_TIMESTAMP, KIP-734): the earliest segment
 * holding the largest timestamp, its first batch reaching it, the first record carrying it.
 */
export async function findMaxTimestamp(segments: readonly LogSegment[]): Promise<TimestampAndOffset | undefined> {
  let best: LogSegment | undefined;
  for (const seg of segments) {
    if (seg.deleted) continue;
    await seg.ensureIndexes();
    if (seg.maxTimestamp >= 0 && (best === undefined || seg.maxTimestamp > best.maxTimestamp)) best = seg;
  }
  if (best === undefined) return undefined;
  const max = best.maxTimestamp;
  return searchSegment(best, 0, (maxTs) => maxTs === max, (ts) => ts === max);
}

async function searchSegment(
  seg: LogSegment,
  start: number,
  batchMatches: (maxTimestamp: number) => boolean,
  recordMatches: (timestamp: number, offset: number) => boolean,
): Promise<TimestampAndOffset | undefined> {
  let found: TimestampAndOffset | undefined;
  await scanFile(seg.fd, start, seg.size, { verifyCrc: false }, (b) => {
    if (!batchMatches(Number(b.buf.readBigInt64BE(b.at + BatchOffsets.maxTimestamp)))) return undefined;
    const batch = decodeBatch(b.buf, b.at, { verifyCrc: false });
    for (const r of batch.records) {
      const ts = Number(r.timestamp);
      const offset = Number(r.offset);
      if (recordMatches(ts, offset)) {
        found = { timestamp: ts, offset };
        return 'found';
      }
    }
    return undefined;
  });
  return found;
}
