import { GregorError } from '../../util/index.ts';

/**
 * One configuration property, as Kafka's `ConfigDef.ConfigKey`: a name, a type, a default and a
 * validator. Values travel as strings (properties files, CreateTopics/AlterConfigs, DescribeConfigs)
 * and are parsed with `parseConfigValue`.
 */

/** Kafka's `ConfigDef.Type`; the numbers are DescribeConfigs v3+ `config_type` (ConfigResource types). */
export const ConfigType = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
} as const;
export type ConfigTypeName = keyof typeof ConfigType;

/** `DescribeConfigsResponse` config_source values (`DescribeConfigsResponse.ConfigSource`). */
export const ConfigSource = {
  unknown: 0,
  topicConfig: 1,
  dynamicBrokerConfig: 2,
  dynamicDefaultBrokerConfig: 3,
  staticBrokerConfig: 4,
  defaultConfig: 5,
} as const;

/** Kafka's Long.MAX_VALUE as written in configs ("never"). Parsed values are clamped to MAX_SAFE_INTEGER. */
export const LONG_MAX = '9223372036854775807';
export const INT_MAX = '2147483647';

export type ParsedValue = number | boolean | string | readonly string[] | null;

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigTypeName;
  /** String form as Kafka prints it; null = no default (unset). */
  readonly default: string | null;
  readonly doc: string;
  /** Numeric lower/upper bounds (Kafka's `Range.atLeast` / `between`). */
  readonly min?: number;
  readonly max?: number;
  /** Allowed values (`ValidString.in`, `ValidList.in`), case-sensitive as in Kafka. */
  readonly oneOf?: readonly string[];
  /** Accepted for compatibility with stock server.properties files but without effect in Gregor. */
  readonly ignored?: boolean;
}

export class ConfigError extends GregorError {
  constructor(message: string) {
    super('INVALID_CONFIG', message);
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Parses and validates one value. Throws ConfigError with a message naming the property, so a bad
 * server.properties line or a bad CreateTopics config reads the same way.
 */
export function parseConfigValue(def: ConfigDef, raw: string | null): ParsedValue {
  if (raw === null) return null;
  const text = raw.trim();
  let value: ParsedValue;
  switch (def.type) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw new ConfigError(`${def.name}: expected true or false, got '${raw}'`);
      value = lower === 'true';
      break;
    }
    case 'int':
    case 'short':
    case 'long': {
      if (!/^[+-]?\d+$/.test(text)) throw new ConfigError(`${def.name}: expected an integer, got '${raw}'`);
      const big = BigInt(text);
      const [lo, hi] =
        def.type === 'short' ? [-32768n, 32767n] : def.type === 'int' ? [BigInt(INT32_MIN), BigInt(INT32_MAX)] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (big < lo || big > hi) throw new ConfigError(`${def.name}: ${text} is out of range for a ${def.type}`);
      // Kafka's Long.MAX_VALUE means "never"; MAX_SAFE_INTEGER is just as unreachable for ms and bytes.
      value = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : big < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(big);
      break;
    }
    case 'double': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) throw new ConfigError(`${def.name}: expected a number, got '${raw}'`);
      value = n;
      break;
    }
    case 'list':
      value = text === '' ? [] : text.split(',').map((s) => s.trim());
      break;
    default:
      value = text;
  }
  validate(def, value);
  return value;
}

function validate(def: ConfigDef, value: ParsedValue): void {
  if (typeof value === 'number') {
    if (def.min !== undefined && value < def.min) throw new ConfigError(`${def.name}: ${value} is below the minimum ${def.min}`);
    if (def.max !== undefined && value > def.max) throw new ConfigError(`${def.name}: ${value} is above the maximum ${def.max}`);
  }
  if (def.oneOf !== undefined) {
    const values = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as readonly string[]) : [];
    for (const v of values) {
      if (!def.oneOf.includes(v)) throw new ConfigError(`${def.name}: '${v}' is not one of ${def.oneOf.join(', ')}`);
    }
  }
}
