import { GregorError } from '../../util/index.ts';

/**
 * Per-topic log configuration under Kafka's property names and with Kafka's defaults
 * (`org.apache.kafka.storage.internals.log.LogConfig`). Values are numbers; Kafka's `Long.MAX_VALUE`
 * ("never") is held as Number.MAX_SAFE_INTEGER, which is just as unreachable for ms and counts.
 */
export interface LogConfig {
  readonly 'segment.bytes': number;
  readonly 'segment.ms': number;
  readonly 'segment.index.bytes': number;
  readonly 'index.interval.bytes': number;
  readonly 'retention.ms': number;
  readonly 'retention.bytes': number;
  readonly 'cleanup.policy': CleanupPolicy;
  readonly 'flush.messages': number;
  readonly 'flush.ms': number;
  readonly 'min.cleanable.dirty.ratio': number;
  readonly 'delete.retention.ms': number;
  readonly 'min.compaction.lag.ms': number;
  readonly 'max.compaction.lag.ms': number;
  readonly 'file.delete.delay.ms': number;
  readonly 'message.timestamp.type': 'CreateTime' | 'LogAppendTime';
  readonly 'max.message.bytes': number;
}

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export const LONG_MAX_AS_NUMBER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  'segment.bytes': 1024 * 1024 * 1024,
  'segment.ms': 7 * 24 * 60 * 60 * 1000,
  'segment.index.bytes': 10 * 1024 * 1024,
  'index.interval.bytes': 4096,
  'retention.ms': 7 * 24 * 60 * 60 * 1000,
  'retention.bytes': -1,
  'cleanup.policy': 'delete',
  'flush.messages': LONG_MAX_AS_NUMBER,
  'flush.ms': LONG_MAX_AS_NUMBER,
  'min.cleanable.dirty.ratio': 0.5,
  'delete.retention.ms': 24 * 60 * 60 * 1000,
  'min.compaction.lag.ms': 0,
  'max.compaction.lag.ms': LONG_MAX_AS_NUMBER,
  'file.delete.delay.ms': 60_000,
  'message.timestamp.type': 'CreateTime',
  'max.message.bytes': 1024 * 1024 + 12,
});

/** Kafka's lower bounds (LogConfig's `ConfigDef` validators) for the settings a typo could make dangerous. */
const MINIMUMS: Partial<Record<keyof LogConfig, number>> = {
  'segment.bytes': 14,
  'segment.ms': 1,
  'segment.index.bytes': 8,
  'index.interval.bytes': 0,
  'flush.messages': 1,
  'flush.ms': 0,
  'min.cleanable.dirty.ratio': 0,
  'delete.retention.ms': 0,
  'min.compaction.lag.ms': 0,
  'file.delete.delay.ms': 0,
  'max.message.bytes': 0,
};

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config = { ...DEFAULT_LOG_CONFIG, ...overrides };
  validateLogConfig(config);
  return Object.freeze(config);
}

export function validateLogConfig(config: LogConfig): void {
  for (const [name, min] of Object.entries(MINIMUMS) as Array<[keyof LogConfig, number]>) {
    const value = config[name];
    if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
      throw new GregorError('INVALID_CONFIG', `${name} must be a number >= ${min}, got ${String(value)}`);
    }
  }
  if (config['segment.bytes'] > 0x7fffffff) {
    throw new GregorError('INVALID_CONFIG', 'segment.bytes must fit an int32: index positions are 32-bit');
  }
  if (config['min.cleanable.dirty.ratio'] > 1) throw new GregorError('INVALID_CONFIG', 'min.cleanable.dirty.ratio must be <= 1');
  if (!['delete', 'compact', 'compact,delete'].includes(config['cleanup.policy'])) {
    throw new GregorError('INVALID_CONFIG', `cleanup.policy must be delete, compact or compact,delete`);
  }
  if (config['message.timestamp.type'] !== 'CreateTime' && config['message.timestamp.type'] !== 'LogAppendTime') {
    throw new GregorError('INVALID_CONFIG', 'message.timestamp.type must be CreateTime or LogAppendTime');
  }
}

/**
 * Parses topic properties as strings (from a properties file or CreateTopics/AlterConfigs) into a
 * config; unknown names are ignored here because broker-level names share the namespace.
 */
export function logConfigFromProperties(props: Readonly<Record<string, string>>): LogConfig {
  const overrides: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(props)) {
    if (!(name in DEFAULT_LOG_CONFIG)) continue;
    const defaultValue = DEFAULT_LOG_CONFIG[name as keyof LogConfig];
    if (typeof defaultValue === 'number') {
      const value = Number(raw.trim());
      if (!Number.isFinite(value)) throw new GregorError('INVALID_CONFIG', `${name}=${raw} is not a number`);
      overrides[name] = Math.min(value, LONG_MAX_AS_NUMBER);
    } else if (name === 'cleanup.policy') {
      overrides[name] = raw.split(',').map((p) => p.trim()).sort().join(',');
    } else {
      overrides[name] = raw.trim();
    }
  }
  return logConfig(overrides as Partial<LogConfig>);
}

export function hasDeletePolicy(config: LogConfig): boolean {
  return config['cleanup.policy'] !== 'compact';
}

export function hasCompactPolicy(config: LogConfig): boolean {
  return config['cleanup.policy'] !== 'delete';
}
