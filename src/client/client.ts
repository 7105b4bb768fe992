import { Admin } from './admin.ts';
import { BufferedProducer, type BufferedProducerOptions } from './buffered-producer.ts';
import { Cluster, type ClusterOptions } from './cluster.ts';
import { fetchMessages, listOffsets, OffsetSpec, type FetchMessagesRequest, type IsolationLevel, type ListedOffset, type PartitionFetchResult } from './fetcher.ts';
import { GroupConsumer, type GroupConsumerOptions } from './group-consumer.ts';
import { Producer, type ProducerOptions } from './producer.ts';

export type ClientOptions = Omit<ClusterOptions, 'allowAutoTopicCreation'>;

/**
 * Entry point of the client library. Each producer, consumer and admin gets its own Cluster, hence
 * its own connections, as in the Java client: a consumer's long-polling Fetch must not hold up a
 * producer's responses on a shared, strictly ordered connection. Partition-level reads
 * (fetchMessages, listOffsets) share one lazily created cluster.
 */
export class Client {
  readonly options: ClientOptions;
  #shared: Cluster | null = null;
  readonly #owned = new Set<{ close(): unknown }>();

  constructor(options: ClientOptions) {
    this.options = options;
  }

  producer(options: ProducerOptions & { allowAutoTopicCreation?: boolean } = {}): Producer {
    const producer = new Producer(new Cluster({ ...this.options, allowAutoTopicCreation: options.allowAutoTopicCreation ?? true }), options);
    return this.#own(producer);
  }

  bufferedProducer(options: BufferedProducerOptions & ProducerOptions = {}): BufferedProducer {
    const producer = this.producer(options);
    return new BufferedProducer(producer, options);
  }

  admin(): Admin {
    return this.#own(new Admin(new Cluster(this.options)));
  }

  consumer(options: GroupConsumerOptions): GroupConsumer {
    return this.#own(new GroupConsumer(new Cluster(this.options), options));
  }

  /** Reads one partition from an offset (no group, no commits). */
  fetchMessages(request: FetchMessagesRequest): Promise<PartitionFetchResult> {
    return fetchMessages(this.#cluster(), request);
  }

  /** Offsets of one partition by time, or its earliest/latest offset. */
  async offset(topic: string, partition: number, spec: 'earliest' | 'latest' | { timestamp: number | bigint }, isolationLevel: IsolationLevel = 'read_uncommitted'): Promise<ListedOffset> {
    const timestamp = spec === 'latest' ? OffsetSpec.latest : spec === 'earliest' ? OffsetSpec.earliest : BigInt(spec.timestamp);
    const [r] = await listOffsets(this.#cluster(), topic, [{ partition, timestamp }], isolationLevel);
    return r!;
  }

  /** Closes the shared cluster and everything created from this client that is still open. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#owned].map((o) => o.close()));
    this.#owned.clear();
    this.#shared?.close();
    this.#shared = null;
  }

  #cluster(): Cluster {
    this.#shared ??= new Cluster(this.options);
    return this.#shared;
  }

  #own<T extends { close(): unknown }>(o: T): T {
    this.#owned.add(o);
    return o;
  }
}

export function createClient(options: ClientOptions): Client {
  return new Client(options);
}
