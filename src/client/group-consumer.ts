import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../protocol/messages/index.ts';
import { silentLogger, type Logger } from '../util/index.ts';
import { BUILTIN_ASSIGNORS, type Assignor } from './assignors.ts';
import type { Cluster } from './cluster.ts';
import type { TopicPartitions } from './consumer-protocol.ts';
import { ClientError, KafkaError, RequestAbortedError, STALE_METADATA_ERRORS, isRetriable } from './errors.ts';
import { fetchFromBroker, listOffsets, OffsetSpec, type IsolationLevel, type PartitionFetchResult } from './fetcher.ts';
import { GroupMembership, REJOIN_ERRORS } from './group-membership.ts';
import type { ConsumedRecord } from './message.ts';
import { backoffMs } from './retry.ts';

export interface GroupConsumerOptions {
  groupId: string;
  /** Static membership (KIP-345). */
  groupInstanceId?: string;
  /** session.timeout.ms (45 s). */
  sessionTimeoutMs?: number;
  /** How long the group waits for members to rejoin (max.poll.interval.ms; default 60 s). */
  rebalanceTimeoutMs?: number;
  /** heartbeat.interval.ms (3 s). */
  heartbeatIntervalMs?: number;
  /** In preference order; names of built-ins or custom assignors (default range, then cooperative-sticky, as Java). */
  assignors?: ReadonlyArray<Assignor | 'range' | 'roundrobin' | 'cooperative-sticky'>;
  /** enable.auto.commit (true): commit consumed positions every autoCommitIntervalMs, on rebalance and on close. */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Where to start without a committed offset: earliest (true) or latest (false, default; auto.offset.reset). */
  fromBeginning?: boolean;
  isolationLevel?: IsolationLevel;
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  maxPartitionBytes?: number;
  /** How often a regex subscription looks for new topics (default 10 s). */
  topicRefreshMs?: number;
  onAssign?: (partitions: TopicPartitions) => void | Promise<void>;
  onRevoke?: (partitions: TopicPartitions) => void | Promise<void>;
  logger?: Logger;
}

export interface Batch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  highWatermark: bigint;
}

export interface RunOptions {
  eachMessage?: (record: ConsumedRecord) => Promise<void> | void;
  /** Called per partition with the records of one fetch; the position moves past them when it returns. */
  eachBatch?: (batch: Batch) => Promise<void> | void;
}

const tpKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

/**
 * A consumer in a classic consumer group (Java's KafkaConsumer with ClassicKafkaConsumer's
 * ConsumerCoordinator): subscribe, then `run` with eachMessage/eachBatch or iterate with
 * `for await`. One loop fetches from every assigned, unpaused partition (one Fetch per leader);
 * heartbeats run on a timer beside it and flag a rejoin when the group rebalances; the loop rejoins
 * between fetches. Positions are the next offset to read; commits store positions.
 */
export class GroupConsumer {
  readonly cluster: Cluster;
  readonly #options: GroupConsumerOptions;
  readonly #membership: GroupMembership;
  readonly #assignors: Assignor[];
  readonly #logger: Logger;
  #subscription: Array<string | RegExp> = [];
  #topics: string[] = [];
  #assignment: TopicPartitions = new Map();
  readonly #positions = new Map<string, bigint>();
  readonly #committed = new Map<string, bigint>();
  readonly #paused = new Set<string>();
  /** Bumped by seek and by assignment changes, so records fetched before them are not delivered. */
  readonly #epochs = new Map<string, number>();
  #needsJoin = true;
  /** While a JoinGroup/SyncGroup round is in flight, heartbeats (of the old generation) must not run. */
  #joining = false;
  #running = false;
  #stopped = false;
  #fetchAbort = new AbortController();
  #heartbeat: NodeJS.Timeout | null = null;
  #lastCommit = Date.now();
  #lastTopicRefresh = 0;
  #loop: Promise<void> | null = null;

  constructor(cluster: Cluster, options: GroupConsumerOptions) {
    this.cluster = cluster;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#assignors = (options.assignors ?? ['range', 'cooperative-sticky']).map((a) => (typeof a === 'string' ? BUILTIN_ASSIGNORS[a]! : a));
    this.#membership = new GroupMembership(cluster, {
      groupId: options.groupId,
      groupInstanceId: options.groupInstanceId ?? null,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
      assignors: this.#assignors,
      logger: this.#logger,
    });
  }

  /** Topics by name or pattern (patterns are matched against the cluster's non-internal topics). */
  subscribe(topics: ReadonlyArray<string | RegExp>): void {
    this.#subscription = [...topics];
    this.#lastTopicRefresh = 0;
    this.#needsJoin = true;
  }

  /** Current assignment (topic → partitions). */
  assignment(): TopicPartitions {
    return new Map([...this.#assignment].map(([t, ps]) => [t, [...ps]]));
  }

  get memberId(): string {
    return this.#membership.memberId;
  }

  get generationId(): number {
    return this.#membership.generationId;
  }

  /** The next offset the consumer will read from a partition, if known. */
  position(topic: string, partition: number): bigint | undefined {
    return this.#positions.get(tpKey(topic, partition));
  }

  /** Moves the position of an assigned partition; records fetched before the seek are discarded. */
  seek(topic: string, partition: number, offset: bigint): void {
    const k = tpKey(topic, partition);
    this.#positions.set(k, offset);
    this.#epochs.set(k, (this.#epochs.get(k) ?? 0) + 1);
  }

  pause(topics: ReadonlyArray<{ topic: string; partitions?: number[] }>): void {
    for (const t of topics) for (const p of t.partitions ?? this.#assignment.get(t.topic) ?? []) this.#paused.add(tpKey(t.topic, p));
  }

  resume(topics: ReadonlyArray<{ topic: string; partitions?: number[] }>): void {
    for (const t of topics) for (const p of t.partitions ?? this.#assignment.get(t.topic) ?? []) this.#paused.delete(tpKey(t.topic, p));
  }

  paused(): Array<{ topic: string; partition: number }> {
    return [...this.#paused].map((k) => {
      const [topic, p] = k.split('\0');
      return { topic: topic!, partition: Number(p) };
    });
  }

  /**
   * Commits offsets: the given ones, or every consumed position not yet committed. Throws
   * KafkaError (REBALANCE_IN_PROGRESS …) if the group has moved on; the consumer then rejoins.
   */
  async commitOffsets(offsets?: ReadonlyArray<{ topic: string; partition: number; offset: bigint }>): Promise<void> {
    const list = offsets ?? this.#uncommitted();
    try {
      await this.#membership.commit(list);
      for (const o of list) this.#committed.set(tpKey(o.topic, o.partition), o.offset);
      this.#lastCommit = Date.now();
    } catch (error) {
      this.#noteError(error);
      throw error;
    }
  }

  /** Consumes until `stop()`/`close()`; rejects on a non-retriable error (after leaving the group). */
  run(handlers: RunOptions): Promise<void> {
    try {
      if (handlers.eachBatch === undefined && handlers.eachMessage === undefined) throw new ClientError('INVALID_ARGUMENT', 'run needs eachMessage or eachBatch');
      this.#start();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#loop = this.#consume(handlers).catch(async (error: unknown) => {
      // A handler threw (or a fatal error): leave the group, so the partitions move on at once,
      // without committing the record that failed (positions advance only after a handler returns).
      await this.#leave();
      throw error;
    });
    return this.#loop;
  }

  async #consume(handlers: RunOptions): Promise<void> {
    while (this.#running) {
      const results = await this.#poll();
      for (const r of results) {
        const epoch = this.#epochs.get(tpKey(r.topic, r.partition));
        const live = (): boolean => this.#running && this.#isCurrent(r, epoch);
        if (!live()) continue;
        if (handlers.eachBatch !== undefined) {
          await handlers.eachBatch({ topic: r.topic, partition: r.partition, records: r.records, highWatermark: r.highWatermark });
          if (live()) this.#positions.set(tpKey(r.topic, r.partition), r.nextOffset);
        } else {
          for (const record of r.records) {
            if (!live()) break;
            await handlers.eachMessage!(record);
            if (live()) this.#positions.set(tpKey(r.topic, r.partition), record.offset + 1n);
          }
          if (live()) this.#advanceEmpty(r);
        }
      }
      await this.#maybeAutoCommit();
    }
  }

  /** `for await (const record of consumer)`: the position moves past a record when the next one is asked for. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumedRecord, void, undefined> {
    this.#start();
    try {
      while (this.#running) {
        const results = await this.#poll();
        for (const r of results) {
          const epoch = this.#epochs.get(tpKey(r.topic, r.partition));
          for (const record of r.records) {
            if (!this.#running || !this.#isCurrent(r, epoch)) break;
            yield record;
            if (this.#isCurrent(r, epoch)) this.#positions.set(tpKey(r.topic, r.partition), record.offset + 1n);
          }
          if (this.#running && this.#isCurrent(r, epoch)) this.#advanceEmpty(r);
        }
        await this.#maybeAutoCommit();
      }
    } finally {
      // Reached by `break` in the caller's loop, by stop(), or by an error from #poll.
      await this.stop();
    }
  }

  /** Stops consuming: commits (with auto-commit), leaves the group. The consumer can be closed afterwards. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#fetchAbort.abort();
    await this.#loop?.catch(() => undefined);
    await this.#leave();
  }

  /** Heartbeats off, last commit, LeaveGroup; runs once, also when the loop ends on an error. */
  async #leave(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#running = false;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#autoCommit && this.#membership.generationId >= 0) await this.commitOffsets().catch((e: unknown) => this.#logger.warn('final commit failed', { error: (e as Error).message }));
    await this.#membership.leave().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.stop();
    this.cluster.close();
  }

  get #autoCommit(): boolean {
    return this.#options.autoCommit ?? true;
  }

  #start(): void {
    if (this.#stopped) throw new ClientError('CONSUMER_CLOSED', 'the consumer is stopped');
    if (this.#running) throw new ClientError('ALREADY_RUNNING', 'the consumer is already running');
    if (this.#subscription.length === 0) throw new ClientError('NOT_SUBSCRIBED', 'subscribe to topics before consuming');
    this.#running = true;
    this.#heartbeat = setInterval(() => void this.#beat(), this.#options.heartbeatIntervalMs ?? 3000);
    this.#heartbeat.unref();
  }

  async #beat(): Promise<void> {
    if (this.#needsJoin || this.#joining || this.#membership.generationId < 0) return;
    const generation = this.#membership.generationId;
    try {
      await this.#membership.heartbeat();
    } catch (error) {
      // An answer about a generation we have already left behind says nothing about the current one.
      if (!this.#joining && generation === this.#membership.generationId) this.#noteError(error);
    }
  }

  #noteError(error: unknown): void {
    this.#membership.noteError(error);
    if (error instanceof KafkaError && REJOIN_ERRORS.has(error.errorCode)) {
      this.#needsJoin = true;
      this.#fetchAbort.abort();
    }
  }

  #isCurrent(r: PartitionFetchResult, epoch: number | undefined): boolean {
    // Still ours (not revoked, not fenced out of the group), not paused, not moved by seek since the fetch.
    const k = tpKey(r.topic, r.partition);
    return this.#assignment.get(r.topic)?.includes(r.partition) === true && this.#membership.generationId >= 0 && !this.#paused.has(k) && this.#epochs.get(k) === epoch;
  }

  /** A fetch past control or aborted batches returns no records but still moves the position. */
  #advanceEmpty(r: PartitionFetchResult): void {
    const k = tpKey(r.topic, r.partition);
    if ((this.#positions.get(k) ?? -1n) < r.nextOffset && r.records.length === 0) this.#positions.set(k, r.nextOffset);
  }

  #uncommitted(): Array<{ topic: string; partition: number; offset: bigint }> {
    const out: Array<{ topic: string; partition: number; offset: bigint }> = [];
    for (const [topic, ps] of this.#assignment) {
      for (const partition of ps) {
        const pos = this.#positions.get(tpKey(topic, partition));
        if (pos !== undefined && pos !== this.#committed.get(tpKey(topic, partition))) out.push({ topic, partition, offset: pos });
      }
    }
    return out;
  }

  async #maybeAutoCommit(): Promise<void> {
    if (!this.#autoCommit || Date.now() - this.#lastCommit < (this.#options.autoCommitIntervalMs ?? 5000)) return;
    await this.commitOffsets().catch((e: unknown) => this.#logger.warn('auto-commit failed', { error: (e as Error).message }));
  }

  /** One round: rejoin if needed, then one fetch from every leader. Retriable errors back off and return nothing. */
  async #poll(): Promise<PartitionFetchResult[]> {
    for (let attempt = 0; this.#running; attempt++) {
      try {
        await this.#refreshSubscription();
        if (this.#needsJoin) await this.#rejoin();
        return await this.#fetch();
      } catch (error) {
        this.#noteError(error);
        if (!this.#running) return [];
        // A fetch cut short for a rejoin: go straight back.
        if (error instanceof RequestAbortedError) continue;
        const retriable = isRetriable(error) || (error instanceof KafkaError && REJOIN_ERRORS.has(error.errorCode));
        if (!retriable) {
          await this.#leave();
          throw error;
        }
        if (error instanceof KafkaError && STALE_METADATA_ERRORS.has(error.errorCode)) this.cluster.invalidate();
        this.#logger.debug('poll retry', { error: (error as Error).message });
        await sleep(backoffMs(Math.min(attempt, 5), this.cluster.options.retry));
      }
    }
    return [];
  }

  async #refreshSubscription(): Promise<void> {
    const patterns = this.#subscription.filter((s): s is RegExp => s instanceof RegExp);
    const names = this.#subscription.filter((s): s is string => typeof s === 'string');
    if (patterns.length === 0) {
      if (this.#topics.join('\0') !== names.join('\0')) {
        this.#topics = names;
        this.#needsJoin = true;
      }
      return;
    }
    if (Date.now() - this.#lastTopicRefresh < (this.#options.topicRefreshMs ?? 10_000)) return;
    this.#lastTopicRefresh = Date.now();
    await this.cluster.refresh(null);
    const all = this.cluster.topicNames().filter((t) => !this.cluster.cachedTopic(t)?.isInternal);
    const topics = [...new Set([...names, ...all.filter((t) => patterns.some((p) => p.test(t)))])].sort();
    if (topics.join('\0') !== this.#topics.join('\0')) {
      this.#topics = topics;
      this.#needsJoin = true;
    }
  }

  async #rejoin(): Promise<void> {
    const fetchAbort = this.#fetchAbort;
    this.#fetchAbort = new AbortController();
    fetchAbort.abort();
    const cooperative = this.#assignors.every((a) => a.rebalance === 'cooperative');
    if (!cooperative && this.#assignment.size > 0) await this.#revoke(this.#assignment);
    this.#needsJoin = false;
    this.#joining = true;
    let result;
    try {
      result = await this.#membership.join(this.#topics, this.#assignment);
    } catch (error) {
      this.#needsJoin = true;
      throw error;
    } finally {
      this.#joining = false;
    }
    const added: TopicPartitions = new Map();
    const revoked: TopicPartitions = new Map();
    for (const [t, ps] of result.assignment) {
      const owned = this.#assignment.get(t) ?? [];
      const n = ps.filter((p) => !owned.includes(p));
      if (n.length > 0) added.set(t, n);
    }
    for (const [t, ps] of this.#assignment) {
      const now = result.assignment.get(t) ?? [];
      const r = ps.filter((p) => !now.includes(p));
      if (r.length > 0) revoked.set(t, r);
    }
    if (revoked.size > 0) {
      await this.#revoke(revoked);
      // KIP-429: after giving partitions up, rejoin so the next round can hand them to their new owner.
      if (result.assignor.rebalance === 'cooperative') this.#needsJoin = true;
    }
    this.#assignment = result.assignment;
    // Positions of the added partitions are looked up by the next fetch (#initPositions).
    if (added.size > 0) await this.#options.onAssign?.(added);
  }

  async #revoke(partitions: TopicPartitions): Promise<void> {
    if (this.#autoCommit && this.#membership.generationId >= 0) {
      const offsets = this.#uncommitted().filter((o) => partitions.get(o.topic)?.includes(o.partition));
      await this.#membership.commit(offsets).catch((e: unknown) => this.#logger.warn('commit on revoke failed', { error: (e as Error).message }));
    }
    await this.#options.onRevoke?.(partitions);
    for (const [t, ps] of partitions) {
      const left = (this.#assignment.get(t) ?? []).filter((p) => !ps.includes(p));
      if (left.length > 0) this.#assignment.set(t, left);
      else this.#assignment.delete(t);
      for (const p of ps) {
        const k = tpKey(t, p);
        this.#positions.delete(k);
        this.#committed.delete(k);
        this.#paused.delete(k);
        this.#epochs.set(k, (this.#epochs.get(k) ?? 0) + 1);
      }
    }
  }

  /** Positions of newly assigned partitions: the committed offset, else earliest/latest (auto.offset.reset). */
  async #initPositions(added: TopicPartitions): Promise<void> {
    if (added.size === 0) return;
    const committed = await this.#membership.committed(added);
    for (const [topic, ps] of added) {
      const missing: number[] = [];
      for (const p of ps) {
        const offset = committed.get(tpKey(topic, p)) ?? -1n;
        if (offset >= 0n) {
          this.#positions.set(tpKey(topic, p), offset);
          this.#committed.set(tpKey(topic, p), offset);
        } else missing.push(p);
      }
      if (missing.length > 0) await this.#resetPositions(topic, missing);
    }
  }

  async #resetPositions(topic: string, partitions: number[]): Promise<void> {
    const timestamp = this.#options.fromBeginning === true ? OffsetSpec.earliest : OffsetSpec.latest;
    const listed = await listOffsets(this.cluster, topic, partitions.map((partition) => ({ partition, timestamp })), this.#options.isolationLevel);
    for (const l of listed) this.seek(topic, l.partition, l.offset);
  }

  async #fetch(): Promise<PartitionFetchResult[]> {
    // Partitions without a position (just assigned, or a lookup that failed before) get one first.
    const unpositioned: TopicPartitions = new Map();
    for (const [topic, ps] of this.#assignment) {
      const missing = ps.filter((p) => !this.#positions.has(tpKey(topic, p)));
      if (missing.length > 0) unpositioned.set(topic, missing);
    }
    await this.#initPositions(unpositioned);
    const byLeader = new Map<number, Array<{ topic: string; partition: number; offset: bigint; maxBytes: number }>>();
    for (const [topic, ps] of this.#assignment) {
      for (const partition of ps) {
        const k = tpKey(topic, partition);
        const offset = this.#positions.get(k);
        if (offset === undefined || this.#paused.has(k)) continue;
        const leader = await this.cluster.leaderId(topic, partition);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), { topic, partition, offset, maxBytes: this.#options.maxPartitionBytes ?? 1024 * 1024 }]);
      }
    }
    if (byLeader.size === 0) {
      // Nothing to fetch (no assignment, or all paused): wait a fetch's worth of time, or until a rejoin is due.
      await sleep(this.#options.maxWaitMs ?? 500, undefined, { signal: this.#fetchAbort.signal }).catch(() => undefined);
      return [];
    }
    const signal = this.#fetchAbort.signal;
    const responses = await Promise.all(
      [...byLeader].map(([leader, parts]) =>
        fetchFromBroker(this.cluster.broker(leader), parts, {
          maxWaitMs: this.#options.maxWaitMs ?? 500,
          minBytes: this.#options.minBytes ?? 1,
          maxBytes: this.#options.maxBytes ?? 50 * 1024 * 1024,
          isolationLevel: this.#options.isolationLevel ?? 'read_uncommitted',
          signal,
        }),
      ),
    );
    const out: PartitionFetchResult[] = [];
    for (const r of responses.flat()) {
      if (r.errorCode === ErrorCode.NONE) out.push(r);
      else if (r.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) await this.#resetPositions(r.topic, [r.partition]);
      else if (STALE_METADATA_ERRORS.has(r.errorCode)) this.cluster.invalidate();
      else throw new KafkaError(r.errorCode, `fetch ${r.topic}-${r.partition}`);
    }
    return out;
  }
}
