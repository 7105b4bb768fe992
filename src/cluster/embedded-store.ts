import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GregorError } from '../util/index.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { randomUuid } from './ids.ts';
import type { BrokerRegistration, MetadataStore, NewTopic, PartitionState, TopicState } from './metadata-store.ts';

/** Errors from store writes; `code` names the Kafka error a handler answers with. */
export class MetadataError extends GregorError {}

export const EMBEDDED_METADATA_FILE = 'gregor-metadata.json';

interface StoredState {
  readonly version: 1;
  readonly clusterId: string;
  readonly topics: TopicState[];
}

/**
 * The single-node metadata store: the whole state in one JSON file in the first log directory,
 * replaced atomically on every change. Broker registrations live in memory only, as ZooKeeper's
 * ephemeral `/brokers/ids/N` nodes do. Writes are serialised through one queue, so concurrent
 * CreateTopics for the same name see each other.
 */
export class EmbeddedMetadataStore implements MetadataStore {
  readonly clusterId: string;
  readonly #path: string;
  readonly #topics = new Map<string, TopicState>();
  readonly #byId = new Map<string, TopicState>();
  readonly #brokers = new Map<number, BrokerRegistration>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(path: string, clusterId: string, topics: readonly TopicState[]) {
    this.#path = path;
    this.clusterId = clusterId;
    for (const t of topics) this.#index(t);
  }

  /** Opens the store in `dir`, creating an empty one for `clusterId` when the file does not exist. */
  static async open(dir: string, clusterId: string): Promise<EmbeddedMetadataStore> {
    const path = join(dir, EMBEDDED_METADATA_FILE);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === undefined) {
      const store = new EmbeddedMetadataStore(path, clusterId, []);
      await store.#persist();
      return store;
    }
    let state: StoredState;
    try {
      state = JSON.parse(text) as StoredState;
    } catch (error) {
      throw new GregorError('INVALID_METADATA', `${path} is not valid JSON`, { cause: error });
    }
    if (state.version !== 1 || !Array.isArray(state.topics)) throw new GregorError('INVALID_METADATA', `${path}: unknown format`);
    if (state.clusterId !== clusterId) {
      throw new GregorError('INCONSISTENT_CLUSTER_ID', `${path} belongs to cluster ${state.clusterId}, meta.properties says ${clusterId}`);
    }
    return new EmbeddedMetadataStore(path, clusterId, state.topics);
  }

  controllerId(): number {
    let min = -1;
    for (const id of this.#brokers.keys()) if (min === -1 || id < min) min = id;
    return min;
  }

  brokers(): readonly BrokerRegistration[] {
    return [...this.#brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  async registerBroker(broker: BrokerRegistration): Promise<void> {
    this.#brokers.set(broker.nodeId, { ...broker });
  }

  topics(): readonly TopicState[] {
    return [...this.#topics.values()];
  }

  topic(name: string): TopicState | undefined {
    return this.#topics.get(name);
  }

  topicById(topicId: string): TopicState | undefined {
    return this.#byId.get(topicId);
  }

  createTopic(spec: NewTopic): Promise<TopicState> {
    return this.#mutate(() => {
      if (this.#topics.has(spec.name)) throw new MetadataError('TOPIC_ALREADY_EXISTS', `Topic '${spec.name}' already exists.`);
      let topicId = randomUuid();
      while (this.#byId.has(topicId)) topicId = randomUuid();
      const topic: TopicState = {
        name: spec.name,
        topicId,
        isInternal: spec.isInternal ?? false,
        partitions: spec.assignments.map((replicas, partition) => newPartition(partition, replicas)),
        configs: { ...spec.configs },
      };
      this.#index(topic);
      return topic;
    });
  }

  deleteTopic(name: string): Promise<TopicState | undefined> {
    return this.#mutate(() => {
      const topic = this.#topics.get(name);
      if (topic === undefined) return undefined;
      this.#topics.delete(name);
      this.#byId.delete(topic.topicId);
      return topic;
    });
  }

  addPartitions(name: string, assignments: readonly (readonly number[])[]): Promise<TopicState> {
    return this.#mutate(() => {
      const topic = this.#require(name);
      const start = topic.partitions.length;
      const updated = { ...topic, partitions: [...topic.partitions, ...assignments.map((r, i) => newPartition(start + i, r))] };
      this.#index(updated);
      return updated;
    });
  }

  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicState> {
    return this.#mutate(() => {
      const updated = { ...this.#require(name), configs: { ...configs } };
      this.#index(updated);
      return updated;
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue.catch(() => undefined);
  }

  #require(name: string): TopicState {
    const topic = this.#topics.get(name);
    if (topic === undefined) throw new MetadataError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`);
    return topic;
  }

  #index(topic: TopicState): void {
    this.#topics.set(topic.name, topic);
    this.#byId.set(topic.topicId, topic);
  }

  /**
   * Runs `change` after earlier writes, persists, then resolves. If persisting fails the in-memory
   * view is restored, so readers never see state that is not on disk.
   */
  #mutate<T>(change: () => T): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.#closed) throw new MetadataError('METADATA_STORE_CLOSED', 'the metadata store is closed');
      const snapshot = [...this.#topics.values()];
      const result = change();
      try {
        await this.#persist();
      } catch (error) {
        this.#topics.clear();
        this.#byId.clear();
        for (const t of snapshot) this.#index(t);
        throw error;
      }
      return result;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #persist(): Promise<void> {
    const state: StoredState = { version: 1, clusterId: this.clusterId, topics: [...this.#topics.values()] };
    await writeFileAtomic(this.#path, `${JSON.stringify(state, null, 1)}\n`);
  }
}

/** A new partition led by its first (preferred) replica at epoch 0, all replicas in sync. */
function newPartition(partition: number, replicas: readonly number[]): PartitionState {
  return { partition, replicas: [...replicas], isr: [...replicas], leader: replicas[0] ?? -1, leaderEpoch: 0 };
}
