import { BatchOffsets, patchBaseOffset, patchLeaderEpoch, patchLogAppendTime } from '../../protocol/records/index.ts';
import type { Clock, Logger, Scheduler } from '../../util/index.ts';
import { StorageError, StorageErrorCode } from '../errors.ts';
import { FileDeleter } from './file-deleter.ts';
import { syncDir, writevAll } from './fs-io.ts';
import { LeaderEpochCache } from './leader-epoch-cache.ts';
import { validateLogConfig, type LogConfig } from './log-config.ts';
import { loadLog } from './log-loader.ts';
import { applyRetention, swapSegments, truncateFully, truncateTo } from './log-maintenance.ts';
import { LogState } from './log-state.ts';
import type { RetentionReason } from './retention.ts';
import type { BatchMeta, LogSegment } from './segment.ts';
import { findMaxTimestamp, findOffsetByTimestamp } from './timestamp-lookup.ts';
import { collectAbortedTxns, segmentHolding, type AbortedTxn } from './txn-index.ts';
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
  readonly #s: LogState;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #epochs: LeaderEpochCache;
  #queue: Array<AppendItem | TaskItem> = [];
  #draining = false;
  readonly #sync: GroupCommit;
  #unflushedMessages = 0;
  #lastFlushMs: number;
  #failure: StorageError | undefined;
  /**
   * First offset of the oldest open transaction, undefined when none: set by the owner of the
   * partition's producer state (coordinator/producer). Compaction stops before it (Kafka's
   * LogCleanerManager.cleanableOffsets uses the first unstable offset).
   */
  firstUnstableOffset: () => bigint | undefined = () => undefined;
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
    this.#s = new LogState(p.dir, p.config, p.clock, p.logger, deleter, epochs);
    this.#clock = p.clock;
    this.#logger = p.logger;
    this.#epochs = epochs;
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
      segmentOptions: log.#s.segmentOptions(),
      hadCleanShutdown: p.hadCleanShutdown ?? false,
      recoveryPoint: p.recoveryPoint ?? 0,
      logStartOffset: p.logStartOffset ?? 0,
      epochCache: epochs,
      logger: p.logger,
      nowMs: p.clock.now(),
    });
    log.#s.segments = loaded.segments;
    log.#s.logEndOffset = loaded.logEndOffset;
    log.#s.logStartOffset = loaded.logStartOffset;
    log.#s.recoveryPoint = loaded.recoveryPoint;
    log.#s.highWatermark = clamp(p.highWatermark ?? loaded.logStartOffset, loaded.logStartOffset, loaded.logEndOffset);
    for (const s of loaded.removed) deleter.deleteLater(s, p.config['file.delete.delay.ms'], s.paths.log);
    await epochs.flush();
    return log;
  }

  get config(): LogConfig {
    return this.#s.config;
  }

  get logStartOffset(): bigint {
    return BigInt(this.#s.logStartOffset);
  }

  get logEndOffset(): bigint {
    return BigInt(this.#s.logEndOffset);
  }

  get highWatermark(): bigint {
    return BigInt(this.#s.highWatermark);
  }

  /** Offsets below this are known to be on disk with their indexes (the recovery-point checkpoint). */
  get recoveryPoint(): bigint {
    return BigInt(this.#s.recoveryPoint);
  }

  /** The segments, oldest first; the last is the active one. A snapshot: mutations replace the array. */
  get segments(): readonly LogSegment[] {
    return this.#s.segments;
  }

  get size(): number {
    let total = 0;
    for (const s of this.#s.segments) total += s.size;
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
    this.#s.config = config;
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
      info = validateAppend(buf, { maxBatchBytes: this.#s.config['max.message.bytes'], asLeader: leader, verifyCrc: options.verifyCrc ?? true });
    } catch (err) {
      return Promise.reject(err);
    }
    const logAppendTime =
      leader && this.#s.config['message.timestamp.type'] === 'LogAppendTime' ? Number(options.logAppendTime ?? BigInt(this.#clock.now())) : -1;
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
    let seg = this.#s.segments.at(-1)!;
    let position = seg.size;
    let next = this.#s.logEndOffset;
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
      size + bytes > this.#s.config['segment.bytes'] ||
      now - seg.rollStartMs > this.#s.config['segment.ms'] ||
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
    this.#s.logEndOffset = seg.nextOffset;
    if (this.#epochs.latestEpoch() !== epochBefore) {
      this.#background(this.#epochs.flush().catch((err: unknown) => this.#logger.error('could not write leader-epoch-checkpoint', { dir: this.dir, error: String(err) })));
    }
    this.#unflushedMessages += records;
    const logStartOffset = BigInt(this.#s.logStartOffset);
    for (const d of done) {
      const result = { ...d.result, logStartOffset };
      if (d.item.durability === 'fsync') this.#sync.add({ resolve: () => d.item.resolve(result), reject: d.item.reject });
      else d.item.resolve(result);
    }
    if (this.#unflushedMessages >= this.#s.config['flush.messages']) this.#sync.request();
  }

  #background(p: Promise<unknown>): void {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  /** Starts a new active segment at `baseOffset` (Kafka's `roll`), and flushes the old one soon after. */
  async #roll(baseOffset: number): Promise<LogSegment> {
    const old = this.#s.segments.at(-1)!;
    let segments = this.#s.segments;
    if (old.isEmpty()) {
      if (old.baseOffset === baseOffset) return old;
      segments = segments.slice(0, -1);
      await this.#s.retire([old]);
    } else {
      old.seal();
    }
    const seg = await this.#s.newSegment(baseOffset);
    this.#s.segments = [...segments, seg];
    this.#sync.request(); // Kafka flushes the old segment right after a roll
    this.#logger.debug('rolled segment', { dir: this.dir, baseOffset });
    return seg;
  }

  /** Rolls now if the active segment has data (tests, and retention of a fully expired log). */
  roll(): Promise<void> {
    return this.#task(async () => {
      if (!this.#s.segments.at(-1)!.isEmpty()) await this.#roll(this.#s.logEndOffset);
    });
  }

  /**
   * One group-commit pass: fdatasync every segment holding unflushed bytes, persist the indexes of
   * inactive segments and the leader epoch checkpoint, fsync the directory after a roll, then move
   * the recovery point to the log end as it was when the pass began.
   */
  async #flushPass(): Promise<void> {
    const target = this.#s.logEndOffset;
    const messages = this.#unflushedMessages;
    await this.#flushTo(target);
    this.#unflushedMessages -= messages;
    this.#lastFlushMs = this.#clock.now();
  }

  async #flushTo(target: number): Promise<void> {
    const segments = this.#s.segments;
    const active = segments.at(-1);
    await Promise.all(
      segments.map(async (s) => {
        if (s.deleted) return;
        await s.flushLog();
        if (s !== active) await s.flushIndexes(true);
      }),
    );
    if (this.#s.dirDirty) {
      this.#s.dirDirty = false;
      try {
        await syncDir(this.dir);
      } catch (err) {
        this.#s.dirDirty = true;
        throw err;
      }
    }
    await this.#epochs.flush();
    // Recovery rescans from the segment holding the recovery point, so every segment before that one
    // must be fully on disk, indexes included. A roll racing this pass is caught by the next pass.
    let holder = 0;
    for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= target) holder = i;
    const clean = segments.slice(0, holder).every((s) => s.deleted || (!s.unflushed && !s.offsetIndex.isDirty() && !s.timeIndex.isDirty()));
    if (clean && target > this.#s.recoveryPoint) this.#s.recoveryPoint = target;
  }

  /** Flushes everything appended so far (Kafka's `flush`), advancing the recovery point. */
  flush(): Promise<void> {
    const unusable = this.#unusable();
    if (unusable !== undefined) return Promise.reject(unusable);
    return this.#sync.wait();
  }

  /** flush.ms: called periodically by the log manager. */
  async flushIfDue(): Promise<void> {
    if (this.#unflushedMessages > 0 && this.#clock.now() - this.#lastFlushMs >= this.#s.config['flush.ms']) await this.flush();
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
    const logEnd = this.#s.logEndOffset;
    if (target < this.#s.logStartOffset || target > logEnd) {
      throw new StorageError(
        StorageErrorCode.offsetOutOfRange,
        `offset ${offset} is outside [${this.#s.logStartOffset}, ${logEnd}] of ${this.topic}-${this.partition}`,
      );
    }
    const limit = options.upToOffset === undefined ? logEnd : Math.min(logEnd, toSafeNumber(options.upToOffset));
    let bytes: Buffer = EMPTY;
    if (target < limit) {
      const segments = this.#s.segments;
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
    return { bytes, highWatermark: BigInt(this.#s.highWatermark), logStartOffset: BigInt(this.#s.logStartOffset), logEndOffset: BigInt(this.#s.logEndOffset) };
  }

  /** First offset whose record timestamp is >= `timestamp` (ListOffsets), with its leader epoch; undefined if none. */
  async offsetForTimestamp(timestamp: bigint): Promise<OffsetAndTimestamp | undefined> {
    const found = await findOffsetByTimestamp(this.#s.segments, Number(timestamp), this.#s.logStartOffset);
    if (found === undefined) return undefined;
    const offset = Math.max(found.offset, this.#s.logStartOffset);
    return { offset: BigInt(offset), timestamp: BigInt(found.timestamp), leaderEpoch: this.#epochs.epochForOffset(offset) };
  }

  /** The record with the largest timestamp (ListOffsets -3, KIP-734); undefined for a log without timestamps. */
  async maxTimestampOffset(): Promise<OffsetAndTimestamp | undefined> {
    const found = await findMaxTimestamp(this.#s.segments);
    if (found === undefined) return undefined;
    return { offset: BigInt(found.offset), timestamp: BigInt(found.timestamp), leaderEpoch: this.#epochs.epochForOffset(found.offset) };
  }

  /** OffsetForLeaderEpoch: the end offset of `epoch` (Kafka's `endOffsetForEpoch`); -1/-1 when unknown. */
  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: bigint } {
    const r = this.#epochs.endOffsetFor(epoch, this.#s.logEndOffset);
    return { leaderEpoch: r.epoch, endOffset: BigInt(r.endOffset) };
  }

  /** The broker moves the high watermark (on a single replica, to the log end after each append). */
  updateHighWatermark(offset: bigint): bigint {
    this.#s.highWatermark = clamp(toSafeNumber(offset), this.#s.logStartOffset, this.#s.logEndOffset);
    return BigInt(this.#s.highWatermark);
  }

  /**
   * Moves the high watermark forward to `offset` (clamped to the log end), never back: appends that
   * resolve out of order (an fsynced one after a later page-cache one) each offer their own end
   * (Kafka's `UnifiedLog.maybeIncrementHighWatermark`).
   */
  maybeIncrementHighWatermark(offset: bigint): bigint {
    return offset > BigInt(this.#s.highWatermark) ? this.updateHighWatermark(offset) : BigInt(this.#s.highWatermark);
  }

  /**
   * DeleteRecords: raises the log start offset (Kafka's `maybeIncrementLogStartOffset`). Offsets
   * above the high watermark are refused. Segments wholly below it go at the next retention pass.
   */
  deleteRecords(offset: bigint): Promise<bigint> {
    const target = toSafeNumber(offset);
    return this.#task(async () => {
      if (target > this.#s.highWatermark) {
        throw new StorageError(StorageErrorCode.offsetOutOfRange, `cannot delete records up to ${target}: high watermark is ${this.#s.highWatermark}`);
      }
      if (target > this.#s.logStartOffset) {
        this.#s.logStartOffset = target;
        this.#epochs.truncateFromStart(target);
        await this.#epochs.flush();
      }
    }).then(() => BigInt(this.#s.logStartOffset));
  }

  /**
   * Removes every batch at or after `offset` (a follower truncating to the leader's epoch end).
   * Truncation is at batch granularity: a batch straddling `offset` goes entirely, and the log end
   * becomes its base offset. Returns the new log end offset.
   */
  truncateTo(offset: bigint): Promise<bigint> {
    const target = toSafeNumber(offset);
    return this.#task(async () => {
      await truncateTo(this.#s, target);
      this.#sync.request();
    }).then(() => BigInt(this.#s.logEndOffset));
  }

  /** Empties the log and restarts it at `offset` (Kafka's `truncateFullyAndStartAt`). */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    const target = toSafeNumber(offset);
    return this.#task(async () => {
      await truncateFully(this.#s, target);
      this.#sync.request();
    });
  }

  /** One retention pass (Kafka's `deleteOldSegments`); see log-maintenance.ts. */
  deleteOldSegments(): Promise<{ deleted: number; reason?: RetentionReason }> {
    let outcome: { deleted: number; reason?: RetentionReason } = { deleted: 0 };
    return this.#task(async () => {
      outcome = await applyRetention(this.#s, async () => {
        await this.#roll(this.#s.logEndOffset);
      });
    }).then(() => outcome);
  }

  /** The compaction swap, inside the queue; see `swapSegments`. */
  replaceSegments(oldSegments: readonly LogSegment[], replacement: LogSegment): Promise<boolean> {
    let swapped = false;
    return this.#task(async () => {
      try {
        swapped = await swapSegments(this.#s, oldSegments, replacement);
      } catch (err) {
        throw this.#fail('segment swap', err);
      }
    }).then(() => swapped);
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
    await Promise.all(this.#s.segments.map((s) => s.close()));
  }

  async #flushAll(): Promise<void> {
    await this.#sync.wait();
    const active = this.#s.segments.at(-1)!;
    active.seal();
    await Promise.all(this.#s.segments.map((s) => (s.deleted ? undefined : s.flushIndexes(true, true))));
    this.#s.recoveryPoint = this.#s.logEndOffset;
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
    await Promise.all(this.#s.segments.map((s) => s.close()));
  }

  get deleter(): FileDeleter {
    return this.#s.deleter;
  }

  /**
   * Records an aborted transaction in the `.txnindex` of the segment holding its marker
   * (`entry.lastOffset`), fsynced, inside the partition's queue (Kafka's segment.updateTxnIndex,
   * called when an ABORT marker is appended). With `onlyIfMissing`, an entry already there is kept
   * (recovery: the producer-state scan puts back entries a crash lost).
   */
  recordAbortedTxn(entry: AbortedTxn, onlyIfMissing = false): Promise<void> {
    return this.#task(async () => {
      const seg = segmentHolding(this.#s.segments, entry.lastOffset);
      if (seg === undefined || entry.lastOffset >= BigInt(this.#s.logEndOffset)) return; // truncated away meanwhile
      if (onlyIfMissing) {
        if (await seg.txnIndex.ensure(entry)) this.#logger.info('restored a lost .txnindex entry', { dir: this.dir, lastOffset: String(entry.lastOffset) });
      } else {
        await seg.txnIndex.append(entry);
      }
    });
  }

  /** Aborted transactions with data in [fetchOffset, upperBound): read_committed Fetch's `aborted_transactions`. */
  collectAbortedTransactions(fetchOffset: bigint, upperBound: bigint): Promise<AbortedTxn[]> {
    return collectAbortedTxns(this.#s.segments, fetchOffset, upperBound);
  }

  get closed(): boolean {
    return this.#closing;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

