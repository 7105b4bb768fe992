import { statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LogManager, logConfigFromProperties, StorageError, StorageErrorCode, type LogConfig, type PartitionLog } from '../storage/index.ts';
import type { Clock, Logger, Scheduler } from '../util/index.ts';
import type { BrokerConfig } from './config/index.ts';
import type { BrokerLogManager, EffectiveTopicConfig, LogDirInfo, TopicPartition } from './log-manager.ts';

/**
 * The broker's view of src/storage: one storage LogManager per entry of `log.dirs` (as Kafka's
 * LogManager spans its dirs), new partitions placed in the directory holding the fewest, and broker
 * properties turned into the storage options they name.
 */
export class StorageLogManager implements BrokerLogManager {
  readonly #managers: readonly LogManager[];

  private constructor(managers: readonly LogManager[]) {
    this.#managers = managers;
  }

  /**
   * Opens (and recovers) every log dir. `topicConfig` gives the effective config of a topic known to
   * the metadata store, so recovered logs start with their topic's settings.
   */
  static async open(
    config: BrokerConfig,
    deps: { clock: Clock; scheduler: Scheduler; logger: Logger; topicConfig: (topic: string) => EffectiveTopicConfig | undefined },
  ): Promise<StorageLogManager> {
    const defaultConfig = logConfigFromProperties(config.topicConfig({}));
    const managers: LogManager[] = [];
    try {
      for (const dir of config.logDirs) {
        managers.push(
          await LogManager.open({
            dir,
            clock: deps.clock,
            scheduler: deps.scheduler,
            logger: deps.logger,
            defaultConfig,
            topicConfig: (topic) => {
              const props = deps.topicConfig(topic);
              return props === undefined ? undefined : logConfigFromProperties(props);
            },
            retentionCheckIntervalMs: config.int('log.retention.check.interval.ms'),
            checkpointIntervalMs: config.int('log.flush.offset.checkpoint.interval.ms'),
            cleanerBackoffMs: config.int('log.cleaner.backoff.ms'),
            cleanerEnable: config.bool('log.cleaner.enable'),
          }),
        );
      }
    } catch (error) {
      await Promise.all(managers.map((m) => m.close().catch(() => undefined)));
      throw error;
    }
    return new StorageLogManager(managers);
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    for (const m of this.#managers) {
      const log = m.getLog(topic, partition);
      if (log !== undefined) return log;
    }
    return undefined;
  }

  async createLog(tp: TopicPartition, options: { readonly topicId: string; readonly config: EffectiveTopicConfig }): Promise<void> {
    const config = toLogConfig(options.config);
    const home = this.#managers.find((m) => m.getLog(tp.topic, tp.partition) !== undefined) ?? this.#leastLoaded();
    await home.createLog(tp.topic, tp.partition, options.topicId, config);
  }

  async deleteLog(tp: TopicPartition): Promise<void> {
    for (const m of this.#managers) {
      if (m.getLog(tp.topic, tp.partition) === undefined) continue;
      try {
        await m.deleteLog(tp.topic, tp.partition);
      } catch (error) {
        if (!(error instanceof StorageError && error.code === StorageErrorCode.unknownTopicOrPartition)) throw error;
      }
    }
  }

  async updateConfig(tp: TopicPartition, config: EffectiveTopicConfig): Promise<void> {
    this.getLog(tp.topic, tp.partition)?.updateConfig(toLogConfig(config));
  }

  async describeLogDirs(): Promise<readonly LogDirInfo[]> {
    return Promise.all(
      this.#managers.map(async (m) => {
        const fs = await statfs(m.dir);
        return {
          path: resolve(m.dir),
          totalBytes: BigInt(fs.blocks) * BigInt(fs.bsize),
          usableBytes: BigInt(fs.bavail) * BigInt(fs.bsize),
          partitions: m.logs().map((l) => ({ topic: l.topic, partition: l.partition, size: BigInt(l.size) })),
        };
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#managers.map((m) => m.close()));
  }

  #leastLoaded(): LogManager {
    let best = this.#managers[0] as LogManager;
    for (const m of this.#managers) if (m.logs().length < best.logs().length) best = m;
    return best;
  }
}

function toLogConfig(props: EffectiveTopicConfig): LogConfig {
  return logConfigFromProperties(props);
}
