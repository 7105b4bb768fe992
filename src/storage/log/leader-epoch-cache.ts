import path from 'node:path';
import type { Logger } from '../../util/index.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoint-file.ts';
import { LEADER_EPOCH_CHECKPOINT_FILE } from './file-names.ts';

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/**
 * (leader epoch, first offset written in that epoch) pairs, as Kafka's `LeaderEpochFileCache`, persisted
 * to `leader-epoch-checkpoint`. Answers OffsetForLeaderEpoch and tells a follower where to truncate.
 * Mutations are synchronous; persistence is coalesced: `flush()` resolves when the file on disk
 * matches the entries as they were when it was called.
 */
export class LeaderEpochCache {
  readonly #file: string;
  readonly #logger: Logger;
  #entries: EpochEntry[];
  #version = 0;
  #persistedVersion = 0;
  #writing: Promise<void> | undefined;

  private constructor(file: string, entries: EpochEntry[], logger: Logger) {
    this.#file = file;
    this.#entries = entries;
    this.#logger = logger;
  }

  static async load(dir: string, logger: Logger): Promise<LeaderEpochCache> {
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    const entries: EpochEntry[] = [];
    for (const fields of await readCheckpoint(file)) {
      const epoch = Number(fields[0]);
      const startOffset = Number(fields[1]);
      if (fields.length !== 2 || !Number.isInteger(epoch) || !Number.isInteger(startOffset)) {
        logger.warn('ignoring malformed leader-epoch-checkpoint entry', { file, entry: fields.join(' ') });
        continue;
      }
      entries.push({ epoch, startOffset });
    }
    const cache = new LeaderEpochCache(file, [], logger);
    for (const e of entries) cache.assign(e.epoch, e.startOffset);
    cache.#persistedVersion = cache.#version;
    return cache;
  }

  entries(): readonly EpochEntry[] {
    return this.#entries;
  }

  latestEpoch(): number {
    return this.#entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Entries that would break monotonicity (an epoch
   * not below the new one, or a start not below the new start) are dropped, as Kafka's
   * `maybeTruncateNonMonotonicEntries` does, so the list stays strictly increasing in both.
   */
  assign(epoch: number, startOffset: number): void {
    if (epoch < 0 || startOffset < 0) return;
    const latest = this.#entries.at(-1);
    if (latest !== undefined && latest.epoch === epoch && latest.startOffset <= startOffset) return;
    const kept = this.#entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    if (kept.length !== this.#entries.length) {
      this.#logger.warn('leader epoch cache dropped non-monotonic entries', {
        file: this.#file,
        epoch,
        startOffset,
        dropped: this.#entries.length - kept.length,
      });
    }
    kept.push({ epoch, startOffset });
    this.#entries = kept;
    this.#version++;
  }

  /** Removes entries starting at or after `endOffset` (the log was truncated to it). */
  truncateFromEnd(endOffset: number): void {
    const kept = this.#entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.#entries.length) return;
    this.#entries = kept;
    this.#version++;
  }

  /** The log start moved to `startOffset`: the epoch covering it now starts there; older ones go. */
  truncateFromStart(startOffset: number): void {
    let firstKept = 0;
    while (firstKept + 1 < this.#entries.length && this.#entries[firstKept + 1]!.startOffset <= startOffset) firstKept++;
    const head = this.#entries[firstKept];
    if (head === undefined) return;
    if (firstKept === 0 && head.startOffset >= startOffset) return;
    this.#entries = [{ epoch: head.epoch, startOffset: Math.max(head.startOffset, startOffset) }, ...this.#entries.slice(firstKept + 1)];
    this.#version++;
  }

  /**
   * The end offset of `requestedEpoch`: (that epoch or the largest below it, start of the next higher
   * epoch), or the log end for the latest epoch. Follows `LeaderEpochFileCache.endOffsetFor`.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    const undefinedResult = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH || this.#entries.length === 0) return undefinedResult;
    if (requestedEpoch === this.latestEpoch()) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.#entries.find((e) => e.epoch > requestedEpoch);
    if (higher === undefined) return undefinedResult;
    let floor: EpochEntry | undefined;
    for (const e of this.#entries) if (e.epoch <= requestedEpoch) floor = e;
    return { epoch: floor === undefined ? requestedEpoch : floor.epoch, endOffset: higher.startOffset };
  }

  /** The epoch in which `offset` was written (the entry with the greatest start at or below it), or -1. */
  epochForOffset(offset: number): number {
    let epoch = UNDEFINED_EPOCH;
    for (const e of this.#entries) if (e.startOffset <= offset) epoch = e.epoch;
    return epoch;
  }

  clear(): void {
    if (this.#entries.length === 0) return;
    this.#entries = [];
    this.#version++;
  }

  /** Writes the checkpoint if it changed since the last write. Concurrent callers share one write. */
  async flush(): Promise<void> {
    while (this.#persistedVersion !== this.#version) {
      if (this.#writing === undefined) {
        const version = this.#version;
        const lines = this.#entries.map((e) => `${e.epoch} ${e.startOffset}`);
        this.#writing = writeCheckpoint(this.#file, lines)
          .then(() => {
            this.#persistedVersion = Math.max(this.#persistedVersion, version);
          })
          .finally(() => {
            this.#writing = undefined;
          });
      }
      await this.#writing;
    }
  }
}
