import { readFile } from 'node:fs/promises';
import { BrokerConfig } from './broker-config.ts';
import { ConfigError } from './config-def.ts';
import { parseProperties } from './properties-file.ts';

/** Environment variables of this form set broker properties (the convention of Kafka's Docker images, with our prefix). */
export const ENV_PREFIX = 'GREGOR_CFG_';

export interface ConfigSources {
  /** Path of a server.properties file. */
  readonly file?: string;
  /** Process environment: `GREGOR_CFG_LOG_RETENTION_MS=1000` sets `log.retention.ms`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `key=value` strings from `--override`, applied last. */
  readonly overrides?: readonly string[];
  /** Properties set programmatically (startBroker), applied before overrides. */
  readonly properties?: Readonly<Record<string, string>>;
}

/**
 * Builds the broker config from defaults < file < environment < properties < --override, as Kafka's
 * `kafka-server-start.sh server.properties --override k=v`. Any unknown name or invalid value fails
 * with a ConfigError naming where it came from.
 */
export async function loadBrokerConfig(sources: ConfigSources): Promise<BrokerConfig> {
  const merged: Record<string, string> = {};
  const origin = new Map<string, string>();
  const set = (key: string, value: string, from: string): void => {
    merged[key] = value;
    origin.set(key, from);
  };

  if (sources.file !== undefined) {
    let text: string;
    try {
      text = await readFile(sources.file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read ${sources.file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const e of parseProperties(text)) set(e.key, e.value, `${sources.file}:${e.line}`);
  }
  for (const [name, value] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    set(envToProperty(name.slice(ENV_PREFIX.length)), value, `environment ${name}`);
  }
  for (const [key, value] of Object.entries(sources.properties ?? {})) set(key, value, 'startBroker properties');
  for (const o of sources.overrides ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--override '${o}': expected key=value`);
    set(o.slice(0, eq).trim(), o.slice(eq + 1), `--override ${o}`);
  }

  try {
    return new BrokerConfig(merged);
  } catch (error) {
    if (error instanceof ConfigError) {
      const name = [...origin.keys()].find((k) => error.message.includes(`'${k}'`) || error.message.startsWith(`${k}:`));
      const where = name === undefined ? undefined : origin.get(name);
      throw new ConfigError(where === undefined ? error.message : `${error.message} (from ${where})`);
    }
    throw error;
  }
}

/** LOG_RETENTION_MS → log.retention.ms; `__` → `_`, `___` → `-` (Confluent's image convention). */
export function envToProperty(suffix: string): string {
  return suffix
    .toLowerCase()
    .replaceAll('___', '\u0000')
    .replaceAll('__', '\u0001')
    .replaceAll('_', '.')
    .replaceAll('\u0000', '-')
    .replaceAll('\u0001', '_');
}
