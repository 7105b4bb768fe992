export type { BrokerRegistration, MetadataStore, NewTopic, PartitionState, TopicState } from './metadata-store.ts';
export { EMBEDDED_METADATA_FILE, EmbeddedMetadataStore, MetadataError } from './embedded-store.ts';
export { META_PROPERTIES_FILE, ensureMetaProperties, type MetaProperties } from './meta-properties.ts';
export { randomClusterId, randomUuid } from './ids.ts';
export { writeFileAtomic } from './atomic-file.ts';
