import { ApiKey, ErrorCode } from '../protocol/messages/index.ts';
import { Compression, buildBatchAsync, type CompressionCode, type RecordInput } from '../protocol/records/index.ts';
import { BufferPool } from './buffer-pool.ts';
import { Cluster, type ClusterOptions } from './cluster.ts';
import { ClientError, KafkaError, STALE_METADATA_ERRORS, isRetriable } from './errors.ts';
import { estimateRecordSize, toRecordInput, type Message } from './message.ts';
import { DefaultPartitioner, type Partitioner } from './partitioner.ts';
import { backoffMs } from './retry.ts';

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProducerOptions {
  /** 0: no response; 1: the leader's write; -1 (all, the default): the in-sync replicas'. */
  acks?: -1 | 0 | 1;
  /** How long the broker may wait for acks (Produce timeout_ms, 30 s). */
  ackTimeoutMs?: number;
  compression?: CompressionName | CompressionCode;
  compressionLevel?: number;
  /** How long a partition's batch may wait for more records before it is sent (linger.ms; 0 = next tick). */
  lingerMs?: number;
  /** A partition's batch is sent as soon as it reaches this many bytes (batch.size, 16 KiB). */
  batchSize?: number;
  /** Bytes of records waiting to be acknowledged before `send` blocks (buffer.memory, 32 MiB). */
  bufferMemory?: number;
  /** How long `send` may block on a full buffer or missing metadata (max.block.ms, 60 s). */
  maxBlockMs?: number;
  /**
   * Idempotent producer (KIP-98): InitProducerId, then per-partition sequence numbers the broker
   * uses to drop duplicates of retried batches. Requires acks=-1. Off by default.
   */
  idempotent?: boolean;
  partitioner?: Partitioner;
  /** Attempts of one batch after the first (default: the cluster's retry.retries, else 5). */
  retries?: number;
}

export interface SendRequest {
  topic: string;
  messages: readonly Message[];
  signal?: AbortSignal;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1n when acks=0 (no response) or for a duplicate the broker had already written. */
  offset: bigint;
  timestamp: bigint;
}

interface PendingRecord {
  input: RecordInput;
  size: number;
  resolve(m: RecordMetadata): void;
  reject(e: Error): void;
}

interface ProducerBatch {
  topic: string;
  partition: number;
  records: PendingRecord[];
  bytes: number;
  attempts: number;
  /** Built once, so a retry resends identical bytes (and sequence numbers). */
  built: Buffer | null;
  baseSequence: number;
}

interface PartitionQueue {
  open: ProducerBatch | null;
  ready: ProducerBatch[];
  inFlight: boolean;
  /** Cancels the pending linger (a timer, or an immediate for linger 0). */
  timer: { cancel(): void } | null;
  retryAt: number;
  nextSequence: number;
}

const COMPRESSION: Record<CompressionName, CompressionCode> = Compression;
const BATCH_OVERHEAD = 61;

/**
 * The producer: `send` resolves per message with its partition and offset. Records are grouped
 * per partition into batches (linger.ms / batch.size, as Java's RecordAccumulator), and ready
 * batches are sent to each partition's leader, all partitions of one leader in one Produce request
 * (Java's Sender). A partition has at most one batch in flight, so retries never reorder records
 * within a partition. Retriable errors refresh metadata and retry with backoff; the rest fail the
 * batch's sends.
 */
export class Producer {
  readonly cluster: Cluster;
  readonly #acks: -1 | 0 | 1;
  readonly #ackTimeoutMs: number;
  readonly #compression: CompressionCode;
  readonly #compressionLevel: number | undefined;
  readonly #lingerMs: number;
  readonly #batchSize: number;
  readonly #maxBlockMs: number;
  readonly #retries: number;
  readonly #idempotent: boolean;
  readonly #partitioner: Partitioner;
  readonly #pool: BufferPool;
  readonly #queues = new Map<string, PartitionQueue>();
  #producerId: Promise<{ id: bigint; epoch: number }> | null = null;
  #pendingRecords = 0;
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  constructor(cluster: Cluster | ClusterOptions, options: ProducerOptions = {}) {
    this.cluster = cluster instanceof Cluster ? cluster : new Cluster({ allowAutoTopicCreation: true, ...cluster });
    this.#idempotent = options.idempotent ?? false;
    this.#acks = options.acks ?? -1;
    if (this.#idempotent && this.#acks !== -1) throw new ClientError('INVALID_CONFIG', 'an idempotent producer needs acks=-1 (all)');
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    const c = options.compression ?? 'none';
    this.#compression = typeof c === 'number' ? c : COMPRESSION[c];
    if (this.#compression === undefined) throw new ClientError('INVALID_CONFIG', `unknown compression ${String(c)}`);
    this.#compressionLevel = options.compressionLevel;
    this.#lingerMs = options.lingerMs ?? 0;
    this.#batchSize = options.batchSize ?? 16_384;
    this.#maxBlockMs = options.maxBlockMs ?? 60_000;
    this.#retries = options.retries ?? this.cluster.options.retry?.retries ?? 5;
    this.#partitioner = options.partitioner ?? new DefaultPartitioner();
    this.#pool = new BufferPool(options.bufferMemory ?? 32 * 1024 * 1024);
  }

  /** Bytes of records accepted but not yet acknowledged. */
  get bufferedBytes(): number {
    return this.#pool.used;
  }

  async send(request: SendRequest): Promise<RecordMetadata[]> {
    if (this.#closed) throw new ClientError('PRODUCER_CLOSED', 'the producer is closed');
    const { topic, messages } = request;
    const now = BigInt(Date.now());
    const deadline = AbortSignal.timeout(this.#maxBlockMs);
    const signal = request.signal === undefined ? deadline : AbortSignal.any([deadline, request.signal]);
    const meta = await this.cluster.retry(() => this.cluster.topic(topic), signal);
    const numPartitions = meta.partitions.length;
    const available = meta.partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
    const results: Array<Promise<RecordMetadata>> = [];
    for (const m of messages) {
      const input = toRecordInput(m, now);
      const size = estimateRecordSize(input);
      await this.#pool.reserve(size, this.#maxBlockMs, request.signal);
      let partition = m.partition;
      if (partition === undefined) {
        partition = this.#partitioner.partition({ topic, key: input.key ?? null, numPartitions, availablePartitions: available });
      } else if (!Number.isInteger(partition) || partition < 0 || partition >= numPartitions) {
        this.#pool.release(size);
        throw new ClientError('INVALID_PARTITION', `topic ${topic} has no partition ${partition} (it has ${numPartitions})`);
      }
      results.push(this.#append(topic, partition, input, size));
    }
    return Promise.all(results);
  }

  /** Sends everything buffered now (ignoring linger) and waits until all of it is acknowledged or failed. */
  async flush(): Promise<void> {
    for (const q of this.#queues.values()) this.#closeOpen(q);
    this.#drain();
    if (this.#pendingRecords === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    this.cluster.close();
  }

  #queue(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\0${partition}`;
    let q = this.#queues.get(key);
    if (q === undefined) {
      q = { open: null, ready: [], inFlight: false, timer: null, retryAt: 0, nextSequence: 0 };
      this.#queues.set(key, q);
    }
    return q;
  }

  #append(topic: string, partition: number, input: RecordInput, size: number): Promise<RecordMetadata> {
    const q = this.#queue(topic, partition);
    this.#pendingRecords++;
    return new Promise<RecordMetadata>((resolve, reject) => {
      if (q.open !== null && q.open.bytes + size > this.#batchSize && q.open.records.length > 0) this.#closeOpen(q);
      q.open ??= { topic, partition, records: [], bytes: BATCH_OVERHEAD, attempts: 0, built: null, baseSequence: -1 };
      q.open.records.push({ input, size, resolve, reject });
      q.open.bytes += size;
      if (q.open.bytes >= this.#batchSize) {
        this.#closeOpen(q);
        this.#drain();
      } else if (q.timer === null) {
        const fire = (): void => {
          q.timer = null;
          this.#closeOpen(q);
          this.#drain();
        };
        // linger 0 still waits for the current tick, so records of one send() share a batch.
        if (this.#lingerMs > 0) {
          const t = setTimeout(fire, this.#lingerMs);
          q.timer = { cancel: () => clearTimeout(t) };
        } else {
          const i = setImmediate(fire);
          q.timer = { cancel: () => clearImmediate(i) };
        }
      }
    });
  }

  #closeOpen(q: PartitionQueue): void {
    if (q.timer !== null) {
      q.timer.cancel();
      q.timer = null;
    }
    if (q.open === null) return;
    const batch = q.open;
    q.open = null;
    q.ready.push(batch);
    this.#partitioner.onNewBatch?.(batch.topic, batch.partition);
  }

  /** Sends every partition's first ready batch (one in flight per partition), grouped by leader. */
  #drain(): void {
    const now = Date.now();
    const byLeader = new Map<number, Array<{ q: PartitionQueue; batch: ProducerBatch }>>();
    const noLeader: Array<{ q: PartitionQueue; batch: ProducerBatch }> = [];
    let retryTimer = Infinity;
    for (const q of this.#queues.values()) {
      if (q.inFlight || q.ready.length === 0) continue;
      if (q.retryAt > now) {
        retryTimer = Math.min(retryTimer, q.retryAt - now);
        continue;
      }
      const batch = q.ready[0]!;
      const leader = this.cluster.cachedTopic(batch.topic)?.partitions[batch.partition]?.leader ?? -1;
      q.inFlight = true;
      if (leader < 0) noLeader.push({ q, batch });
      else {
        const list = byLeader.get(leader) ?? [];
        list.push({ q, batch });
        byLeader.set(leader, list);
      }
    }
    if (retryTimer !== Infinity) setTimeout(() => this.#drain(), retryTimer).unref();
    for (const [leader, items] of byLeader) void this.#sendTo(leader, items);
    if (noLeader.length > 0) {
      // Metadata without a leader: refresh, then let the retry path requeue them.
      const error = new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, 'no leader known');
      void this.cluster.refresh([]).catch(() => undefined).then(() => {
        for (const item of noLeader) this.#failed(item.q, item.batch, error);
      });
    }
  }

  async #sendTo(leader: number, items: Array<{ q: PartitionQueue; batch: ProducerBatch }>): Promise<void> {
    try {
      const producer = this.#idempotent ? await this.#initProducerId() : null;
      const topics = new Map<string, Array<{ index: number; records: Buffer }>>();
      for (const { q, batch } of items) {
        if (batch.built === null) {
          if (producer !== null) {
            batch.baseSequence = q.nextSequence;
            q.nextSequence = (q.nextSequence + batch.records.length) % 2 ** 31;
          }
          batch.built = await buildBatchAsync({
            records: batch.records.map((r) => r.input),
            compression: this.#compression,
            ...(this.#compressionLevel === undefined ? {} : { compressionLevel: this.#compressionLevel }),
            ...(producer === null ? {} : { producerId: producer.id, producerEpoch: producer.epoch, baseSequence: batch.baseSequence }),
          });
        }
        const list = topics.get(batch.topic) ?? [];
        list.push({ index: batch.partition, records: batch.built });
        topics.set(batch.topic, list);
      }
      const broker = this.cluster.broker(leader);
      const topicData = [...topics].map(([name, partitionData]) => ({ name, partitionData }));
      if (this.#acks === 0) {
        const { connection } = await broker.connect();
        const version = await broker.version(ApiKey.Produce);
        await connection.request(ApiKey.Produce, version, { acks: 0, timeoutMs: this.#ackTimeoutMs, topicData }, { expectResponse: false });
        for (const { q, batch } of items) this.#succeeded(q, batch, -1n, -1n);
        return;
      }
      const response = await broker.request(
        ApiKey.Produce,
        { acks: this.#acks, timeoutMs: this.#ackTimeoutMs, topicData },
        { timeoutMs: this.#ackTimeoutMs + (this.cluster.options.requestTimeoutMs ?? 30_000) },
      );
      const results = new Map<string, { errorCode: number; baseOffset: bigint; logAppendTimeMs: bigint; errorMessage: string | null }>();
      for (const t of response.responses) for (const p of t.partitionResponses) results.set(`${t.name}\0${p.index}`, p);
      for (const { q, batch } of items) {
        const r = results.get(`${batch.topic}\0${batch.partition}`);
        if (r === undefined) this.#failed(q, batch, new ClientError('MISSING_RESPONSE', `no produce result for ${batch.topic}-${batch.partition}`));
        else if (r.errorCode === ErrorCode.NONE) this.#succeeded(q, batch, r.baseOffset, r.logAppendTimeMs);
        // The broker already has this batch (a retry of one whose response was lost): success (Java's Sender).
        else if (r.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) this.#succeeded(q, batch, -1n, -1n);
        else this.#failed(q, batch, new KafkaError(r.errorCode, `produce to ${batch.topic}-${batch.partition}`, r.errorMessage));
      }
    } catch (error) {
      for (const { q, batch } of items) this.#failed(q, batch, error as Error);
    }
  }

  #initProducerId(): Promise<{ id: bigint; epoch: number }> {
    this.#producerId ??= this.cluster
      .retry(async () => {
        const broker = await this.cluster.anyBroker();
        const r = await broker.request(ApiKey.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60_000 });
        if (r.errorCode !== ErrorCode.NONE) throw new KafkaError(r.errorCode, 'InitProducerId');
        return { id: r.producerId, epoch: r.producerEpoch };
      })
      .catch((error: unknown) => {
        this.#producerId = null;
        throw error;
      });
    return this.#producerId;
  }

  #succeeded(q: PartitionQueue, batch: ProducerBatch, baseOffset: bigint, logAppendTime: bigint): void {
    q.ready.shift();
    q.inFlight = false;
    q.retryAt = 0;
    batch.records.forEach((r, i) =>
      this.#settle(r, () =>
        r.resolve({
          topic: batch.topic,
          partition: batch.partition,
          offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i),
          timestamp: logAppendTime >= 0n ? logAppendTime : (r.input.timestamp ?? -1n),
        }),
      ),
    );
    this.#drain();
  }

  #failed(q: PartitionQueue, batch: ProducerBatch, error: Error): void {
    q.inFlight = false;
    batch.attempts++;
    if (isRetriable(error) && batch.attempts <= this.#retries) {
      if (!(error instanceof KafkaError) || STALE_METADATA_ERRORS.has(error.errorCode)) this.cluster.invalidate();
      q.retryAt = Date.now() + backoffMs(batch.attempts - 1, this.cluster.options.retry);
      // Refresh (if stale) before the retry is drained, so it goes to the new leader.
      void this.cluster.refresh([batch.topic]).catch(() => undefined).then(() => setTimeout(() => this.#drain(), Math.max(0, q.retryAt - Date.now())).unref());
      return;
    }
    q.ready.shift();
    q.retryAt = 0;
    for (const r of batch.records) this.#settle(r, () => r.reject(error));
    // With idempotence, later batches were numbered after this one; the sequence now has a gap the
    // broker would reject (OUT_OF_ORDER_SEQUENCE_NUMBER), so a fresh producer id is needed (Java bumps the epoch).
    if (this.#idempotent) {
      this.#producerId = null;
      for (const other of this.#queues.values()) {
        other.nextSequence = 0;
        if (!other.inFlight) for (const b of other.ready) b.built = null;
      }
    }
    this.#drain();
  }

  #settle(r: PendingRecord, fn: () => void): void {
    this.#pool.release(r.size);
    fn();
    if (--this.#pendingRecords === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }
}
