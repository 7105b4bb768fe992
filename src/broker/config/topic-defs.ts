import { LONG_MAX, type ConfigDef } from './config-def.ts';
import type { BrokerConfigName } from './broker-defs.ts';

/**
 * Topic-level configs (`org.apache.kafka.common.config.TopicConfig` / `LogConfig`). A topic without an
 * override takes its value from the broker: `synonyms` lists the broker properties in precedence order,
 * as `LogConfig.TOPIC_CONFIG_SYNONYMS` / `ServerTopicConfigSynonyms` do (log.retention.ms wins over
 * log.retention.minutes, which wins over log.retention.hours), with the factor that turns the broker
 * unit into the topic unit.
 */
export interface TopicConfigDef extends ConfigDef {
  readonly synonyms: readonly { readonly name: BrokerConfigName; readonly scale?: number }[];
}

const HOUR = 3_600_000;

export const TOPIC_CONFIG_DEFS: readonly TopicConfigDef[] = [
  { name: 'cleanup.policy', type: 'list', default: 'delete', oneOf: ['delete', 'compact'], synonyms: [{ name: 'log.cleanup.policy' }], doc: 'delete, compact or both.' },
  { name: 'compression.type', type: 'string', default: 'producer', oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], synonyms: [{ name: 'compression.type' }], doc: 'Final compression of stored batches.' },
  { name: 'delete.retention.ms', type: 'long', default: '86400000', min: 0, synonyms: [{ name: 'log.cleaner.delete.retention.ms' }], doc: 'How long tombstones are kept on compacted topics.' },
  { name: 'file.delete.delay.ms', type: 'long', default: '60000', min: 0, synonyms: [{ name: 'log.segment.delete.delay.ms' }], doc: 'Delay before deleted segment files are removed.' },
  { name: 'flush.messages', type: 'long', default: LONG_MAX, min: 1, synonyms: [{ name: 'log.flush.interval.messages' }], doc: 'Messages between forced fsyncs.' },
  { name: 'flush.ms', type: 'long', default: LONG_MAX, min: 0, synonyms: [{ name: 'log.flush.interval.ms' }, { name: 'log.flush.scheduler.interval.ms' }], doc: 'Time between forced fsyncs.' },
  { name: 'follower.replication.throttled.replicas', type: 'list', default: '', synonyms: [], doc: 'Replicas whose follower fetches are throttled.' },
  { name: 'index.interval.bytes', type: 'int', default: '4096', min: 0, synonyms: [{ name: 'log.index.interval.bytes' }], doc: 'Bytes between offset index entries.' },
  { name: 'leader.replication.throttled.replicas', type: 'list', default: '', synonyms: [], doc: 'Replicas whose leader-side replication is throttled.' },
  { name: 'local.retention.bytes', type: 'long', default: '-2', min: -2, synonyms: [], doc: 'Local retention with tiered storage (-2 = retention.bytes).' },
  { name: 'local.retention.ms', type: 'long', default: '-2', min: -2, synonyms: [], doc: 'Local retention with tiered storage (-2 = retention.ms).' },
  { name: 'max.compaction.lag.ms', type: 'long', default: LONG_MAX, min: 1, synonyms: [{ name: 'log.cleaner.max.compaction.lag.ms' }], doc: 'Maximum time a record stays uncompacted.' },
  { name: 'max.message.bytes', type: 'int', default: '1048588', min: 0, synonyms: [{ name: 'message.max.bytes' }], doc: 'Largest record batch accepted.' },
  { name: 'message.timestamp.after.max.ms', type: 'long', default: LONG_MAX, min: 0, synonyms: [{ name: 'log.message.timestamp.after.max.ms' }], doc: 'Maximum future skew of a record timestamp.' },
  { name: 'message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, min: 0, synonyms: [{ name: 'log.message.timestamp.before.max.ms' }], doc: 'Maximum age of a record timestamp.' },
  { name: 'message.timestamp.type', type: 'string', default: 'CreateTime', oneOf: ['CreateTime', 'LogAppendTime'], synonyms: [{ name: 'log.message.timestamp.type' }], doc: 'CreateTime or LogAppendTime.' },
  { name: 'min.cleanable.dirty.ratio', type: 'double', default: '0.5', min: 0, max: 1, synonyms: [{ name: 'log.cleaner.min.cleanable.ratio' }], doc: 'Dirty ratio that makes the log eligible for cleaning.' },
  { name: 'min.compaction.lag.ms', type: 'long', default: '0', min: 0, synonyms: [{ name: 'log.cleaner.min.compaction.lag.ms' }], doc: 'Minimum time a record stays uncompacted.' },
  { name: 'min.insync.replicas', type: 'int', default: '1', min: 1, synonyms: [{ name: 'min.insync.replicas' }], doc: 'Replicas that must acknowledge acks=all.' },
  { name: 'preallocate', type: 'boolean', default: 'false', synonyms: [{ name: 'log.preallocate' }], doc: 'Preallocate segment files.' },
  { name: 'remote.storage.enable', type: 'boolean', default: 'false', synonyms: [], doc: 'Tiered storage (not supported: must stay false).' },
  { name: 'retention.bytes', type: 'long', default: '-1', synonyms: [{ name: 'log.retention.bytes' }], doc: 'Maximum partition size before old segments are deleted.' },
  {
    name: 'retention.ms',
    type: 'long',
    default: '604800000',
    min: -1,
    synonyms: [{ name: 'log.retention.ms' }, { name: 'log.retention.minutes', scale: 60_000 }, { name: 'log.retention.hours', scale: HOUR }],
    doc: 'Time a segment is kept (-1 = forever).',
  },
  { name: 'segment.bytes', type: 'int', default: '1073741824', min: 14, synonyms: [{ name: 'log.segment.bytes' }], doc: 'Maximum size of a log segment.' },
  { name: 'segment.index.bytes', type: 'int', default: '10485760', min: 4, synonyms: [{ name: 'log.index.size.max.bytes' }], doc: 'Maximum size of an offset index.' },
  { name: 'segment.jitter.ms', type: 'long', default: '0', min: 0, synonyms: [{ name: 'log.roll.jitter.ms' }, { name: 'log.roll.jitter.hours', scale: HOUR }], doc: 'Random jitter subtracted from segment.ms.' },
  { name: 'segment.ms', type: 'long', default: '604800000', min: 1, synonyms: [{ name: 'log.roll.ms' }, { name: 'log.roll.hours', scale: HOUR }], doc: 'Maximum age of a segment before it is rolled.' },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', synonyms: [{ name: 'unclean.leader.election.enable' }], doc: 'Allow out-of-sync replicas to lead.' },
];

export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIG_DEFS.map((d) => [d.name, d]));
