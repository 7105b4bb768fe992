/**
 * The cluster metadata a broker serves from: brokers, the controller, topics with their ids,
 * partitions, replica assignment, leaders, leader epochs and topic configs. One interface, so the
 * embedded single-node store and a ZooKeeper-backed one (KAFKA-style `/brokers`, `/config/topics`)
 * are interchangeable.
 *
 * Reads are synchronous from an in-memory view (a Metadata request must not wait on a disk or an
 * ensemble round trip); writes are asynchronous and resolve once durable, after which reads see them.
 */

/** One partition's placement, as Kafka's `PartitionRegistration` (KRaft) / `LeaderAndIsr` (ZK). */
export interface PartitionState {
  readonly partition: number;
  /** Replica broker ids, preferred leader first. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Current leader broker id, -1 when none. */
  readonly leader: number;
  /** Bumped on every leader change; monotonic per partition (KIP-101, KIP-320). */
  readonly leaderEpoch: number;
}

export interface TopicState {
  readonly name: string;
  /** Canonical 8-4-4-4-12 hex; random, never zero, new on every (re-)creation (KIP-516). */
  readonly topicId: string;
  readonly isInternal: boolean;
  readonly partitions: readonly PartitionState[];
  /** Topic-level overrides only (Kafka names, string values); defaults come from the broker config. */
  readonly configs: Readonly<Record<string, string>>;
}

export interface BrokerRegistration {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface NewTopic {
  readonly name: string;
  /** Replica ids for each partition, in partition order. */
  readonly assignments: readonly (readonly number[])[];
  readonly configs: Readonly<Record<string, string>>;
  readonly isInternal?: boolean;
}

export interface MetadataStore {
  readonly clusterId: string;
  /** The broker that handles topic creation/deletion; on a single node, the node itself. */
  controllerId(): number;
  brokers(): readonly BrokerRegistration[];
  /** Registers (or re-registers after a restart) a live broker. */
  registerBroker(broker: BrokerRegistration): Promise<void>;

  topics(): readonly TopicState[];
  topic(name: string): TopicState | undefined;
  topicById(topicId: string): TopicState | undefined;

  /** Fails with MetadataError code TOPIC_ALREADY_EXISTS when the name is taken. */
  createTopic(topic: NewTopic): Promise<TopicState>;
  /** Returns the removed topic, or undefined when it did not exist. */
  deleteTopic(name: string): Promise<TopicState | undefined>;
  /** Appends partitions (each with its replica ids); existing partitions are unchanged. */
  addPartitions(name: string, assignments: readonly (readonly number[])[]): Promise<TopicState>;
  /** Replaces the topic's config overrides as a whole. */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicState>;

  close(): Promise<void>;
}
