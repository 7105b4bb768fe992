import { ApiKey, ErrorCode } from '../protocol/messages/index.ts';
import type { Logger } from '../util/index.ts';
import { withholdTransfers, type Assignor, type AssignorMember } from './assignors.ts';
import type { Broker } from './broker.ts';
import type { Cluster } from './cluster.ts';
import { assignmentMap, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type TopicPartitions } from './consumer-protocol.ts';
import { findCoordinator, isCoordinatorError } from './coordinator.ts';
import { ConnectionError, KafkaError } from './errors.ts';

export interface MembershipOptions {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  assignors: readonly Assignor[];
  logger: Logger;
}

export interface JoinResult {
  generationId: number;
  memberId: string;
  leader: boolean;
  assignor: Assignor;
  assignment: TopicPartitions;
}

/** Errors after which the member must join again (the group moved on without it). */
export const REJOIN_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.FENCED_INSTANCE_ID,
]);

/**
 * Membership in a classic group (Java's AbstractCoordinator): finding the coordinator, the
 * JoinGroup / SyncGroup round (with the MEMBER_ID_REQUIRED round trip of KIP-394), the leader's
 * assignment, heartbeats, offset commits and fetches, and leaving. It holds the member id and
 * generation; the consumer decides when to call it.
 */
export class GroupMembership {
  readonly #cluster: Cluster;
  readonly #options: MembershipOptions;
  #coordinator: Broker | null = null;
  memberId = '';
  generationId = -1;

  constructor(cluster: Cluster, options: MembershipOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  async coordinator(): Promise<Broker> {
    this.#coordinator ??= await findCoordinator(this.#cluster, this.#options.groupId);
    return this.#coordinator;
  }

  /** Forgets the coordinator after an error that says it moved or is down. */
  noteError(error: unknown): void {
    if (isCoordinatorError(error) || error instanceof ConnectionError) this.#coordinator = null;
    if (error instanceof KafkaError && (error.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || error.errorCode === ErrorCode.FENCED_INSTANCE_ID)) {
      this.memberId = '';
      this.generationId = -1;
    }
  }

  /**
   * One JoinGroup + SyncGroup round. `owned` goes into the subscription so a cooperative leader can
   * keep partitions where they are. Throws KafkaError for errors the caller retries after (REBALANCE_IN_PROGRESS …).
   */
  async join(topics: readonly string[], owned: TopicPartitions): Promise<JoinResult> {
    const { groupId, groupInstanceId, sessionTimeoutMs, rebalanceTimeoutMs, assignors } = this.#options;
    const metadata = encodeSubscription(topics, owned);
    for (;;) {
      const coordinator = await this.coordinator();
      const join = await coordinator.request(
        ApiKey.JoinGroup,
        {
          groupId,
          sessionTimeoutMs,
          rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId,
          protocolType: 'consumer',
          protocols: assignors.map((a) => ({ name: a.name, metadata })),
        },
        // The coordinator holds JoinGroup until every member rejoined or the rebalance timed out.
        { timeoutMs: rebalanceTimeoutMs + 5000 },
      );
      // KIP-394: the first join of a new member only obtains its id; join again with it.
      if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = join.memberId;
        continue;
      }
      if (join.errorCode !== ErrorCode.NONE) throw new KafkaError(join.errorCode, `join group ${groupId}`);
      this.memberId = join.memberId;
      this.generationId = join.generationId;
      const assignor = assignors.find((a) => a.name === join.protocolName) ?? assignors[0]!;
      const leader = join.leader === join.memberId;
      const assignments = leader && !join.skipAssignment ? await this.#assign(assignor, join.members) : [];
      const sync = await coordinator.request(
        ApiKey.SyncGroup,
        { groupId, generationId: join.generationId, memberId: join.memberId, groupInstanceId, protocolType: 'consumer', protocolName: assignor.name, assignments },
        { timeoutMs: rebalanceTimeoutMs + 5000 },
      );
      if (sync.errorCode !== ErrorCode.NONE) throw new KafkaError(sync.errorCode, `sync group ${groupId}`);
      const assignment = assignmentMap(decodeAssignment(sync.assignment));
      this.#options.logger.info('joined group', { groupId, memberId: this.memberId, generationId: this.generationId, leader, assignor: assignor.name });
      return { generationId: join.generationId, memberId: join.memberId, leader, assignor, assignment };
    }
  }

  /** The leader's job: decode every member's subscription, look up partition counts, run the assignor. */
  async #assign(assignor: Assignor, joined: ReadonlyArray<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>) {
    const members: AssignorMember[] = joined.map((m) => {
      const s = decodeSubscription(m.metadata);
      const owned: TopicPartitions = new Map();
      for (const tp of s.ownedPartitions) owned.set(tp.topic, [...tp.partitions]);
      return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: s.topics, owned };
    });
    const topics = [...new Set(members.flatMap((m) => m.topics))];
    this.#cluster.invalidate();
    await this.#cluster.refresh(topics).catch(() => undefined);
    const counts = new Map<string, number>();
    for (const t of topics) {
      const meta = this.#cluster.cachedTopic(t);
      if (meta !== undefined) counts.set(t, meta.partitions.length);
    }
    let result = assignor.assign(members, counts);
    if (assignor.rebalance === 'cooperative') result = withholdTransfers(result, members);
    return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(result.get(m.memberId) ?? new Map()) }));
  }

  /** Throws KafkaError (REBALANCE_IN_PROGRESS, …) when the member must rejoin. */
  async heartbeat(): Promise<void> {
    const coordinator = await this.coordinator();
    const r = await coordinator.request(ApiKey.Heartbeat, {
      groupId: this.#options.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.#options.groupInstanceId,
    });
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaError(r.errorCode, `heartbeat of group ${this.#options.groupId}`);
  }

  async commit(offsets: ReadonlyArray<{ topic: string; partition: number; offset: bigint }>): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedMetadata: string }>>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: '' }]);
    const coordinator = await this.coordinator();
    const r = await coordinator.request(ApiKey.OffsetCommit, {
      groupId: this.#options.groupId,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.#options.groupInstanceId,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    });
    for (const t of r.topics) for (const p of t.partitions) if (p.errorCode !== ErrorCode.NONE) throw new KafkaError(p.errorCode, `commit ${t.name}-${p.partitionIndex} for group ${this.#options.groupId}`);
  }

  /** Committed offsets (-1n where none) of the given partitions. */
  async committed(partitions: TopicPartitions): Promise<Map<string, bigint>> {
    const coordinator = await this.coordinator();
    const topics = [...partitions].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    const r = await coordinator.request(ApiKey.OffsetFetch, (v) =>
      v >= 8 ? { groups: [{ groupId: this.#options.groupId, topics }], requireStable: true } : { groupId: this.#options.groupId, topics, requireStable: v >= 7 },
    );
    const group = r.groups.length > 0 ? r.groups[0]! : { errorCode: r.errorCode, topics: r.topics };
    if (group.errorCode !== ErrorCode.NONE) throw new KafkaError(group.errorCode, `fetch offsets of group ${this.#options.groupId}`);
    const out = new Map<string, bigint>();
    for (const t of group.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) throw new KafkaError(p.errorCode, `fetch offset of ${t.name}-${p.partitionIndex}`);
        out.set(`${t.name}\0${p.partitionIndex}`, p.committedOffset);
      }
    }
    return out;
  }

  /**
   * LeaveGroup, so the group rebalances now instead of after the session timeout. Static members
   * (KIP-345) do not leave: a restart within the session timeout gets its partitions back without
   * a rebalance, as Java's consumer does on close.
   */
  async leave(): Promise<void> {
    if (this.memberId === '') return;
    if (this.#options.groupInstanceId !== null) {
      this.memberId = '';
      this.generationId = -1;
      return;
    }
    const coordinator = await this.coordinator();
    await coordinator
      .request(ApiKey.LeaveGroup, {
        groupId: this.#options.groupId,
        memberId: this.memberId,
        members: [{ memberId: this.memberId, groupInstanceId: this.#options.groupInstanceId, reason: 'consumer closed' }],
      })
      .catch((error: unknown) => this.#options.logger.warn('leave group failed', { error: (error as Error).message }));
    this.memberId = '';
    this.generationId = -1;
  }
}
