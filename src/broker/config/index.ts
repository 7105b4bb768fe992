export { BrokerConfig, parseListeners, validateTopicConfigs, type DescribedConfig, type Listener } from './broker-config.ts';
export { BROKER_CONFIG_DEFS, type BrokerConfigName } from './broker-defs.ts';
export { ConfigError, ConfigSource, ConfigType, LONG_MAX, parseConfigValue, type ConfigDef } from './config-def.ts';
export { ENV_PREFIX, envToProperty, loadBrokerConfig, type ConfigSources } from './load-config.ts';
export { parseProperties } from './properties-file.ts';
export { TOPIC_CONFIG_BY_NAME, TOPIC_CONFIG_DEFS, type TopicConfigDef } from './topic-defs.ts';
