/**
 * Gregor's Kafka client. The ladder, bottom up (as kafkajs): connection (framing, pipelining) →
 * broker (one connection, negotiated versions) → cluster (bootstrap, broker pool, metadata,
 * retries) → producer / consumer / admin. `createClient` is the usual entry point:
 *
 *   const client = createClient({ brokers: ['127.0.0.1:9092'], clientId: 'app' });
 *   const producer = client.producer({ compression: 'lz4', lingerMs: 5 });
 *   const [{ partition, offset }] = await producer.send({ topic: 't', messages: [{ key: 'k', value: 'v' }] });
 *   const { records, nextOffset } = await client.fetchMessages({ topic: 't', partition, offset });
 *   const consumer = client.consumer({ groupId: 'g', fromBeginning: true });
 *   consumer.subscribe(['t', /^logs-/]);
 *   for await (const record of consumer) { ... }          // or consumer.run({ eachMessage })
 *   const admin = client.admin();                          // topics, configs, offsets, groups
 *   await client.close();
 */
export { Client, createClient, type ClientOptions } from './client.ts';
export { Producer, type ProducerOptions, type RecordMetadata, type SendRequest, type CompressionName } from './producer.ts';
export { BufferedProducer, type BufferedProducerOptions } from './buffered-producer.ts';
export { GroupConsumer, type GroupConsumerOptions, type Batch, type RunOptions } from './group-consumer.ts';
export { Admin, AlterConfigOp, ConfigResourceType, type ConfigEntry, type NewTopic, type TopicDescription } from './admin.ts';
export { GroupAdmin, type GroupDescription, type GroupListing, type GroupOffset } from './group-admin.ts';
export {
  extractRecords,
  fetchFromBroker,
  fetchMessages,
  listOffsets,
  OffsetSpec,
  type FetchMessagesRequest,
  type FetchOptions,
  type IsolationLevel,
  type ListedOffset,
  type PartitionFetchResult,
} from './fetcher.ts';
export { Cluster, parseBrokerList, type ClusterOptions, type BrokerMetadata, type PartitionMetadata, type TopicMetadata } from './cluster.ts';
export { Broker, type BrokerOptions } from './broker.ts';
export { findCoordinator } from './coordinator.ts';
export { Connection, tcpSocketFactory, type BrokerAddress, type ConnectionOptions, type RequestOptions, type SocketFactory } from './connection.ts';
export { VersionTable, negotiateVersions, clientRange } from './api-versions.ts';
export { ClientError, ConnectionError, KafkaError, RequestAbortedError, RequestTimeoutError, UnsupportedVersionError } from './errors.ts';
export { DefaultPartitioner, murmur2, partitionForKey, type Partitioner, type PartitionerInput } from './partitioner.ts';
export { BUILTIN_ASSIGNORS, cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, type Assignor, type AssignorMember } from './assignors.ts';
export { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type TopicPartitions } from './consumer-protocol.ts';
export type { Bytes, ConsumedRecord, Message } from './message.ts';
export type { RetryOptions } from './retry.ts';
