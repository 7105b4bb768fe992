import { silentLogger, type Logger } from '../util/index.ts';
import { ClientError } from './errors.ts';
import type { Message } from './message.ts';
import type { Producer, RecordMetadata } from './producer.ts';

export interface BufferedProducerOptions {
  /** Deliver whenever this many ms have passed since the last delivery (ruby-kafka's delivery_interval; default 1000, 0 = off). */
  deliveryIntervalMs?: number;
  /** Deliver as soon as this many messages are buffered (delivery_threshold; default 100, 0 = off). */
  deliveryThreshold?: number;
  /** `produce` throws BUFFER_OVERFLOW beyond this many buffered messages (max_queue_size, 1000). */
  maxQueueSize?: number;
  /** Deliveries a message may fail before it is dropped and reported (max_retries, 2). */
  maxRetries?: number;
  /** Called with messages that could not be delivered (after retries). */
  onDeliveryError?: (error: Error, messages: ReadonlyArray<{ topic: string; message: Message }>) => void;
  /** Called after each successful delivery, with the offsets. */
  onDelivered?: (results: RecordMetadata[]) => void;
  logger?: Logger;
}

interface Queued {
  topic: string;
  message: Message;
  failures: number;
}

/**
 * An asynchronous buffered producer after ruby-kafka's AsyncProducer: `produce` only appends to
 * an in-memory queue and returns at once; a delivery runs every `deliveryIntervalMs` or when
 * `deliveryThreshold` messages are queued, sending everything through the underlying Producer.
 * Failed messages stay queued (ahead of newer ones) for the next delivery, up to `maxRetries`.
 * `shutdown` delivers what is left and closes the producer.
 */
export class BufferedProducer {
  readonly #producer: Producer;
  readonly #options: BufferedProducerOptions;
  readonly #logger: Logger;
  #queue: Queued[] = [];
  #delivering: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #shutDown = false;
  /** Messages given up on (after maxRetries failed deliveries). */
  #dropped = 0;

  constructor(producer: Producer, options: BufferedProducerOptions = {}) {
    this.#producer = producer;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    const interval = options.deliveryIntervalMs ?? 1000;
    if (interval > 0) {
      this.#timer = setInterval(() => void this.deliver(), interval);
      this.#timer.unref();
    }
  }

  get bufferedMessages(): number {
    return this.#queue.length;
  }

  /** Queues a message; never waits. Throws BUFFER_OVERFLOW when the queue is full. */
  produce(topic: string, message: Message): void {
    if (this.#shutDown) throw new ClientError('PRODUCER_CLOSED', 'the buffered producer is shut down');
    if (this.#queue.length >= (this.#options.maxQueueSize ?? 1000)) {
      throw new ClientError('BUFFER_OVERFLOW', `the buffered producer holds ${this.#queue.length} messages, its maximum`);
    }
    this.#queue.push({ topic, message, failures: 0 });
    const threshold = this.#options.deliveryThreshold ?? 100;
    if (threshold > 0 && this.#queue.length >= threshold) void this.deliver();
  }

  /** Delivers everything queued now; concurrent calls share one delivery at a time. */
  async deliver(): Promise<void> {
    while (this.#delivering !== null) await this.#delivering;
    if (this.#queue.length === 0) return;
    const run = this.#deliverOnce();
    this.#delivering = run;
    try {
      await run;
    } finally {
      this.#delivering = null;
    }
  }

  async #deliverOnce(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    const byTopic = new Map<string, Queued[]>();
    for (const q of batch) byTopic.set(q.topic, [...(byTopic.get(q.topic) ?? []), q]);
    const retry: Queued[] = [];
    await Promise.all(
      [...byTopic].map(async ([topic, items]) => {
        try {
          const results = await this.#producer.send({ topic, messages: items.map((i) => i.message) });
          this.#options.onDelivered?.(results);
        } catch (error) {
          const maxRetries = this.#options.maxRetries ?? 2;
          const dropped: Queued[] = [];
          for (const item of items) (++item.failures > maxRetries ? dropped : retry).push(item);
          this.#logger.warn('delivery failed', { topic, messages: items.length, dropped: dropped.length, error: (error as Error).message });
          this.#dropped += dropped.length;
          if (dropped.length > 0) this.#options.onDeliveryError?.(error as Error, dropped.map((d) => ({ topic: d.topic, message: d.message })));
        }
      }),
    );
    // Failed messages go before the ones produced meanwhile, keeping per-topic order.
    this.#queue = [...retry, ...this.#queue];
  }

  /** Stops the timer, delivers what is queued (retrying up to maxRetries) and closes the producer. */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    const droppedBefore = this.#dropped;
    for (let i = 0; i <= (this.#options.maxRetries ?? 2) && this.#queue.length > 0; i++) await this.deliver();
    const lost = this.#queue.length + this.#dropped - droppedBefore;
    await this.#producer.close();
    if (lost > 0) throw new ClientError('UNDELIVERED', `${lost} messages could not be delivered before shutdown`);
  }
}
