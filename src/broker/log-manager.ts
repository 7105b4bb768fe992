import type { PartitionLog } from '../storage/index.ts';

/**
 * What the broker needs from the partition-log layer: the port handlers and the topic manager use.
 * `storage-log-manager.ts` implements it over src/storage's LogManager (one per log directory); tests
 * of the network layer may pass a fake. Domain terms only: no request/response types.
 */

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Topic-level config with broker defaults already applied (Kafka names, string values). */
export type EffectiveTopicConfig = Readonly<Record<string, string>>;

export interface LogDirPartitionInfo {
  readonly topic: string;
  readonly partition: number;
  /** Bytes on disk for the partition. */
  readonly size: bigint;
}

export interface LogDirInfo {
  readonly path: string;
  readonly totalBytes: bigint;
  readonly usableBytes: bigint;
  readonly partitions: readonly LogDirPartitionInfo[];
}

export interface BrokerLogManager {
  /** The open log of a partition hosted here (Produce, Fetch, ListOffsets, …), or undefined. */
  getLog(topic: string, partition: number): PartitionLog | undefined;
  /** Creates the partition's log (idempotent when it already exists with the same topic id). */
  createLog(tp: TopicPartition, options: { readonly topicId: string; readonly config: EffectiveTopicConfig }): Promise<void>;
  /** Removes the partition's log and its files; a missing log is not an error. */
  deleteLog(tp: TopicPartition): Promise<void>;
  /** Applies changed topic configs (retention, segment size, …) to an open log. */
  updateConfig(tp: TopicPartition, config: EffectiveTopicConfig): Promise<void>;
  /** For DescribeLogDirs. */
  describeLogDirs(): Promise<readonly LogDirInfo[]>;
  /** Flushes and closes every log, writing the clean-shutdown marker. */
  close(): Promise<void>;
}
