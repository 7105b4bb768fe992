import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger, systemClock, systemScheduler, type Clock, type Logger, type Scheduler, type Timer } from '../util/index.ts';
import { StorageError, StorageErrorCode } from './errors.ts';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './log/checkpoint-file.ts';
import { cleanLog, dirtyStats, type CleanResult } from './log/cleaner.ts';
import { FileDeleter } from './log/file-deleter.ts';
import {
  CLEANER_OFFSET_CHECKPOINT_FILE,
  CLEAN_SHUTDOWN_FILE,
  DELETE_DIR_SUFFIX,
  HIGH_WATERMARK_CHECKPOINT_FILE,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  parsePartitionDirName,
  partitionDirName,
  topicPartitionKey,
} from './log/file-names.ts';
import { exists, syncDir, writeFileAtomic } from './log/fs-io.ts';
import { DEFAULT_LOG_CONFIG, hasCompactPolicy, type LogConfig } from './log/log-config.ts';
import { PartitionLog } from './log/partition-log.ts';
import { readPartitionMetadata, writePartitionMetadata } from './log/partition-metadata.ts';

/**
 * All partition logs of one log directory, after Kafka's `LogManager`: loads (and recovers) them on
 * start, creates and deletes them, writes the log-dir checkpoints, and runs the background work on
 * injected timers: flush.ms checks, retention, the cleaner, checkpoints. Intervals carry the broker
 * property names they come from.
 */
export interface LogManagerOptions {
  readonly dir: string;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly logger?: Logger;
  /** Config for logs whose topic has none of its own (broker `log.*` defaults). */
  readonly defaultConfig?: LogConfig;
  /** Topic configs known at start (from the metadata store); logs of other topics get the default. */
  readonly topicConfig?: (topic: string) => LogConfig | undefined;
  /** log.retention.check.interval.ms */
  readonly retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (also used for the other checkpoints) */
  readonly checkpointIntervalMs?: number;
  /** log.flush.scheduler.interval.ms: how often flush.ms is checked. */
  readonly flushCheckIntervalMs?: number;
  /** log.cleaner.backoff.ms */
  readonly cleanerBackoffMs?: number;
  /** log.cleaner.enable */
  readonly cleanerEnable?: boolean;
  /** Distinct keys per cleaning pass (Kafka sizes it with log.cleaner.dedupe.buffer.size). */
  readonly cleanerMaxKeys?: number;
  /** Logs recovered in parallel (num.recovery.threads.per.data.dir). */
  readonly recoveryConcurrency?: number;
}

export class LogManager {
  readonly dir: string;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #defaultConfig: LogConfig;
  readonly #options: LogManagerOptions;
  readonly #deleter: FileDeleter;
  readonly #logs = new Map<string, PartitionLog>();
  readonly #cleanerCheckpoints = new Map<string, number>();
  readonly #timers = new Set<Timer>();
  #checkpointing: Promise<void> = Promise.resolve();
  #cleaning: Promise<unknown> = Promise.resolve();
  #background = new Set<Promise<unknown>>();
  #closed = false;

  private constructor(options: LogManagerOptions) {
    this.dir = options.dir;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#logger = options.logger ?? silentLogger;
    this.#defaultConfig = options.defaultConfig ?? DEFAULT_LOG_CONFIG;
    this.#deleter = new FileDeleter(this.#scheduler, this.#logger);
  }

  /**
   * Opens the log dir: reads its checkpoints and clean-shutdown marker, removes directories of
   * deleted logs, opens every partition log (recovering those that need it), starts the timers.
   */
  static async open(options: LogManagerOptions): Promise<LogManager> {
    const m = new LogManager(options);
    await fs.promises.mkdir(m.dir, { recursive: true });
    const marker = path.join(m.dir, CLEAN_SHUTDOWN_FILE);
    const hadCleanShutdown = await exists(marker);
    if (hadCleanShutdown) {
      // Gone from here on: a crash before the next clean close must be seen as unclean.
      await fs.promises.rm(marker, { force: true });
      await syncDir(m.dir);
    }
    const [recoveryPoints, logStarts, highWatermarks, cleaner] = await Promise.all([
      readOffsetCheckpoint(path.join(m.dir, RECOVERY_POINT_CHECKPOINT_FILE)),
      readOffsetCheckpoint(path.join(m.dir, LOG_START_OFFSET_CHECKPOINT_FILE)),
      readOffsetCheckpoint(path.join(m.dir, HIGH_WATERMARK_CHECKPOINT_FILE)),
      readOffsetCheckpoint(path.join(m.dir, CLEANER_OFFSET_CHECKPOINT_FILE)),
    ]);
    for (const [k, v] of cleaner) m.#cleanerCheckpoints.set(k, v);
    const entries = await fs.promises.readdir(m.dir, { withFileTypes: true });
    const toLoad: Array<{ name: string; topic: string; partition: number }> = [];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name.endsWith(DELETE_DIR_SUFFIX)) {
        m.#track(fs.promises.rm(path.join(m.dir, e.name), { recursive: true, force: true }));
        continue;
      }
      const tp = parsePartitionDirName(e.name);
      if (tp !== undefined && e.name === partitionDirName(tp.topic, tp.partition)) toLoad.push({ name: e.name, ...tp });
    }
    if (!hadCleanShutdown && toLoad.length > 0) m.#logger.info('log dir was not shut down cleanly: recovering', { dir: m.dir, logs: toLoad.length });
    const concurrency = Math.max(1, options.recoveryConcurrency ?? 2);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < toLoad.length) {
        const item = toLoad[next++]!;
        const key = topicPartitionKey(item.topic, item.partition);
        const dir = path.join(m.dir, item.name);
        const log = await PartitionLog.open({
          dir,
          topic: item.topic,
          partition: item.partition,
          topicId: await readPartitionMetadata(dir),
          config: m.#configFor(item.topic),
          clock: m.#clock,
          scheduler: m.#scheduler,
          logger: m.#logger,
          deleter: m.#deleter,
          hadCleanShutdown,
          recoveryPoint: recoveryPoints.get(key) ?? 0,
          logStartOffset: logStarts.get(key) ?? 0,
          ...(highWatermarks.has(key) ? { highWatermark: highWatermarks.get(key)! } : {}),
        });
        m.#logs.set(key, log);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await m.checkpoint();
    m.#startTimers();
    return m;
  }

  #configFor(topic: string): LogConfig {
    return this.#options.topicConfig?.(topic) ?? this.#defaultConfig;
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.#logs.get(topicPartitionKey(topic, partition));
  }

  logs(): PartitionLog[] {
    return [...this.#logs.values()];
  }

  /**
   * Creates the log of a new partition (or returns the existing one for the same topic id). A log of
   * the same name with another topic id is a topic that was deleted and recreated: an error here.
   */
  async createLog(topic: string, partition: number, topicId: string | undefined, config: LogConfig = this.#configFor(topic)): Promise<PartitionLog> {
    this.#ensureOpen();
    const key = topicPartitionKey(topic, partition);
    const existing = this.#logs.get(key);
    if (existing !== undefined) {
      if (topicId !== undefined && existing.topicId !== undefined && existing.topicId !== topicId) {
        throw new StorageError(StorageErrorCode.topicAlreadyExists, `log ${key} exists with topic id ${existing.topicId}, not ${topicId}`);
      }
      return existing;
    }
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic) || !Number.isInteger(partition) || partition < 0) {
      throw new StorageError(StorageErrorCode.invalidRecord, `invalid topic partition ${key}`);
    }
    const dir = path.join(this.dir, partitionDirName(topic, partition));
    await fs.promises.mkdir(dir, { recursive: true });
    if (topicId !== undefined) await writePartitionMetadata(dir, topicId);
    const log = await PartitionLog.open({
      dir,
      topic,
      partition,
      topicId,
      config,
      clock: this.#clock,
      scheduler: this.#scheduler,
      logger: this.#logger,
      deleter: this.#deleter,
      hadCleanShutdown: true,
    });
    await syncDir(this.dir);
    this.#logs.set(key, log);
    return log;
  }

  /**
   * Deletes a partition's log: renamed at once to `<topic>-<partition>.<uuid>-delete` (so a new log
   * of the same name can be created), removed after file.delete.delay.ms (Kafka's `asyncDelete`).
   */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = topicPartitionKey(topic, partition);
    const log = this.#logs.get(key);
    if (log === undefined) throw new StorageError(StorageErrorCode.unknownTopicOrPartition, `no log for ${key}`);
    this.#logs.delete(key);
    this.#cleanerCheckpoints.delete(key);
    await log.closeForDelete();
    const target = path.join(this.dir, `${partitionDirName(topic, partition)}.${randomUUID().replaceAll('-', '')}${DELETE_DIR_SUFFIX}`);
    await fs.promises.rename(log.dir, target);
    await syncDir(this.dir);
    this.#deleter.deleteLater({ deleteFiles: () => fs.promises.rm(target, { recursive: true, force: true }) }, log.config['file.delete.delay.ms'], target);
    await this.checkpoint();
  }

  /** Writes the four log-dir checkpoints (Kafka's `checkpointLogRecoveryOffsets`/`checkpointLogStartOffsets`), one writer at a time. */
  checkpoint(): Promise<void> {
    const run = async (): Promise<void> => {
      const logs = [...this.#logs.values()];
      const entries = (f: (l: PartitionLog) => bigint): Array<{ topic: string; partition: number; offset: number }> =>
        logs.map((l) => ({ topic: l.topic, partition: l.partition, offset: Number(f(l)) }));
      await writeOffsetCheckpoint(path.join(this.dir, RECOVERY_POINT_CHECKPOINT_FILE), entries((l) => l.recoveryPoint));
      await writeOffsetCheckpoint(path.join(this.dir, LOG_START_OFFSET_CHECKPOINT_FILE), entries((l) => l.logStartOffset));
      await writeOffsetCheckpoint(path.join(this.dir, HIGH_WATERMARK_CHECKPOINT_FILE), entries((l) => l.highWatermark));
      const cleaner = logs
        .filter((l) => this.#cleanerCheckpoints.has(topicPartitionKey(l.topic, l.partition)))
        .map((l) => ({ topic: l.topic, partition: l.partition, offset: this.#cleanerCheckpoints.get(topicPartitionKey(l.topic, l.partition))! }));
      await writeOffsetCheckpoint(path.join(this.dir, CLEANER_OFFSET_CHECKPOINT_FILE), cleaner);
    };
    this.#checkpointing = this.#checkpointing.then(run, run);
    return this.#checkpointing;
  }

  /** One retention pass over every log (Kafka's `cleanupLogs`). */
  async runRetention(): Promise<number> {
    let deleted = 0;
    for (const log of this.logs()) {
      if (log.closed) continue;
      try {
        deleted += (await log.deleteOldSegments()).deleted;
      } catch (err) {
        this.#logger.error('retention failed', { dir: log.dir, error: String(err) });
      }
    }
    return deleted;
  }

  /** flush.ms: flushes the logs whose oldest unflushed append is older than their flush.ms. */
  async flushDueLogs(): Promise<void> {
    await Promise.all(
      this.logs().map((log) =>
        log.flushIfDue().catch((err: unknown) => this.#logger.error('flush failed', { dir: log.dir, error: String(err) })),
      ),
    );
  }

  /**
   * One cleaner pass: the compacted log with the highest dirty ratio above its
   * min.cleanable.dirty.ratio is cleaned (Kafka's `grabFilthiestCompactedLog`). Passes never overlap.
   */
  runCleaner(): Promise<CleanResult | undefined> {
    const run = async (): Promise<CleanResult | undefined> => {
      const now = this.#clock.now();
      let best: { log: PartitionLog; stats: Awaited<ReturnType<typeof dirtyStats>> } | undefined;
      for (const log of this.logs()) {
        if (!hasCompactPolicy(log.config) || log.closed || log.failed) continue;
        const stats = await dirtyStats(log, this.#cleanerCheckpoints.get(topicPartitionKey(log.topic, log.partition)), now);
        if (stats.dirtyBytes === 0 || stats.ratio < log.config['min.cleanable.dirty.ratio']) continue;
        if (best === undefined || stats.ratio > best.stats.ratio) best = { log, stats };
      }
      if (best === undefined) return undefined;
      const { log, stats } = best;
      try {
        const result = await cleanLog(log, stats, now, {
          maxKeysPerPass: this.#options.cleanerMaxKeys ?? 4_000_000,
          logger: this.#logger,
          shouldStop: () => this.#closed || log.closed,
        });
        if (result !== undefined && !log.closed) this.#cleanerCheckpoints.set(topicPartitionKey(log.topic, log.partition), result.endOffset);
        return result;
      } catch (err) {
        if (!this.#closed && !log.closed) this.#logger.error('cleaning failed', { dir: log.dir, error: String(err) });
        return undefined;
      }
    };
    const p = this.#cleaning.then(run, run);
    this.#cleaning = p;
    return p;
  }

  cleanerCheckpoint(topic: string, partition: number): number | undefined {
    return this.#cleanerCheckpoints.get(topicPartitionKey(topic, partition));
  }

  /** Waits for file deletions whose delay has passed (tests advance a manual clock, then call this). */
  async idle(): Promise<void> {
    await this.#deleter.idle();
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  get deleter(): FileDeleter {
    return this.#deleter;
  }

  #startTimers(): void {
    const o = this.#options;
    this.#every(o.retentionCheckIntervalMs ?? 300_000, () => this.runRetention());
    this.#every(o.checkpointIntervalMs ?? 60_000, () => this.checkpoint());
    this.#every(o.flushCheckIntervalMs ?? 1_000, () => this.flushDueLogs());
    if (o.cleanerEnable ?? true) this.#every(o.cleanerBackoffMs ?? 15_000, () => this.runCleaner());
  }

  /**
   * Runs `task` every `intervalMs` at a fixed rate. A tick that finds the previous run still going
   * asks for one more run after it instead of overlapping it (so a slow pass never stacks up).
   */
  #every(intervalMs: number, task: () => Promise<unknown>): void {
    let running = false;
    let again = false;
    const fire = (): void => {
      if (this.#closed) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      const run = async (): Promise<void> => {
        do {
          again = false;
          try {
            await task();
          } catch (err) {
            this.#logger.error('background task failed', { dir: this.dir, error: String(err) });
          }
        } while (again && !this.#closed);
        running = false;
      };
      this.#track(run());
    };
    const arm = (): void => {
      const timer = this.#scheduler.schedule(intervalMs, () => {
        this.#timers.delete(timer);
        if (this.#closed) return;
        arm();
        fire();
      });
      this.#timers.add(timer);
    };
    arm();
  }

  #track(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) => this.#logger.warn('background work failed', { dir: this.dir, error: String(err) }));
    this.#background.add(q);
    void q.finally(() => this.#background.delete(q));
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StorageError(StorageErrorCode.logClosed, `log manager for ${this.dir} is closed`);
  }

  /**
   * Clean shutdown (Kafka's `LogManager.shutdown`): stop the timers and the cleaner, close every log
   * (flushing it), write the checkpoints, then the `.kafka_cleanshutdown` marker that lets the next
   * start skip recovery. Logs that failed are left out of the marker's promise: without the marker
   * the next start recovers everything.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    await this.#cleaning.catch(() => undefined);
    while (this.#background.size > 0) await Promise.all([...this.#background]);
    let allClean = true;
    await Promise.all(
      this.logs().map(async (log) => {
        try {
          await log.close();
          if (log.failed) allClean = false;
        } catch (err) {
          allClean = false;
          this.#logger.error('could not close log cleanly', { dir: log.dir, error: String(err) });
        }
      }),
    );
    await this.#deleter.cancelAll(async (item) => {
      if ('close' in item && typeof item.close === 'function') await (item.close as () => Promise<void>)();
    });
    await this.checkpoint();
    if (allClean) await writeFileAtomic(path.join(this.dir, CLEAN_SHUTDOWN_FILE), '{"version":0,"brokerEpoch":-1}\n');
  }
}
