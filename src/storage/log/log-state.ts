import type { Clock, Logger } from '../../util/index.ts';
import type { FileDeleter } from './file-deleter.ts';
import type { LeaderEpochCache } from './leader-epoch-cache.ts';
import type { LogConfig } from './log-config.ts';
import { LogSegment, type SegmentOptions } from './segment.ts';

/**
 * The mutable state of one partition log, shared by PartitionLog (append path, reads) and
 * log-maintenance.ts (truncation, retention, compaction swaps). Every mutation happens inside the
 * partition's queue; readers take `segments` as a snapshot, since mutations replace the array.
 */
export class LogState {
  readonly dir: string;
  config: LogConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deleter: FileDeleter;
  readonly epochs: LeaderEpochCache;
  /** Oldest first; the last is the active segment. Never empty once loaded. */
  segments: readonly LogSegment[] = [];
  logEndOffset = 0;
  logStartOffset = 0;
  highWatermark = 0;
  /** Offsets below are on disk with their indexes (the recovery-point checkpoint). */
  recoveryPoint = 0;
  /** A segment file was created or renamed since the directory was last fsynced. */
  dirDirty = false;

  constructor(dir: string, config: LogConfig, clock: Clock, logger: Logger, deleter: FileDeleter, epochs: LeaderEpochCache) {
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.logger = logger;
    this.deleter = deleter;
    this.epochs = epochs;
  }

  get active(): LogSegment {
    return this.segments.at(-1)!;
  }

  segmentOptions(): SegmentOptions {
    return { indexBytes: this.config['segment.index.bytes'], indexIntervalBytes: this.config['index.interval.bytes'] };
  }

  /** A new empty segment file (not yet in `segments`). */
  async newSegment(baseOffset: number): Promise<LogSegment> {
    const seg = await LogSegment.create(this.dir, baseOffset, this.segmentOptions(), this.clock.now());
    this.dirDirty = true;
    return seg;
  }

  /** Takes segments out of service: renamed `*.deleted` now, closed and unlinked after file.delete.delay.ms. */
  async retire(segments: readonly LogSegment[]): Promise<void> {
    for (const s of segments) {
      if (s.deleted) continue;
      await s.markDeleted();
      this.dirDirty = true;
      this.deleter.deleteLater(s, this.config['file.delete.delay.ms'], s.paths.log);
    }
  }

  /** Raises the log start (never lowers it), with the epoch cache, high watermark and recovery point following. */
  raiseLogStart(offset: number): void {
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    this.epochs.truncateFromStart(offset);
    this.highWatermark = Math.max(this.highWatermark, offset);
    this.recoveryPoint = Math.max(this.recoveryPoint, offset);
  }
}
