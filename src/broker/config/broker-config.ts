import { BROKER_CONFIG_DEFS, type BrokerConfigName } from './broker-defs.ts';
import { ConfigError, ConfigSource, parseConfigValue, type ConfigDef, type ParsedValue } from './config-def.ts';
import { TOPIC_CONFIG_BY_NAME, TOPIC_CONFIG_DEFS, type TopicConfigDef } from './topic-defs.ts';

const BROKER_DEFS_BY_NAME: ReadonlyMap<string, ConfigDef> = new Map(BROKER_CONFIG_DEFS.map((d) => [d.name, d]));

export interface Listener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** A config value as DescribeConfigs reports it. */
export interface DescribedConfig {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
  readonly def: ConfigDef;
  /** Where the value could come from, in precedence order, only those that are set (plus the default). */
  readonly synonyms: readonly { readonly name: string; readonly value: string | null; readonly source: number }[];
}

/**
 * The broker's static configuration: every property validated at construction, typed getters for the
 * code, and the topic-config resolution Kafka's `LogConfig` performs (topic override, else broker
 * synonym, else default). Immutable: Gregor has no dynamic broker configs yet.
 */
export class BrokerConfig {
  readonly #explicit: ReadonlyMap<string, string>;
  readonly #parsed = new Map<string, ParsedValue>();

  /** `explicit`: properties that were set (file, environment, overrides); validated here. */
  constructor(explicit: Readonly<Record<string, string>> = {}) {
    const entries = new Map<string, string>();
    for (const [name, raw] of Object.entries(explicit)) {
      const def = BROKER_DEFS_BY_NAME.get(name);
      if (def === undefined) throw new ConfigError(`unknown broker property '${name}'`);
      parseConfigValue(def, raw);
      entries.set(name, raw.trim());
    }
    this.#explicit = entries;
    for (const def of BROKER_CONFIG_DEFS) this.#parsed.set(def.name, parseConfigValue(def, this.raw(def.name)));
    // Listener syntax and topic defaults are checked now, so a bad file fails at start, not on first use.
    this.listeners();
    const advertised = this.#explicit.get('advertised.listeners');
    if (advertised !== undefined) parseListeners('advertised.listeners', advertised);
    this.topicConfig({});
  }

  /** The value as a string (explicit or default); null when unset with no default. */
  raw(name: BrokerConfigName): string | null {
    return this.#explicit.get(name) ?? BROKER_DEFS_BY_NAME.get(name)?.default ?? null;
  }

  isExplicit(name: string): boolean {
    return this.#explicit.has(name);
  }

  /** Names set explicitly that Gregor accepts but does not apply (for a startup warning). */
  ignoredExplicit(): string[] {
    return [...this.#explicit.keys()].filter((n) => BROKER_DEFS_BY_NAME.get(n)?.ignored === true);
  }

  int(name: BrokerConfigName): number {
    const v = this.#parsed.get(name);
    if (typeof v !== 'number') throw new ConfigError(`${name} is not set or not numeric`);
    return v;
  }

  bool(name: BrokerConfigName): boolean {
    const v = this.#parsed.get(name);
    if (typeof v !== 'boolean') throw new ConfigError(`${name} is not a boolean`);
    return v;
  }

  string(name: BrokerConfigName): string | null {
    const v = this.#parsed.get(name);
    return typeof v === 'string' ? v : null;
  }

  list(name: BrokerConfigName): readonly string[] | null {
    const v = this.#parsed.get(name);
    return Array.isArray(v) ? (v as readonly string[]) : null;
  }

  /** `broker.id` (ZooKeeper-era name) when set, else `node.id`. */
  get nodeId(): number {
    const legacy = this.int('broker.id');
    return legacy >= 0 ? legacy : this.int('node.id');
  }

  get logDirs(): readonly string[] {
    const dirs = this.list('log.dirs');
    return dirs !== null && dirs.length > 0 ? dirs : [this.string('log.dir') ?? './data'];
  }

  listeners(): Listener[] {
    return parseListeners('listeners', this.raw('listeners') ?? '');
  }

  advertisedListeners(): Listener[] {
    const raw = this.raw('advertised.listeners');
    return raw === null ? this.listeners() : parseListeners('advertised.listeners', raw);
  }

  /** Every broker property with its value and source, for DescribeConfigs on a BROKER resource. */
  describeBroker(): DescribedConfig[] {
    return BROKER_CONFIG_DEFS.map((def) => {
      const explicit = this.#explicit.get(def.name);
      const source = explicit === undefined ? ConfigSource.defaultConfig : ConfigSource.staticBrokerConfig;
      const synonyms = [];
      if (explicit !== undefined) synonyms.push({ name: def.name, value: explicit, source: ConfigSource.staticBrokerConfig });
      if (def.default !== null) synonyms.push({ name: def.name, value: def.default, source: ConfigSource.defaultConfig });
      return { name: def.name, value: explicit ?? def.default, source, def, synonyms };
    });
  }

  /**
   * The topic's effective configuration: every topic config name with its value (override, else the
   * broker synonym, else the default). Throws ConfigError for unknown names or invalid values.
   */
  topicConfig(overrides: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.describeTopic(overrides)) out[d.name] = d.value ?? '';
    return out;
  }

  describeTopic(overrides: Readonly<Record<string, string>>): DescribedConfig[] {
    validateTopicConfigs(overrides);
    return TOPIC_CONFIG_DEFS.map((def) => {
      const synonyms: { name: string; value: string | null; source: number }[] = [];
      const override = overrides[def.name];
      if (override !== undefined) synonyms.push({ name: def.name, value: override, source: ConfigSource.topicConfig });
      for (const s of def.synonyms) {
        if (this.#explicit.has(s.name)) synonyms.push({ name: s.name, value: this.#explicit.get(s.name) ?? null, source: ConfigSource.staticBrokerConfig });
      }
      const brokerDefault = this.#synonymDefault(def);
      if (brokerDefault !== null) synonyms.push({ name: brokerDefault.name, value: brokerDefault.value, source: ConfigSource.defaultConfig });
      else synonyms.push({ name: def.name, value: def.default, source: ConfigSource.defaultConfig });
      const winner = synonyms[0];
      const value = winner === undefined ? def.default : winner.name === def.name ? winner.value : this.#scaled(def, winner.name, winner.value);
      return { name: def.name, value, source: winner?.source ?? ConfigSource.defaultConfig, def, synonyms };
    });
  }

  /** The first broker synonym with a default (log.retention.hours=168 for retention.ms). */
  #synonymDefault(def: TopicConfigDef): { name: string; value: string } | null {
    for (const s of def.synonyms) {
      const d = BROKER_DEFS_BY_NAME.get(s.name)?.default;
      if (d !== null && d !== undefined) return { name: s.name, value: d };
    }
    return null;
  }

  #scaled(def: TopicConfigDef, brokerName: string, value: string | null): string | null {
    const scale = def.synonyms.find((s) => s.name === brokerName)?.scale ?? 1;
    if (value === null || scale === 1) return value;
    const n = BigInt(value.trim());
    // -1 means "forever" in every unit (log.retention.hours=-1).
    return n < 0n ? value.trim() : (n * BigInt(scale)).toString();
  }
}

/** Validates topic config overrides (CreateTopics, AlterConfigs): known names, valid values. */
export function validateTopicConfigs(configs: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(configs)) {
    const def = TOPIC_CONFIG_BY_NAME.get(name);
    if (def === undefined) throw new ConfigError(`Unknown topic config name: ${name}`);
    parseConfigValue(def, value);
    if (name === 'remote.storage.enable' && value.trim().toLowerCase() === 'true') {
      throw new ConfigError('remote.storage.enable: tiered storage is not supported');
    }
  }
}

/** Parses `NAME://host:port,…` (Kafka's `listeners` format); an empty host means all interfaces. */
export function parseListeners(property: string, text: string): Listener[] {
  const out: Listener[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(part);
    if (m === null) throw new ConfigError(`${property}: '${part}' is not NAME://host:port`);
    const [, name = '', hostRaw = '', portText = ''] = m;
    const port = Number(portText);
    if (port > 65535) throw new ConfigError(`${property}: port ${port} is out of range`);
    if (out.some((l) => l.name === name)) throw new ConfigError(`${property}: listener name ${name} appears twice`);
    out.push({ name: name.toUpperCase(), host: hostRaw.replace(/^\[|\]$/g, ''), port });
  }
  if (out.length === 0) throw new ConfigError(`${property}: at least one listener is required`);
  return out;
}
