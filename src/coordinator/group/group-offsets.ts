import { ConsumerProtocolSubscriptionVersions, decodeConsumerProtocolSubscription, ErrorCode } from '../../protocol/messages/index.ts';
import { Reader } from '../../protocol/wire/index.ts';
import type { Clock, Logger, Scheduler, Timer } from '../../util/index.ts';
import { ClassicGroup, GroupState, type CommittedOffset, type Member } from './classic-group.ts';
import type { ConsumerGroupCoordinator } from './consumer-group-coordinator.ts';
import type { GroupLog, GroupLogRecord } from './group-log.ts';
import { decodeRecord, groupKey, offsetKey, offsetValue } from './group-records.ts';
import type { FetchedOffset, OffsetCommitRequest, PartitionError, TxnOffsetCommitRequest } from './types.ts';

/** What the offset side needs from the coordinator that owns the groups (no import cycle). */
export interface GroupHost {
  readonly groups: Map<string, ClassicGroup>;
  readonly closed: boolean;
  group(groupId: string, create?: boolean): ClassicGroup | undefined;
  forget(group: ClassicGroup): void;
  touchMember(group: ClassicGroup, memberId: string): void;
  scheduleLoadedSessions(group: ClassicGroup): void;
  /** KIP-848 groups: their offsets live in an Empty ClassicGroup of the same id, their members there. */
  readonly consumer: ConsumerGroupCoordinator;
}

/** A transactional offset waiting for its producer's marker, with its place in the log. */
interface PendingOffset {
  readonly topic: string;
  readonly partition: number;
  readonly value: CommittedOffset;
  readonly seq: number;
}

const offsetId = (groupId: string, topic: string, partition: number): string => `${groupId}\u0000${topic}\u0000${partition}`;

export interface OffsetsConfig {
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly maxMetadataBytes: number;
}

/**
 * Committed offsets (Kafka's `GroupMetadataManager` offset half and `OffsetMetadataManager`):
 * OffsetCommit validation against the group's generation, OffsetFetch, OffsetDelete, the
 * `offsets.retention.minutes` sweep (KIP-211: an empty group's offsets expire together, counted from
 * when it became empty), and loading groups and offsets back from the log.
 */
export class GroupOffsets {
  readonly #host: GroupHost;
  readonly #config: OffsetsConfig;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #log: GroupLog;
  #sweep: Timer | undefined;
  /**
   * TxnOffsetCommit offsets not yet committed or aborted, by producer id then group then partition
   * (OffsetMetadataManager's `pendingTransactionalOffsets`). Made visible by a COMMIT marker on the
   * group's `__consumer_offsets` partition, dropped by an ABORT.
   */
  readonly #pending = new Map<bigint, Map<string, Map<string, PendingOffset>>>();
  /**
   * Where each visible offset sits in the log order (Kafka compares record offsets): a committed
   * transactional offset replaces the current one only if it was written after it.
   */
  readonly #offsetSeq = new Map<string, number>();
  #seq = 0;
  /**
   * Highest epoch seen per transactional producer (its TxnOffsetCommits and markers). Kafka's log
   * refuses a transactional append with an older epoch (producer state); this stands in for that
   * check on `__consumer_offsets`, so a fenced zombie cannot slip offsets into its successor's commit.
   */
  readonly #producerEpochs = new Map<bigint, number>();

  constructor(host: GroupHost, config: OffsetsConfig, deps: { clock: Clock; scheduler: Scheduler; logger: Logger; log: GroupLog }) {
    this.#host = host;
    this.#config = config;
    this.#clock = deps.clock;
    this.#scheduler = deps.scheduler;
    this.#logger = deps.logger;
    this.#log = deps.log;
  }

  tombstone(groupId: string, topic: string, partition: number): GroupLogRecord {
    return { key: offsetKey(groupId, topic, partition), value: null };
  }

  /** OffsetCommit (Kafka's `handleCommitOffsets` / `validateOffsetCommit`). */
  async commit(req: OffsetCommitRequest): Promise<PartitionError[]> {
    const all = (errorCode: number): PartitionError[] => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }));
    if (this.#host.closed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    let group = this.#host.group(req.groupId);
    const consumerGroup = this.#host.consumer.groups.has(req.groupId);
    if (consumerGroup) {
      // KIP-848 (OffsetCommit v9): the generation field carries the member epoch.
      const invalid = this.#host.consumer.validateOffsetCommit(req.groupId, req.memberId, req.generationId, req.apiVersion);
      if (invalid !== undefined) return all(invalid);
      group ??= this.#host.group(req.groupId, true) as ClassicGroup;
      const partitionError = (topic: string, partition: number): number | undefined =>
        this.#host.consumer.partitionCommitError(req.groupId, req.memberId, req.generationId, topic, partition);
      return this.#commitPerPartition(req, partitionError, (offsets) => this.#commitChecked(req, offsets));
    } else if (group === undefined) {
      // A client outside group management (generation -1) may commit; anything else is from an old generation.
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.#host.group(req.groupId, true) as ClassicGroup;
    }
    if (!consumerGroup) {
      const invalid = this.#validate(group, req);
      if (invalid !== undefined) return all(invalid);
      if (group.is(GroupState.CompletingRebalance)) return all(ErrorCode.REBALANCE_IN_PROGRESS);
      // Stable, PreparingRebalance (members commit before they rejoin) and Empty accept commits.
      if (req.generationId >= 0) this.#host.touchMember(group, req.memberId);
    }
    return this.#commitChecked(req, req.offsets);
  }

  /**
   * Splits off the partitions `error` refuses (answered with that code) and commits the rest with
   * `commit`; answers in request order.
   */
  async #commitPerPartition(
    req: OffsetCommitRequest | TxnOffsetCommitRequest,
    error: (topic: string, partition: number) => number | undefined,
    commit: (offsets: OffsetCommitRequest['offsets']) => Promise<PartitionError[]>,
  ): Promise<PartitionError[]> {
    const refused = new Map<string, number>();
    for (const o of req.offsets) {
      const code = error(o.topic, o.partition);
      if (code !== undefined) refused.set(`${o.topic}\u0000${o.partition}`, code);
    }
    if (refused.size === 0) return commit(req.offsets);
    const rest = req.offsets.filter((o) => !refused.has(`${o.topic}\u0000${o.partition}`));
    const answers = rest.length === 0 ? [] : await commit(rest);
    const byKey = new Map(answers.map((a) => [`${a.topic}\u0000${a.partition}`, a.errorCode]));
    return req.offsets.map((o) => {
      const key = `${o.topic}\u0000${o.partition}`;
      return { topic: o.topic, partition: o.partition, errorCode: refused.get(key) ?? byKey.get(key) ?? ErrorCode.UNKNOWN_SERVER_ERROR };
    });
  }

  /** Writes validated offsets and makes them visible. */
  async #commitChecked(req: OffsetCommitRequest, offsets: OffsetCommitRequest['offsets']): Promise<PartitionError[]> {
    const { results, accepted, written } = await this.#writeOffsets(req.groupId, offsets);
    if (!written) return results;
    // The group may have been deleted while the append was in flight; then the commit is not visible.
    const current = this.#host.group(req.groupId);
    if (current !== undefined && !current.is(GroupState.Dead)) {
      for (const a of accepted) {
        current.setOffset(a.topic, a.partition, a.value);
        this.#offsetSeq.set(offsetId(req.groupId, a.topic, a.partition), this.#seq++);
      }
    }
    return results;
  }

  // -------------------------------------------------------------------------------------------
  // Transactional offsets (KIP-98 TxnOffsetCommit)

  /**
   * TxnOffsetCommit (OffsetMetadataManager.commitTransactionalOffset): validated like OffsetCommit
   * except that the group's state is not enforced and an old client without member fields may
   * commit into a live group; the records are written as a transactional batch and stay pending
   * until the producer's marker arrives (`completeTransaction`).
   */
  async commitTransactional(req: TxnOffsetCommitRequest): Promise<PartitionError[]> {
    const all = (errorCode: number): PartitionError[] => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }));
    if (this.#host.closed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    const knownEpoch = this.#producerEpochs.get(req.producerId);
    if (knownEpoch !== undefined && req.producerEpoch < knownEpoch) return all(ErrorCode.INVALID_PRODUCER_EPOCH);
    let group = this.#host.group(req.groupId);
    if (this.#host.consumer.groups.has(req.groupId)) {
      // A KIP-848 group: the generation field carries the member epoch, checked against the consumer
      // group (ConsumerGroup.validateOffsetCommit with isTransactional, so any TxnOffsetCommit version).
      // TxnOffsetCommit has no STALE_MEMBER_EPOCH: Kafka answers ILLEGAL_GENERATION instead.
      const invalid = this.#host.consumer.validateOffsetCommit(req.groupId, req.memberId, req.generationId);
      if (invalid !== undefined) return all(invalid === ErrorCode.STALE_MEMBER_EPOCH ? ErrorCode.ILLEGAL_GENERATION : invalid);
      group ??= this.#host.group(req.groupId, true) as ClassicGroup;
      const partitionError = (topic: string, partition: number): number | undefined =>
        this.#host.consumer.partitionCommitError(req.groupId, req.memberId, req.generationId, topic, partition) === undefined ? undefined : ErrorCode.ILLEGAL_GENERATION;
      return this.#commitPerPartition(req, partitionError, (offsets) => this.#commitTransactionalChecked(req, offsets));
    } else {
      if (group === undefined) {
        if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
        group = this.#host.group(req.groupId, true) as ClassicGroup;
      }
      const invalid = this.#validateTransactional(group, req);
      if (invalid !== undefined) return all(invalid);
    }
    return this.#commitTransactionalChecked(req, req.offsets);
  }

  /** Writes validated transactional offsets; they stay pending until the producer's marker. */
  async #commitTransactionalChecked(req: TxnOffsetCommitRequest, offsets: OffsetCommitRequest['offsets']): Promise<PartitionError[]> {
    const { results, accepted, written } = await this.#writeOffsets(req.groupId, offsets, { producerId: req.producerId, producerEpoch: req.producerEpoch });
    if (!written) return results;
    this.#noteEpoch(req.producerId, req.producerEpoch);
    for (const a of accepted) this.#addPending(req.producerId, req.groupId, a.topic, a.partition, a.value);
    return results;
  }

  /**
   * The part OffsetCommit and TxnOffsetCommit share: metadata over `offset.metadata.max.bytes` is
   * refused per partition, the rest is appended as one batch (transactional when `producer` is
   * given). `written` is false when nothing was appended, and then `results` is the whole answer
   * (an append failure turns every accepted partition into COORDINATOR_NOT_AVAILABLE).
   */
  async #writeOffsets(
    groupId: string,
    offsets: OffsetCommitRequest['offsets'],
    producer?: { producerId: bigint; producerEpoch: number },
  ): Promise<{ results: PartitionError[]; accepted: { topic: string; partition: number; value: CommittedOffset }[]; written: boolean }> {
    const now = BigInt(this.#clock.now());
    const results: PartitionError[] = [];
    const accepted: { topic: string; partition: number; value: CommittedOffset }[] = [];
    for (const o of offsets) {
      const metadata = o.metadata ?? '';
      if (Buffer.byteLength(metadata, 'utf8') > this.#config.maxMetadataBytes) {
        results.push({ topic: o.topic, partition: o.partition, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE });
        continue;
      }
      accepted.push({ topic: o.topic, partition: o.partition, value: { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata, commitTimestamp: now, expireTimestamp: null } });
      results.push({ topic: o.topic, partition: o.partition, errorCode: ErrorCode.NONE });
    }
    if (accepted.length === 0) return { results, accepted, written: false };
    try {
      await this.#log.append(
        this.#log.partitionFor(groupId),
        accepted.map((a) => ({ key: offsetKey(groupId, a.topic, a.partition), value: offsetValue(a.value) })),
        producer,
      );
    } catch (error) {
      this.#logger.warn(`${producer === undefined ? '' : 'transactional '}offset commit append failed`, { group: groupId, error: String(error) });
      const failed = results.map((r) => (r.errorCode === ErrorCode.NONE ? { ...r, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE } : r));
      return { results: failed, accepted, written: false };
    }
    return { results, accepted, written: true };
  }

  /** ClassicGroup.validateOffsetCommit with isTransactional = true. */
  #validateTransactional(group: ClassicGroup, req: TxnOffsetCommitRequest): number | undefined {
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationId < 0 && group.is(GroupState.Empty)) return undefined;
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
      if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    }
    return undefined;
  }

  #noteEpoch(producerId: bigint, producerEpoch: number): void {
    if ((this.#producerEpochs.get(producerId) ?? -1) < producerEpoch) this.#producerEpochs.set(producerId, producerEpoch);
  }

  #addPending(producerId: bigint, groupId: string, topic: string, partition: number, value: CommittedOffset): void {
    let groups = this.#pending.get(producerId);
    if (groups === undefined) this.#pending.set(producerId, (groups = new Map()));
    let offsets = groups.get(groupId);
    if (offsets === undefined) groups.set(groupId, (offsets = new Map()));
    offsets.set(`${topic}\u0000${partition}`, { topic, partition, value, seq: this.#seq++ });
  }

  /**
   * A COMMIT or ABORT marker for `producerId` was written to `offsetsPartition` of
   * `__consumer_offsets` (OffsetMetadataManager.replayEndTransactionMarker): the producer's pending
   * offsets of the groups stored there become visible (unless a later plain commit superseded them)
   * or are dropped. `producerEpoch` is the marker's epoch, which fences older TxnOffsetCommits.
   */
  completeTransaction(producerId: bigint, producerEpoch: number, commit: boolean, offsetsPartition: number): void {
    this.#noteEpoch(producerId, producerEpoch);
    this.#applyMarker(producerId, commit, offsetsPartition);
  }

  #applyMarker(producerId: bigint, commit: boolean, offsetsPartition: number): void {
    const groups = this.#pending.get(producerId);
    if (groups === undefined) return;
    for (const [groupId, offsets] of [...groups]) {
      if (this.#log.partitionFor(groupId) !== offsetsPartition) continue;
      groups.delete(groupId);
      if (!commit) continue;
      const group = this.#host.group(groupId, true) as ClassicGroup;
      if (group.is(GroupState.Dead)) continue;
      for (const o of offsets.values()) {
        const id = offsetId(groupId, o.topic, o.partition);
        if (group.offset(o.topic, o.partition) !== undefined && (this.#offsetSeq.get(id) ?? -1) > o.seq) continue;
        group.setOffset(o.topic, o.partition, o.value);
        this.#offsetSeq.set(id, o.seq);
      }
    }
    if (groups.size === 0) this.#pending.delete(producerId);
  }

  /**
   * Forgets pending transactional offsets of a deleted group, or of one partition whose offset was
   * tombstoned (OffsetMetadataManager removes them with the committed ones).
   */
  dropPending(groupId: string, topic?: string, partition?: number): void {
    for (const [pid, groups] of [...this.#pending]) {
      const offsets = groups.get(groupId);
      if (offsets === undefined) continue;
      if (topic === undefined) groups.delete(groupId);
      else {
        offsets.delete(`${topic}\u0000${partition}`);
        if (offsets.size === 0) groups.delete(groupId);
      }
      if (groups.size === 0) this.#pending.delete(pid);
    }
  }

  /** Is a transactional offset of this partition waiting for its marker (OffsetFetch require_stable)? */
  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    const key = `${topic}\u0000${partition}`;
    for (const groups of this.#pending.values()) if (groups.get(groupId)?.has(key) === true) return true;
    return false;
  }

  /** Producer ids with pending offsets in the group (tests, diagnostics). */
  pendingProducers(groupId: string): bigint[] {
    return [...this.#pending].filter(([, groups]) => groups.has(groupId)).map(([pid]) => pid);
  }

  #validate(group: ClassicGroup, req: OffsetCommitRequest): number | undefined {
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
      if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      return undefined;
    }
    // Generation -1 and no member: an admin client or assign() consumer, allowed only while nobody is in the group.
    return group.is(GroupState.Empty) ? undefined : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * OffsetFetch for one group. `topics` null = every committed offset (v2+). A partition without a
   * commit answers offset -1, metadata "" and no error (Kafka's `OffsetFetchResponse.INVALID_OFFSET`,
   * `NO_METADATA`).
   */
  fetch(
    groupId: string,
    topics: readonly { topic: string; partitions: readonly number[] }[] | null,
    requireStable = false,
    member: { readonly memberId: string | null; readonly memberEpoch: number } = { memberId: null, memberEpoch: -1 },
  ): { errorCode: number; offsets: FetchedOffset[] } {
    if (this.#host.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, offsets: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, offsets: [] };
    // OffsetFetch v9 (KIP-848): a consumer-group member reads with its current epoch.
    const invalid = this.#host.consumer.validateOffsetFetch(groupId, member.memberId, member.memberEpoch);
    if (invalid !== undefined) return { errorCode: invalid, offsets: [] };
    const group = this.#host.group(groupId);
    const live = group !== undefined && !group.is(GroupState.Dead) ? group : undefined;
    const entry = (topic: string, partition: number, v: CommittedOffset | undefined): FetchedOffset =>
      // v7+ require_stable (KIP-447): a partition with a transactional offset awaiting its marker is
      // UNSTABLE_OFFSET_COMMIT, so the consumer retries instead of starting from a stale offset.
      requireStable && this.hasPendingOffset(groupId, topic, partition)
        ? { topic, partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
        : { topic, partition, offset: v?.offset ?? -1n, leaderEpoch: v?.leaderEpoch ?? -1, metadata: v?.metadata ?? '', errorCode: ErrorCode.NONE };
    if (topics === null) return { errorCode: ErrorCode.NONE, offsets: (live?.allOffsets() ?? []).map((o) => entry(o.topic, o.partition, o.value)) };
    const offsets: FetchedOffset[] = [];
    for (const t of topics) for (const p of t.partitions) offsets.push(entry(t.topic, p, live?.offset(t.topic, p)));
    return { errorCode: ErrorCode.NONE, offsets };
  }

  /** OffsetDelete (KIP-496): only offsets of topics the group's members do not subscribe to. */
  async delete(groupId: string, topics: readonly { topic: string; partitions: readonly number[] }[]): Promise<{ errorCode: number; partitions: PartitionError[] }> {
    const top = (errorCode: number) => ({ errorCode, partitions: [] });
    if (this.#host.closed) return top(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (groupId === '') return top(ErrorCode.INVALID_GROUP_ID);
    const group = this.#host.group(groupId);
    const kip848Topics = this.#host.consumer.subscribedTopicNames(groupId);
    if (kip848Topics !== undefined) return this.#deleteSubscribed(group, groupId, topics, kip848Topics);
    if (group === undefined || group.is(GroupState.Dead)) return top(ErrorCode.GROUP_ID_NOT_FOUND);
    const consumerGroup = group.protocolType === 'consumer';
    if (!group.is(GroupState.Empty) && !consumerGroup) return top(ErrorCode.NON_EMPTY_GROUP);
    // Unknown subscriptions (undecodable metadata) count as subscribed: never delete what may be in use.
    const subscribed = (topic: string): boolean => !group.is(GroupState.Empty) && (group.subscribedTopics === null || group.subscribedTopics.has(topic));
    return this.#deleteSubscribed(group, groupId, topics, subscribed);
  }

  async #deleteSubscribed(
    group: ClassicGroup | undefined,
    groupId: string,
    topics: readonly { topic: string; partitions: readonly number[] }[],
    subscribedTo: ReadonlySet<string> | ((topic: string) => boolean),
  ): Promise<{ errorCode: number; partitions: PartitionError[] }> {
    const top = (errorCode: number) => ({ errorCode, partitions: [] });
    const partitions: PartitionError[] = [];
    const deletable: { topic: string; partition: number }[] = [];
    for (const t of topics) {
      const subscribed = typeof subscribedTo === 'function' ? subscribedTo(t.topic) : subscribedTo.has(t.topic);
      for (const p of t.partitions) {
        if (subscribed) partitions.push({ topic: t.topic, partition: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC });
        else {
          partitions.push({ topic: t.topic, partition: p, errorCode: ErrorCode.NONE });
          if (group?.offset(t.topic, p) !== undefined) deletable.push({ topic: t.topic, partition: p });
        }
      }
    }
    if (deletable.length > 0) {
      try {
        await this.#log.append(this.#log.partitionFor(groupId), deletable.map((d) => this.tombstone(groupId, d.topic, d.partition)));
      } catch (error) {
        this.#logger.warn('offset delete append failed', { group: groupId, error: String(error) });
        return top(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      for (const d of deletable) group?.deleteOffset(d.topic, d.partition);
    }
    return { errorCode: ErrorCode.NONE, partitions };
  }

  /** Topics in the members' ConsumerProtocolSubscription for the chosen protocol; null if unknown. */
  subscribedTopicsOf(group: ClassicGroup): ReadonlySet<string> | null {
    if (group.protocolType !== 'consumer') return null;
    const topics = new Set<string>();
    for (const m of group.members.values()) {
      const decoded = decodeSubscription(group.metadataOf(m));
      if (decoded === null) return null;
      for (const t of decoded) topics.add(t);
    }
    return topics;
  }

  // -------------------------------------------------------------------------------------------
  // Expiration (offsets.retention.minutes)

  startExpiration(): void {
    this.stopExpiration();
    this.#sweep = this.#scheduler.schedule(this.#config.offsetsRetentionCheckIntervalMs, () => {
      void this.expireOffsets().finally(() => {
        if (!this.#host.closed) this.startExpiration();
      });
    });
  }

  stopExpiration(): void {
    this.#sweep?.cancel();
    this.#sweep = undefined;
  }

  /**
   * Kafka's `cleanupGroupMetadata`: an offset expires `offsets.retention.minutes` after its group
   * became Empty (KIP-211), after its commit for groups without members ever (standalone commits) or
   * for topics a live consumer group no longer subscribes to; an Empty group left without offsets is
   * removed. Returns how many offsets expired.
   */
  async expireOffsets(): Promise<number> {
    const now = this.#clock.now();
    const retention = this.#config.offsetsRetentionMs;
    let expiredCount = 0;
    for (const group of [...this.#host.groups.values()]) {
      const kip848 = this.#host.consumer.groups.get(group.groupId);
      const kip848Topics = this.#host.consumer.subscribedTopicNames(group.groupId);
      const expired = group.allOffsets().filter(({ topic, partition, value }) => {
        // Kafka keeps an offset while a transactional commit of it is pending.
        if (this.hasPendingOffset(group.groupId, topic, partition)) return false;
        if (value.expireTimestamp !== null) return Number(value.expireTimestamp) <= now;
        if (kip848 !== undefined) {
          // A consumer group's offsets expire once it has been empty for the retention, or when no member subscribes to their topic.
          if (kip848.members.size === 0) return kip848.emptySince + retention <= now;
          return !(kip848Topics?.has(topic) ?? true) && Number(value.commitTimestamp) + retention <= now;
        }
        if (group.protocolType === null) return Number(value.commitTimestamp) + retention <= now;
        if (group.is(GroupState.Empty)) return group.stateTimestamp + retention <= now;
        if (group.protocolType === 'consumer' && group.subscribedTopics !== null && !group.subscribedTopics.has(topic)) {
          return Number(value.commitTimestamp) + retention <= now;
        }
        return false;
      });
      const records = expired.map((e) => this.tombstone(group.groupId, e.topic, e.partition));
      const dropGroup = group.is(GroupState.Empty) && (kip848 === undefined || kip848.members.size === 0) && expired.length === group.allOffsets().length;
      if (dropGroup) records.push({ key: groupKey(group.groupId), value: null });
      if (records.length === 0) continue;
      try {
        await this.#log.append(this.#log.partitionFor(group.groupId), records);
      } catch (error) {
        this.#logger.warn('offset expiration append failed', { group: group.groupId, error: String(error) });
        continue;
      }
      for (const e of expired) group.deleteOffset(e.topic, e.partition);
      expiredCount += expired.length;
      if (dropGroup && group.is(GroupState.Empty) && !group.hasOffsets()) {
        this.#host.forget(group);
        this.#host.consumer.forgetIfEmpty(group.groupId);
      }
    }
    // An empty KIP-848 group without committed offsets goes too (Kafka's `cleanupGroupMetadata`).
    for (const g of [...this.#host.consumer.groups.values()]) if (g.members.size === 0 && !this.#host.groups.has(g.groupId)) this.#host.consumer.forgetIfEmpty(g.groupId);
    if (expiredCount > 0) this.#logger.info('expired committed offsets', { count: expiredCount });
    return expiredCount;
  }

  // -------------------------------------------------------------------------------------------
  // Loading

  /** Replays the log: last record per key wins, tombstones delete. Loaded members must heartbeat again. */
  async load(): Promise<void> {
    const now = this.#clock.now();
    const withMetadata = new Set<string>();
    let records = 0;
    for await (const rec of this.#log.readAll()) {
      records++;
      if (rec.control !== undefined) {
        // A transaction marker: the producer's pending offsets of this partition's groups settle.
        if (rec.producerId !== undefined && rec.partition !== undefined) this.#applyMarker(rec.producerId, rec.control === 'commit', rec.partition);
        continue;
      }
      let d: ReturnType<typeof decodeRecord>;
      try {
        d = decodeRecord(rec.key, rec.value);
      } catch (error) {
        this.#logger.warn('skipping undecodable __consumer_offsets record', { error: String(error) });
        continue;
      }
      if (d.kind === 'offset') {
        if (rec.producerId !== undefined && rec.producerId >= 0n) {
          // Transactional (TxnOffsetCommit): only a later COMMIT marker makes it visible.
          if (d.value !== null) this.#addPending(rec.producerId, d.group, d.topic, d.partition, d.value);
        } else if (d.value === null) {
          this.#host.group(d.group)?.deleteOffset(d.topic, d.partition);
          this.#offsetSeq.delete(offsetId(d.group, d.topic, d.partition));
          this.dropPending(d.group, d.topic, d.partition);
        } else {
          (this.#host.group(d.group, true) as ClassicGroup).setOffset(d.topic, d.partition, d.value);
          this.#offsetSeq.set(offsetId(d.group, d.topic, d.partition), this.#seq++);
        }
      } else if (d.kind === 'group') {
        if (d.value === null) {
          this.#host.groups.delete(d.group);
          withMetadata.delete(d.group);
          this.dropPending(d.group);
          continue;
        }
        const v = d.value;
        const group = new ClassicGroup(d.group, v.currentStateTimestamp >= 0n ? Number(v.currentStateTimestamp) : now);
        const previous = this.#host.groups.get(d.group);
        for (const o of previous?.allOffsets() ?? []) group.setOffset(o.topic, o.partition, o.value);
        group.protocolType = v.protocolType === '' ? null : v.protocolType;
        group.generationId = v.generation;
        group.protocolName = v.protocol;
        for (const m of v.members) {
          const member: Member = {
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            rebalanceTimeoutMs: m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout,
            sessionTimeoutMs: m.sessionTimeout,
            protocolType: v.protocolType,
            protocols: v.protocol === null ? [] : [{ name: v.protocol, metadata: m.subscription }],
            assignment: m.assignment,
            isNew: false,
          };
          group.add(member);
        }
        group.leaderId = v.leader ?? group.leaderId;
        group.protocolType = v.protocolType === '' ? null : v.protocolType;
        // Kafka loads a group with members as Stable and one without as Empty.
        group.state = group.members.size > 0 ? GroupState.Stable : GroupState.Empty;
        this.#host.groups.set(d.group, group);
        withMetadata.add(d.group);
      } else {
        try {
          this.#host.consumer.replay(rec.key, rec.value);
        } catch (error) {
          this.#logger.warn('skipping undecodable consumer group record', { error: String(error) });
        }
      }
    }
    this.#host.consumer.finishLoad();
    for (const group of [...this.#host.groups.values()]) {
      if (!withMetadata.has(group.groupId) && !group.hasOffsets()) {
        this.#host.groups.delete(group.groupId);
        continue;
      }
      if (group.members.size > 0) {
        group.subscribedTopics = this.subscribedTopicsOf(group);
        for (const m of group.members.values()) group.syncedMembers.add(m.memberId);
        this.#host.scheduleLoadedSessions(group);
      }
    }
    if (records > 0) this.#logger.info('loaded groups and offsets', { records, groups: this.#host.groups.size });
  }
}

/** Topic names of a ConsumerProtocolSubscription (int16 version prefix; newer versions only append fields). */
function decodeSubscription(bytes: Buffer): string[] | null {
  try {
    const r = new Reader(bytes);
    const version = Math.min(r.int16(), ConsumerProtocolSubscriptionVersions.max);
    if (version < 0) return null;
    return decodeConsumerProtocolSubscription(r, version).topics;
  } catch {
    return null;
  }
}
