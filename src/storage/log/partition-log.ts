import { BatchOffsets, patchBaseOffset, patchLeaderEpoch, patchLogAppendTime } from '../../protocol/records/index.ts';
import type { Clock, Logger, Scheduler } from '../../util/index.ts';
import { StorageError, StorageErrorCode } from '../errors.ts';
import { FileDeleter } from './file-deleter.ts';
import { SWAP_SUFFIX } from './file-names.ts';
import { syncDir, writevAll } from './fs-io.ts';
import { LeaderEpochCache } from './leader-epoch-cache.ts';
import { validateLogConfig, type LogConfig } from './log-config.ts';
import { loadLog } from './log-loader.ts';
import { selectRetention, type RetentionReason } from './retention.ts';
import { LogSegment, type BatchMeta, type SegmentOptions } from './segment.ts';
import { findMaxTimestamp, findOffsetByTimestamp } from './timestamp-lookup.ts';
import { validateAppend, type AppendInfo } from './validate-append.ts';
import { GroupCommit } from './group-commit.ts';
import { toSafeNumber, type AppendOptions, type AppendResult, type Durability, type OffsetAndTimestamp, type ReadOptions, type ReadResult } from './log-api.ts';

export type { AppendOptions, AppendResult, Durability, OffsetAndTimestamp, ReadOptions, ReadResult } from './log-api.ts';

export interface PartitionLogParams {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly topicId?: string | undefined;
  readonly config: LogConfig;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly deleter?: FileDeleter;
  /** False (the default) rechecks every batch after the recovery point. */
  readonly hadCleanShutdown?: boolean;
  readonly recoveryPoint?: number;
  readonly logStartOffset?: number;
  readonly highWatermark?: number;
}

interface AppendItem {
  readonly kind: 'append';
  readonly buf: Buffer;
  readonly info: AppendInfo;
  readonly leader: boolean;
  readonly durability: Durability;
  readonly leaderEpoch: number;
  /** -1 unless the batches are stamped with LogAppendTime. */
  readonly logAppendTime: number;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

interface TaskItem {
  readonly kind: 'task';
  readonly run: () => Promise<void>;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** Bounds on one coalesced write: libuv splits past IOV_MAX (1024) anyway, and huge writes delay acks. */
const MAX_ROUND_BUFFERS = 1024;
const MAX_ROUND_BYTES = 16 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * One partition's log: a directory of segments, after Kafka's `UnifiedLog`/`LocalLog`.
 *
 * Concurrency: every mutation (appends, rolls, truncation, retention, compaction swaps) runs inside
 * the partition's queue, one at a time. Appends waiting in the queue are coalesced into one `writev`
 * per round; offsets are assigned when the round is built, and the new batches become visible to
 * readers only after their bytes are written. fdatasync runs beside the queue (the "syncer") so one
 * fsync covers every append that was written while the previous one ran: group commit.
 * Reads run outside the queue against committed sizes; a segment removed meanwhile keeps its fd
 * until file.delete.delay.ms has passed.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly topicId: string | undefined;
  #config: LogConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #deleter: FileDeleter;
  readonly #epochs: LeaderEpochCache;
  #segments: readonly LogSegment[];
  #logEndOffset: number;
  #logStartOffset: number;
  #highWatermark: number;
  #recoveryPoint: number;
  #queue: Array<AppendItem | TaskItem> = [];
  #draining = false;
  readonly #sync: GroupCommit;
  #dirDirty = false;
  #unflushedMessages = 0;
  #lastFlushMs: number;
  #failure: StorageError | undefined;
  /** Counters for tests and benchmarks: how well appends coalesce and fsyncs are shared. */
  readonly stats: { appends: number; writes: number; readonly flushes: number };
  #closing = false;
  #closed = false;
  /** Work started outside the queue (syncer passes, epoch checkpoint writes), awaited by close. */
  readonly #inFlight = new Set<Promise<unknown>>();

  private constructor(p: PartitionLogParams, epochs: LeaderEpochCache, deleter: FileDeleter) {
    this.topic = p.topic;
    this.partition = p.partition;
    this.dir = p.dir;
    this.topicId = p.topicId;
    this.#config = p.config;
    this.#clock = p.clock;
    this.#logger = p.logger;
    this.#deleter = deleter;
    this.#epochs = epochs;
    this.#segments = [];
    this.#logEndOffset = 0;
    this.#logStartOffset = 0;
    this.#highWatermark = 0;
    this.#recoveryPoint = 0;
    this.#lastFlushMs = p.clock.now();
    this.#sync = new GroupCommit(
      () => this.#flushPass(),
      (err) => this.#fail('fsync', err),
    );
    const sync = this.#sync;
    this.stats = {
      appends: 0,
      writes: 0,
      get flushes(): number {
        return sync.passes;
      },
    };
  }

  /** Opens (recovering if needed) the log in `p.dir`, which must exist. */
  static async open(p: PartitionLogParams): Promise<PartitionLog> {
    validateLogConfig(p.config);
    const deleter = p.deleter ?? new FileDeleter(p.scheduler, p.logger);
    const epochs = await LeaderEpochCache.load(p.dir, p.logger);
    const log = new PartitionLog(p, epochs, deleter);
    const loaded = await loadLog({
      dir: p.dir,
      segmentOptions: log.#segmentOptions(),
      hadCleanShutdown: p.hadCleanShutdown ?? false,
      recoveryPoint: p.recoveryPoint ?? 0,
      logStartOffset: p.logStartOffset ?? 0,
      epochCache: epochs,
      logger: p.logger,
      nowMs: p.clock.now(),
    });
    log.#segments = loaded.segments;
    log.#logEndOffset = loaded.logEndOffset;
    log.#logStartOffset = loaded.logStartOffset;
    log.#recoveryPoint = loaded.recoveryPoint;
    log.#highWatermark = clamp(p.highWatermark ?? loaded.logStartOffset, loaded.logStartOffset, loaded.logEndOffset);
    for (const s of loaded.removed) deleter.deleteLater(s, p.config['file.delete.delay.ms'], s.paths.log);
    await epochs.flush();
    return log;
  }

  get config(): LogConfig {
    return this.#config;
  }

  get logStartOffset(): bigint {
    return BigInt(this.#logStartOffset);
  }

  get logEndOffset(): bigint {
    return BigInt(this.#logEndOffset);
  }

  get highWatermark(): bigint {
    return BigInt(this.#highWatermark);
  }

  /** Offsets below this are known to be on disk with their indexes (the recovery-point checkpoint). */
  get recoveryPoint(): bigint {
    return BigInt(this.#recoveryPoint);
  }

  /** The segments, oldest first; the last is the active one. A snapshot: mutations replace the array. */
  get segments(): readonly LogSegment[] {
    return this.#segments;
  }

  get size(): number {
    let total = 0;
    for (const s of this.#segments) total += s.size;
    return total;
  }

  get leaderEpochs(): LeaderEpochCache {
    return this.#epochs;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  updateConfig(config: LogConfig): void {
    validateLogConfig(config);
    this.#config = config;
  }

  /**
   * Appends batches as a leader: assigns offsets from the log end, stamps the leader epoch (and the
   * LogAppendTime if the topic uses it) in the headers, and writes the bytes as they are. The buffer
   * is patched in place and must not be reused by the caller.
   */
  append(batches: Buffer, options: AppendOptions): Promise<AppendResult> {
    return this.#enqueueAppend(batches, true, options);
  }

  /** Appends batches that already carry offsets and epochs (a replication follower, or a copy). */
  appendAsFollower(batches: Buffer, options: { requiredDurability: Durability }): Promise<AppendResult> {
    return this.#enqueueAppend(batches, false, { requiredDurability: options.requiredDurability, leaderEpoch: -1 });
  }

  #enqueueAppend(buf: Buffer, leader: boolean, options: AppendOptions): Promise<AppendResult> {
    const unusable = this.#unusable();
    if (unusable !== undefined) return Promise.reject(unusable);
    let info: AppendInfo;
    try {
      info = validateAppend(buf, { maxBatchBytes: this.#config['max.message.bytes'], asLeader: leader, verifyCrc: options.verifyCrc ?? true });
    } catch (err) {
      return Promise.reject(err);
    }
    const logAppendTime =
      leader && this.#config['message.timestamp.type'] === 'LogAppendTime' ? Number(options.logAppendTime ?? BigInt(this.#clock.now())) : -1;
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ kind: 'append', buf, info, leader, durability: options.requiredDurability, leaderEpoch: options.leaderEpoch, logAppendTime, resolve, reject });
      void this.#drain();
    });
  }

  /** Runs `run` inside the partition's queue, after every append queued before it. */
  #task(run: () => Promise<void>, evenIfClosing = false): Promise<void> {
    const unusable = evenIfClosing ? this.#failure : this.#unusable();
    if (unusable !== undefined) return Promise.reject(unusable);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ kind: 'task', run, resolve, reject });
      void this.#drain();
    });
  }

  #unusable(): StorageError | undefined {
    if (this.#failure !== undefined) return this.#failure;
    if (this.#closing) return new StorageError(StorageErrorCode.logClosed, `log ${this.topic}-${this.partition} is closed`, { retriable: true });
    return undefined;
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && this.#failure === undefined) {
        const head = this.#queue[0]!;
        if (head.kind === 'task') {
          this.#queue.shift();
          try {
            await head.run();
            head.resolve();
          } catch (err) {
            head.reject(err);
          }
          continue;
        }
        let n = 0;
        let bytes = 0;
        while (n < this.#queue.length && n < MAX_ROUND_BUFFERS && bytes < MAX_ROUND_BYTES) {
          const item = this.#queue[n]!;
          if (item.kind !== 'append') break;
          bytes += item.buf.length;
          n++;
        }
        const round = this.#queue.splice(0, n) as AppendItem[];
        try {
          await this.#appendRound(round);
        } catch (err) {
          this.#fail('append', err);
          for (const item of round) item.reject(this.#failure); // no-op for those already settled
        }
      }
    } finally {
      this.#draining = false;
    }
    if (this.#failure !== undefined) for (const item of this.#queue.splice(0)) item.reject(this.#failure);
  }

  /** Assigns offsets to a round of appends and writes them with as few writev calls as rolls allow. */
  async #appendRound(round: AppendItem[]): Promise<void> {
    let seg = this.#segments.at(-1)!;
    let position = seg.size;
    let next = this.#logEndOffset;
    let bufs: Buffer[] = [];
    let metas: BatchMeta[] = [];
    let done: Array<{ item: AppendItem; result: AppendResult }> = [];
    let records = 0;
    const now = this.#clock.now();
    for (const item of round) {
      const { info } = item;
      const first = item.leader ? next : info.firstOffset;
      const last = item.leader ? next + info.offsetSpan - 1 : info.lastOffset;
      if (!item.leader && first < next) {
        item.reject(new StorageError(StorageErrorCode.invalidRecord, `replicated batches start at ${first}, below the log end offset ${next}`));
        continue;
      }
      if (last > Number.MAX_SAFE_INTEGER) {
        item.reject(new StorageError(StorageErrorCode.invalidRecord, `offset ${last} is beyond what this log supports (2^53)`));
        continue;
      }
      if (this.#shouldRoll(seg, position, item.buf.length, metas.length + info.positions.length, first, last, now)) {
        if (bufs.length > 0) await this.#writeAndCommit(seg, bufs, metas, done, records);
        bufs = [];
        metas = [];
        done = [];
        records = 0;
        seg = await this.#roll(first);
        position = 0;
      }
      let cursor = first;
      for (let i = 0; i < info.positions.length; i++) {
        const at = info.positions[i]!;
        let baseOffset: number;
        let leaderEpoch: number;
        if (item.leader) {
          baseOffset = cursor;
          leaderEpoch = item.leaderEpoch;
          patchBaseOffset(item.buf, at, BigInt(baseOffset));
          patchLeaderEpoch(item.buf, at, leaderEpoch);
          if (item.logAppendTime >= 0) patchLogAppendTime(item.buf, at, BigInt(item.logAppendTime));
        } else {
          baseOffset = Number(item.buf.readBigInt64BE(at));
          leaderEpoch = item.buf.readInt32BE(at + BatchOffsets.partitionLeaderEpoch);
        }
        const lastOffset = baseOffset + info.deltas[i]!;
        metas.push({
          position: position + at,
          size: info.sizes[i]!,
          baseOffset,
          lastOffset,
          maxTimestamp: Number(item.buf.readBigInt64BE(at + BatchOffsets.maxTimestamp)),
          leaderEpoch,
        });
        cursor = lastOffset + 1;
      }
      next = last + 1;
      position += item.buf.length;
      records += info.recordCount;
      bufs.push(item.buf);
      done.push({
        item,
        result: { baseOffset: BigInt(first), lastOffset: BigInt(last), logAppendTime: BigInt(item.logAppendTime), logStartOffset: 0n },
      });
    }
    if (bufs.length > 0) await this.#writeAndCommit(seg, bufs, metas, done, records);
  }

  /**
   * Kafka's `LogSegment.shouldRoll`, checked before each append: segment.bytes would be exceeded,
   * segment.ms has passed, an index could fill up, or an offset would not fit a 32-bit delta.
   * An empty segment is only replaced when the offsets cannot live in it.
   */
  #shouldRoll(seg: LogSegment, size: number, bytes: number, plannedEntries: number, first: number, last: number, now: number): boolean {
    const fits = first >= seg.baseOffset && seg.canHold(last);
    if (size === 0) return !fits;
    return (
      !fits ||
      size + bytes > this.#config['segment.bytes'] ||
      now - seg.rollStartMs > this.#config['segment.ms'] ||
      seg.offsetIndex.entries + plannedEntries >= seg.offsetIndex.maxEntries ||
      seg.timeIndex.entries + plannedEntries >= seg.timeIndex.maxEntries
    );
  }

  async #writeAndCommit(seg: LogSegment, bufs: Buffer[], metas: BatchMeta[], done: Array<{ item: AppendItem; result: AppendResult }>, records: number): Promise<void> {
    try {
      this.stats.writes++;
      this.stats.appends += done.length;
      await writevAll(seg.fd, bufs, seg.size);
    } catch (err) {
      this.#fail('write', err);
      throw err;
    }
    const epochBefore = this.#epochs.latestEpoch();
    for (const meta of metas) {
      seg.commitBatch(meta);
      if (meta.leaderEpoch >= 0 && meta.leaderEpoch > this.#epochs.latestEpoch()) this.#epochs.assign(meta.leaderEpoch, meta.baseOffset);
    }
    seg.lastModifiedMs = this.#clock.now();
    this.#logEndOffset = seg.nextOffset;
    if (this.#epochs.latestEpoch() !== epochBefore) {
      this.#background(this.#epochs.flush().catch((err: unknown) => this.#logger.error('could not write leader-epoch-checkpoint', { dir: this.dir, error: String(err) })));
    }
    this.#unflushedMessages += records;
    const logStartOffset = BigInt(this.#logStartOffset);
    for (const d of done) {
      const result = { ...d.result, logStartOffset };
      if (d.item.durability === 'fsync') this.#sync.add({ resolve: () => d.item.resolve(result), reject: d.item.reject });
      else d.item.resolve(result);
    }
    if (this.#unflushedMessages >= this.#config['flush.messages']) this.#sync.request();
  }

  #background(p: Promise<unknown>): void {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  /** Starts a new active segment at `baseOffset` (Kafka's `roll`), and flushes the old one soon after. */
  async #roll(baseOffset: number): Promise<LogSegment> {
    const old = this.#segments.at(-1)!;
    let segments = this.#segments;
    if (old.isEmpty()) {
      if (old.baseOffset === baseOffset) return old;
      segments = segments.slice(0, -1);
      await this.#retire([old]);
    } else {
      old.seal();
    }
    const seg = await LogSegment.create(this.dir, baseOffset, this.#segmentOptions(), this.#clock.now());
    this.#segments = [...segments, seg];
    this.#dirDirty = true;
    this.#sync.request(); // Kafka flushes the old segment right after a roll
    this.#logger.debug('rolled segment', { dir: this.dir, baseOffset });
    return seg;
  }

  /** Rolls now if the active segment has data (tests, and retention of a fully expired log). */
  roll(): Promise<void> {
    return this.#task(async () => {
      if (!this.#segments.at(-1)!.isEmpty()) await this.#roll(this.#logEndOffset);
    });
  }

  /**
   * One group-commit pass: fdatasync every segment holding unflushed bytes, persist the indexes of
   * inactive segments and the leader epoch checkpoint, fsync the directory after a roll, then move
   * the recovery point to the log end as it was when the pass began.
   */
  async #flushPass(): Promise<void> {
    const target = this.#logEndOffset;
    const messages = this.#unflushedMessages;
    await this.#flushTo(target);
    this.#unflushedMessages -= messages;
    this.#lastFlushMs = this.#clock.now();
  }

  async #flushTo(target: number): Promise<void> {
    const segments = this.#segments;
    const active = segments.at(-1);
    await Promise.all(
      segments.map(async (s) => {
        if (s.deleted) return;
        await s.flushLog();
        if (s !== active) await s.flushIndexes(true);
      }),
    );
    if (this.#dirDirty) {
      this.#dirDirty = false;
      try {
        await syncDir(this.dir);
      } catch (err) {
        this.#dirDirty = true;
        throw err;
      }
    }
    await this.#epochs.flush();
    // Recovery rescans from the segment holding the recovery point, so every segment before that one
    // must be fully on disk, indexes included. A roll racing this pass is caught by the next pass.
    let holder = 0;
    for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= target) holder = i;
    const clean = segments.slice(0, holder).every((s) => s.deleted || (!s.unflushed && !s.offsetIndex.isDirty() && !s.timeIndex.isDirty()));
    if (clean && target > this.#recoveryPoint) this.#recoveryPoint = target;
  }

  /** Flushes everything appended so far (Kafka's `flush`), advancing the recovery point. */
  flush(): Promise<void> {
    const unusable = this.#unusable();
    if (unusable !== undefined) return Promise.reject(unusable);
    return this.#sync.wait();
  }

  /** flush.ms: called periodically by the log manager. */
  async flushIfDue(): Promise<void> {
    if (this.#unflushedMessages > 0 && this.#clock.now() - this.#lastFlushMs >= this.#config['flush.ms']) await this.flush();
  }

  /** Marks the log failed (Kafka takes the log dir offline): no more appends, reads still served. */
  #fail(op: string, err: unknown): StorageError {
    if (this.#failure === undefined) {
      this.#failure = new StorageError(StorageErrorCode.storageError, `${op} failed in ${this.dir}; the log no longer accepts writes`, { cause: err });
      this.#logger.error('partition log failed', { dir: this.dir, op, error: String(err) });
    }
    return this.#failure;
  }

  /**
   * Reads whole batches from the one holding `offset`, up to `maxBytes` (at least one batch unless
   * minOneBatch is false), stopping before `upToOffset`. Offsets outside [log start, log end] throw
   * OFFSET_OUT_OF_RANGE, as Kafka's `UnifiedLog.read` does.
   */
  async read(offset: bigint, maxBytes: number, options: ReadOptions = {}): Promise<ReadResult> {
    const target = toSafeNumber(offset);
    const logEnd = this.#logEndOffset;
    if (target < this.#logStartOffset || target > logEnd) {
      throw new StorageError(
        StorageErrorCode.offsetOutOfRange,
        `offset ${offset} is outside [${this.#logStartOffset}, ${logEnd}] of ${this.topic}-${this.partition}`,
      );
    }
    const limit = options.upToOffset === undefined ? logEnd : Math.min(logEnd, toSafeNumber(options.upToOffset));
    let bytes: Buffer = EMPTY;
    if (target < limit) {
      const segments = this.#segments;
      let i = 0;
      for (let j = 0; j < segments.length; j++) if (segments[j]!.baseOffset <= target) i = j;
      for (; i < segments.length; i++) {
        const r = await segments[i]!.read(target, Math.max(0, maxBytes), limit, options.minOneBatch ?? true);
        if (r !== undefined) {
          bytes = r.bytes;
          break;
        }
      }
    }
    return { bytes, highWatermark: BigInt(this.#highWatermark), logStartOffset: BigInt(this.#logStartOffset), logEndOffset: BigInt(this.#logEndOffset) };
  }

  /** First offset whose record timestamp is >= `timestamp` (ListOffsets), with its leader epoch; undefined if none. */
  async offsetForTimestamp(timestamp: bigint): Promise<OffsetAndTimestamp | undefined> {
    const found = await findOffsetByTimestamp(this.#segments, Number(timestamp), this.#logStartOffset);
    if (found === undefined) return undefined;
    const offset = Math.max(found.offset, this.#logStartOffset);
    return { offset: BigInt(offset), timestamp: BigInt(found.timestamp), leaderEpoch: this.#epochs.epochForOffset(offset) };
  }

  /** The record with the largest timestamp (ListOffsets -3, KIP-734); undefined for a log without timestamps. */
  async maxTimestampOffset(): Promise<OffsetAndTimestamp | undefined> {
    const found = await findMaxTimestamp(this.#segments);
    if (found === undefined) return undefined;
    return { offset: BigInt(found.offset), timestamp: BigInt(found.timestamp), leaderEpoch: this.#epochs.epochForOffset(found.offset) };
  }

  /** OffsetForLeaderEpoch: the end offset of `epoch` (Kafka's `endOffsetForEpoch`); -1/-1 when unknown. */
  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: bigint } {
    const r = this.#epochs.endOffsetFor(epoch, this.#logEndOffset);
    return { leaderEpoch: r.epoch, endOffset: BigInt(r.endOffset) };
  }

  /** The broker moves the high watermark (on a single replica, to the log end after each append). */
  updateHighWatermark(offset: bigint): bigint {
    this.#highWatermark = clamp(toSafeNumber(offset), this.#logStartOffset, this.#logEndOffset);
    return BigInt(this.#highWatermark);
  }

  /**
   * DeleteRecords: raises the log start offset (Kafka's `maybeIncrementLogStartOffset`). Offsets
   * above the high watermark are refused. Segments wholly below it go at the next retention pass.
   */
  deleteRecords(offset: bigint): Promise<bigint> {
    const target = toSafeNumber(offset);
    return this.#task(async () => {
      if (target > this.#highWatermark) {
        throw new StorageError(StorageErrorCode.offsetOutOfRange, `cannot delete records up to ${target}: high watermark is ${this.#highWatermark}`);
      }
      if (target > this.#logStartOffset) {
        this.#logStartOffset = target;
        this.#epochs.truncateFromStart(target);
        await this.#epochs.flush();
      }
    }).then(() => BigInt(this.#logStartOffset));
  }

  /**
   * Removes every batch at or after `offset` (a follower truncating to the leader's epoch end).
   * Truncation is at batch granularity: a batch straddling `offset` goes entirely, and the log end
   * becomes its base offset. Returns the new log end offset.
   */
  truncateTo(offset: bigint): Promise<bigint> {
    const target = toSafeNumber(offset);
    return this.#task(async () => {
      if (target >= this.#logEndOffset) return;
      if (target <= this.#segments[0]!.baseOffset) {
        await this.#truncateFully(Math.max(target, 0));
        return;
      }
      const keep = this.#segments.filter((s) => s.baseOffset < target);
      const drop = this.#segments.filter((s) => s.baseOffset >= target);
      const last = keep.at(-1)!;
      await last.ensureIndexes();
      const batch = await last.findBatch(target, last.size);
      if (batch !== undefined) await last.truncateToPosition(batch.position, batch.baseOffset);
      this.#segments = keep;
      await this.#retire(drop);
      this.#afterTruncation(last.nextOffset);
    }).then(() => BigInt(this.#logEndOffset));
  }

  /** Empties the log and restarts it at `offset` (Kafka's `truncateFullyAndStartAt`). */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    const target = toSafeNumber(offset);
    return this.#task(() => this.#truncateFully(target));
  }

  async #truncateFully(offset: number): Promise<void> {
    // Old files are renamed away first: the new segment may have the same base offset (same name).
    await this.#retire(this.#segments);
    this.#segments = [await LogSegment.create(this.dir, offset, this.#segmentOptions(), this.#clock.now())];
    this.#dirDirty = true;
    this.#epochs.clear();
    this.#logStartOffset = offset;
    this.#afterTruncation(offset);
  }

  #afterTruncation(logEnd: number): void {
    this.#logEndOffset = logEnd;
    this.#epochs.truncateFromEnd(logEnd);
    this.#recoveryPoint = Math.min(this.#recoveryPoint, logEnd);
    this.#highWatermark = Math.min(this.#highWatermark, logEnd);
    this.#logStartOffset = Math.min(this.#logStartOffset, logEnd);
    this.#sync.request();
  }

  /** Takes segments out of service: renamed `*.deleted` now, closed and unlinked after file.delete.delay.ms. */
  async #retire(segments: readonly LogSegment[]): Promise<void> {
    for (const s of segments) {
      if (s.deleted) continue;
      await s.markDeleted();
      this.#deleter.deleteLater(s, this.#config['file.delete.delay.ms'], s.paths.log);
    }
  }

  /**
   * One retention pass (Kafka's `deleteOldSegments`). When every segment, the active one included,
   * has expired, the log rolls first so that the active segment itself is never deleted.
   */
  deleteOldSegments(): Promise<{ deleted: number; reason?: RetentionReason }> {
    let outcome: { deleted: number; reason?: RetentionReason } = { deleted: 0 };
    return this.#task(async () => {
      for (const s of this.#segments) await s.ensureIndexes();
      const decision = selectRetention({
        segments: this.#segments,
        highWatermark: this.#highWatermark,
        logEndOffset: this.#logEndOffset,
        logStartOffset: this.#logStartOffset,
        config: this.#config,
        nowMs: this.#clock.now(),
      });
      if (decision === undefined) return;
      if (decision.count >= this.#segments.length) await this.#roll(this.#logEndOffset);
      const victims = this.#segments.slice(0, decision.count);
      this.#segments = this.#segments.slice(decision.count);
      const newStart = this.#segments[0]!.baseOffset;
      if (newStart > this.#logStartOffset) {
        this.#logStartOffset = newStart;
        this.#epochs.truncateFromStart(newStart);
      }
      this.#highWatermark = Math.max(this.#highWatermark, this.#logStartOffset);
      this.#recoveryPoint = Math.max(this.#recoveryPoint, this.#logStartOffset);
      await this.#retire(victims);
      await this.#epochs.flush();
      this.#logger.info('deleted segments by retention', { dir: this.dir, reason: decision.reason, segments: victims.length, logStartOffset: this.#logStartOffset });
      outcome = { deleted: victims.length, reason: decision.reason };
    }).then(() => outcome);
  }

  /**
   * The compaction swap, inside the queue (Kafka's `LocalLog.replaceSegments`): `replacement` (built
   * as `*.cleaned` files) becomes `*.swap`, the old segments become `*.deleted`, then the swap files
   * take their final names. A crash at any step is finished or undone by the loader. Returns false,
   * changing nothing, when the old segments are no longer consecutive inactive segments of the log
   * (truncation or retention got there first).
   */
  replaceSegments(oldSegments: readonly LogSegment[], replacement: LogSegment): Promise<boolean> {
    let swapped = false;
    return this.#task(async () => {
      const start = this.#segments.indexOf(oldSegments[0]!);
      const ok = start >= 0 && oldSegments.every((s, i) => this.#segments[start + i] === s) && start + oldSegments.length < this.#segments.length;
      if (!ok) return;
      try {
        await replacement.renameFiles(SWAP_SUFFIX);
        await syncDir(this.dir);
        for (const s of oldSegments) await s.markDeleted();
        await replacement.renameFiles('');
        await syncDir(this.dir);
      } catch (err) {
        this.#fail('segment swap', err);
        throw err;
      }
      for (const s of oldSegments) this.#deleter.deleteLater(s, this.#config['file.delete.delay.ms'], s.paths.log);
      this.#segments = [...this.#segments.slice(0, start), replacement, ...this.#segments.slice(start + oldSegments.length)];
      swapped = true;
    }).then(() => swapped);
  }

  #segmentOptions(): SegmentOptions {
    return { indexBytes: this.#config['segment.index.bytes'], indexIntervalBytes: this.#config['index.interval.bytes'] };
  }

  /**
   * Flushes everything, writes the final time index entry and the indexes, closes the files
   * (Kafka's `UnifiedLog.close`). Appends still queued are written first.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#failure === undefined) {
      await this.#task(async () => {}, true);
      await this.#flushAll();
    }
    this.#closed = true;
    await this.#sync.idle().catch(() => undefined);
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await Promise.all(this.#segments.map((s) => s.close()));
  }

  async #flushAll(): Promise<void> {
    await this.#sync.wait();
    const active = this.#segments.at(-1)!;
    active.seal();
    await Promise.all(this.#segments.map((s) => (s.deleted ? undefined : s.flushIndexes(true, true))));
    this.#recoveryPoint = this.#logEndOffset;
  }

  /** Closes without flushing, for a log about to be deleted. */
  async closeForDelete(): Promise<void> {
    this.#closing = true;
    this.#closed = true;
    const err = new StorageError(StorageErrorCode.unknownTopicOrPartition, `log ${this.topic}-${this.partition} was deleted`);
    for (const item of this.#queue.splice(0)) item.reject(err);
    this.#sync.abandon(err);
    while (this.#draining || this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight, new Promise((r) => setImmediate(r))]);
    await this.#sync.idle().catch(() => undefined);
    await Promise.all(this.#segments.map((s) => s.close()));
  }

  get deleter(): FileDeleter {
    return this.#deleter;
  }

  get closed(): boolean {
    return this.#closing;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

