import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/messages/index.ts';
import type { Clock, Logger, Scheduler } from '../../util/index.ts';
import { ASSIGNORS, type Assignment, type AssignorMember } from './consumer-assignors.ts';
import { ConsumerGroupReplay, groupRecordSet, recordDiff, type RecordSet } from './consumer-group-records.ts';
import type { GroupLog, GroupLogRecord } from './group-log.ts';
import {
  ConsumerGroup,
  ConsumerGroupState,
  assignmentEpochOf,
  copyAssignment,
  isSubset,
  JOIN_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  MemberState,
  reconcile,
  sameAssignment,
  type ConsumerMember,
  type OwnedPartitions,
} from './consumer-group.ts';

/**
 * The KIP-848 consumer rebalance protocol (Kafka's `GroupMetadataManager.consumerGroupHeartbeat`,
 * `consumerGroupLeave`, session and rebalance timeouts, `consumerGroupDescribe`). There are no
 * join/sync barriers: every ConsumerGroupHeartbeat (1) updates the member's subscription, bumping the
 * group epoch when it or the membership or the subscribed topics changed, (2) recomputes the target
 * assignment with the server-side assignor when the group epoch is ahead of it, and (3) moves the
 * member one reconciliation step towards its target: revoke first, then take partitions once their
 * previous owners released them.
 *
 * Every change is written to `__consumer_offsets` as Kafka's KIP-848 records (consumer-group-records.ts)
 * before the heartbeat is answered, and `replay`/`finishLoad` rebuild the groups at broker start.
 */

export interface TopicResolver {
  byName(name: string): { readonly topicId: string; readonly partitions: number } | undefined;
  byId(topicId: string): { readonly name: string; readonly partitions: number } | undefined;
  /** Every topic name, internal ones included: Kafka resolves a subscribed regex against all topics. */
  names(): readonly string[];
}

export interface ConsumerGroupConfig {
  /** group.consumer.session.timeout.ms */
  readonly sessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms */
  readonly heartbeatIntervalMs: number;
  /** group.consumer.assignors: names of ASSIGNORS; the first is the default. */
  readonly assignors: readonly string[];
  /** group.consumer.max.size */
  readonly maxGroupSize: number;
}

export interface ConsumerHeartbeatRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  /** -1 = unchanged since the last heartbeat. */
  readonly rebalanceTimeoutMs: number;
  /** null = unchanged. */
  readonly subscribedTopicNames: readonly string[] | null;
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignor: string | null;
  /** null = unchanged. */
  readonly topicPartitions: OwnedPartitions | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Request version: v1 members choose their own member id (KIP-1082). */
  readonly version: number;
}

export interface ConsumerHeartbeatResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  /** null = unchanged since the last response. */
  readonly assignment: { topicId: string; partitions: number[] }[] | null;
}

export interface DescribedTopicPartitions {
  readonly topicId: string;
  readonly topicName: string;
  readonly partitions: number[];
}

export interface ConsumerGroupDescription {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly groupId: string;
  readonly groupState: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignorName: string;
  readonly members: {
    readonly memberId: string;
    readonly instanceId: string | null;
    readonly rackId: string | null;
    readonly memberEpoch: number;
    readonly clientId: string;
    readonly clientHost: string;
    readonly subscribedTopicNames: string[];
    readonly subscribedTopicRegex: string | null;
    readonly assignment: DescribedTopicPartitions[];
    readonly targetAssignment: DescribedTopicPartitions[];
  }[];
}

/** What the consumer side needs to know about the classic group of the same id (one id namespace). */
export interface ClassicGroups {
  /** 'none' = no classic group; 'empty' = one without members (convertible); 'active' = one with members. */
  classicState(groupId: string): 'none' | 'empty' | 'active';
}

class HeartbeatError extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

const fail = (errorCode: number, message: string): never => {
  throw new HeartbeatError(errorCode, message);
};

function toWire(a: Assignment): { topicId: string; partitions: number[] }[] {
  return [...a]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((p, q) => p - q) }));
}

export class ConsumerGroupCoordinator {
  readonly groups = new Map<string, ConsumerGroup>();
  readonly #config: ConsumerGroupConfig;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #topics: TopicResolver;
  readonly #classic: ClassicGroups;
  readonly #log: GroupLog;
  /** What was last written for each group, and the append in flight (appends of one group are ordered). */
  readonly #persisted = new Map<string, RecordSet>();
  readonly #writes = new Map<string, Promise<boolean>>();
  #replay: ConsumerGroupReplay | undefined;
  #closed = false;

  constructor(config: ConsumerGroupConfig, deps: { clock: Clock; scheduler: Scheduler; logger: Logger; topics: TopicResolver; classic: ClassicGroups; log: GroupLog }) {
    for (const name of config.assignors) if (!ASSIGNORS.has(name)) throw new Error(`unknown consumer group assignor ${name}`);
    if (config.assignors.length === 0) throw new Error('group.consumer.assignors is empty');
    this.#config = config;
    this.#clock = deps.clock;
    this.#scheduler = deps.scheduler;
    this.#logger = deps.logger;
    this.#topics = deps.topics;
    this.#classic = deps.classic;
    this.#log = deps.log;
  }

  close(): void {
    this.#closed = true;
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) {
        m.sessionTimer?.cancel();
        m.rebalanceTimer?.cancel();
      }
    }
  }

  /** A consumer group with members (blocks classic JoinGroup and DeleteGroups). */
  hasMembers(groupId: string): boolean {
    return (this.groups.get(groupId)?.members.size ?? 0) > 0;
  }

  /** Drops an empty consumer group and writes its tombstones (DeleteGroups, offset expiry, a classic member taking over the id). */
  forgetIfEmpty(groupId: string): boolean {
    const g = this.groups.get(groupId);
    if (g === undefined || g.members.size > 0) return false;
    this.groups.delete(groupId);
    this.#persist(g, true);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Persistence

  /** Appends what changed in the group since the last write; `deleted` writes its tombstones. */
  #persist(group: ConsumerGroup, deleted = false): void {
    const before = this.#persisted.get(group.groupId) ?? new Map();
    const after: RecordSet = deleted ? new Map() : groupRecordSet(group);
    const records = recordDiff(before, after);
    if (deleted) this.#persisted.delete(group.groupId);
    else this.#persisted.set(group.groupId, after);
    if (records.length === 0) return;
    const write = this.#log.append(this.#log.partitionFor(group.groupId), records).then(
      () => true,
      (error: unknown) => {
        this.#logger.warn('failed to store consumer group records', { group: group.groupId, error: String(error) });
        // Unknown what reached the log: every key ever in play is marked unwritten, so the next change
        // rewrites the whole state and tombstones whatever it no longer has.
        const unknown: RecordSet = new Map();
        for (const set of [before, after, this.#persisted.get(group.groupId) ?? new Map<string, GroupLogRecord>()]) {
          for (const [k, r] of set) unknown.set(k, { key: r.key, value: null });
        }
        this.#persisted.set(group.groupId, unknown);
        return false;
      },
    );
    this.#writes.set(group.groupId, write);
    void write.finally(() => {
      if (this.#writes.get(group.groupId) === write) this.#writes.delete(group.groupId);
    });
  }

  /**
   * ConsumerGroupHeartbeat as the broker serves it: answered once the records of the change are in
   * the log (Kafka answers after the coordinator's write commits); COORDINATOR_NOT_AVAILABLE if the
   * write failed, and the member retries.
   */
  async heartbeatAndStore(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const result = this.heartbeat(req);
    const write = this.#writes.get(req.groupId);
    if (write !== undefined && !(await write)) {
      return { ...result, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'The group records could not be written.', assignment: null };
    }
    return result;
  }

  /** One record of `__consumer_offsets` at load; false when it is not a consumer group record. */
  replay(key: Buffer, value: Buffer | null): boolean {
    this.#replay ??= new ConsumerGroupReplay();
    return this.#replay.replay(key, value);
  }

  /** After the log replay: installs the groups; their members must heartbeat within a session, as after a failover. */
  finishLoad(): void {
    const replay = this.#replay;
    this.#replay = undefined;
    if (replay === undefined) return;
    for (const group of replay.groups(this.#clock.now())) {
      this.groups.set(group.groupId, group);
      this.#persisted.set(group.groupId, groupRecordSet(group));
      group.subscriptionSignature = this.#subscriptionSignature(group);
      for (const m of group.members.values()) {
        this.#scheduleSession(group, m);
        if (m.state === MemberState.UnrevokedPartitions) this.#scheduleRebalanceTimeout(group, m, { ...m, state: MemberState.Stable });
      }
    }
    if (this.groups.size > 0) this.#logger.info('loaded consumer groups', { groups: this.groups.size });
  }

  // -------------------------------------------------------------------------------------------
  // ConsumerGroupHeartbeat

  heartbeat(req: ConsumerHeartbeatRequest): ConsumerHeartbeatResult {
    try {
      if (this.#closed) fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is shutting down.');
      this.#validate(req);
      if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return this.#leave(req);
      return this.#heartbeat(req);
    } catch (error) {
      if (!(error instanceof HeartbeatError)) throw error;
      return { errorCode: error.errorCode, errorMessage: error.message, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
    }
  }

  /** Kafka's `throwIfConsumerGroupHeartbeatRequestIsInvalid`. */
  #validate(req: ConsumerHeartbeatRequest): void {
    if (req.groupId === '') fail(ErrorCode.INVALID_REQUEST, "GroupId can't be empty.");
    if (req.instanceId === '') fail(ErrorCode.INVALID_REQUEST, "InstanceId can't be empty.");
    if (req.rackId === '') fail(ErrorCode.INVALID_REQUEST, "RackId can't be empty.");
    if (req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (req.memberId === '') fail(ErrorCode.INVALID_REQUEST, "MemberId can't be empty.");
    } else if (req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
      // KIP-1082: from v1 the member generates its id and keeps it across rejoins.
      if (req.version >= 1 && req.memberId === '') fail(ErrorCode.INVALID_REQUEST, "MemberId can't be empty.");
      if (req.rebalanceTimeoutMs === -1) fail(ErrorCode.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.');
      if (req.topicPartitions === null || req.topicPartitions.length > 0) fail(ErrorCode.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.');
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
        fail(ErrorCode.INVALID_REQUEST, 'SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
      }
    } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (req.memberId === '') fail(ErrorCode.INVALID_REQUEST, "MemberId can't be empty.");
      if (req.instanceId === null) fail(ErrorCode.INVALID_REQUEST, "InstanceId can't be null.");
    } else {
      fail(ErrorCode.INVALID_REQUEST, 'MemberEpoch is invalid.');
    }
    if (req.serverAssignor !== null && !this.#config.assignors.includes(req.serverAssignor)) {
      fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${this.#config.assignors.join(', ')}.`);
    }
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== '') {
      try {
        new RegExp(req.subscribedTopicRegex, 'u');
      } catch {
        // Kafka's GroupMetadataManager compiles it with RE2J and answers INVALID_REGULAR_EXPRESSION (KIP-848).
        fail(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex ${req.subscribedTopicRegex} is not a valid regular expression.`);
      }
    }
  }

  /** Kafka's `getOrMaybeCreateConsumerGroup`: classic and consumer groups share one id namespace. */
  #groupFor(req: ConsumerHeartbeatRequest): ConsumerGroup {
    const existing = this.groups.get(req.groupId);
    if (existing !== undefined) return existing;
    const classic = this.#classic.classicState(req.groupId);
    // An empty classic group (offsets only) becomes a consumer group, keeping its offsets, as Kafka
    // converts it; one with members stays classic (no online migration of KIP-848 here).
    if (classic === 'active') fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`);
    // Groups survive restarts (they are replayed from the log), so as in Kafka a heartbeat for a group
    // that does not exist is not a member that merely needs to rejoin.
    if (req.memberEpoch !== JOIN_GROUP_MEMBER_EPOCH) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${req.groupId} not found.`);
    const group = new ConsumerGroup(req.groupId, this.#clock.now());
    this.groups.set(req.groupId, group);
    return group;
  }

  #heartbeat(req: ConsumerHeartbeatRequest): ConsumerHeartbeatResult {
    const now = this.#clock.now();
    const group = this.#groupFor(req);
    const joining = req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
    const memberId = req.memberId === '' ? randomUUID() : req.memberId;
    if (joining && !group.members.has(memberId) && !(req.instanceId !== null && group.staticMembers.has(req.instanceId)) && group.members.size >= this.#config.maxGroupSize) {
      fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.#config.maxGroupSize} members.`);
    }
    const member = req.instanceId === null ? this.#dynamicMember(group, req, memberId) : this.#staticMember(group, req, memberId);
    const isNew = !group.members.has(member.memberId);

    const updated: ConsumerMember = {
      ...member,
      instanceId: req.instanceId ?? member.instanceId,
      rackId: req.rackId ?? member.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
      serverAssignor: req.serverAssignor ?? member.serverAssignor,
      subscribedTopicNames: req.subscribedTopicNames ?? member.subscribedTopicNames,
      subscribedTopicRegex: req.subscribedTopicRegex !== null ? (req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex) : member.subscribedTopicRegex,
      clientId: req.clientId,
      clientHost: req.clientHost,
    };
    // 1. Group epoch: bump on a new member, a changed subscription or assignor, or changed topic metadata.
    let bump =
      isNew ||
      updated.serverAssignor !== member.serverAssignor ||
      updated.subscribedTopicRegex !== member.subscribedTopicRegex ||
      [...new Set(updated.subscribedTopicNames)].sort().join('\u0000') !== [...new Set(member.subscribedTopicNames)].sort().join('\u0000');
    group.updateMember(updated, group.members.get(member.memberId));
    const signature = this.#subscriptionSignature(group);
    if (signature !== group.subscriptionSignature) {
      group.subscriptionSignature = signature;
      bump = true;
    }
    if (bump) {
      group.groupEpoch += 1;
      this.#logger.info('consumer group epoch bumped', { group: group.groupId, epoch: group.groupEpoch });
    }
    // 2. Target assignment, when the group epoch moved past it.
    if (group.groupEpoch > group.assignmentEpoch) this.#computeTargetAssignment(group);
    // 3. Reconcile this member one step.
    const target = group.targetAssignment.get(updated.memberId) ?? new Map();
    let current = group.members.get(updated.memberId)!;
    if (!(current.memberEpoch === group.assignmentEpoch && current.state === MemberState.Stable)) {
      const next = reconcile(current, group.assignmentEpoch, target, req.topicPartitions, (t, p) => group.currentPartitionEpoch(t, p));
      if (next !== current) {
        group.updateMember(next, current);
        this.#scheduleRebalanceTimeout(group, next, current);
        current = next;
      }
    }
    this.#scheduleSession(group, current);
    this.#persist(group);
    const isFull = joining || (req.rebalanceTimeoutMs !== -1 && (req.subscribedTopicNames !== null || req.subscribedTopicRegex !== null) && req.topicPartitions !== null);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: current.memberId,
      memberEpoch: current.memberEpoch,
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      assignment: isFull || !sameAssignment(member.assigned, current.assigned) || isNew ? toWire(current.assigned) : null,
    };
  }

  #newMember(memberId: string, req: ConsumerHeartbeatRequest): ConsumerMember {
    return {
      memberId,
      instanceId: req.instanceId,
      rackId: null,
      clientId: req.clientId,
      clientHost: req.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: [],
      subscribedTopicRegex: null,
      serverAssignor: null,
      memberEpoch: 0,
      previousMemberEpoch: 0,
      state: MemberState.Stable,
      assigned: new Map(),
      pendingRevocation: new Map(),
    };
  }

  /** Kafka's `getOrMaybeSubscribeDynamicConsumerGroupMember` + `throwIfMemberEpochIsInvalid`. */
  #dynamicMember(group: ConsumerGroup, req: ConsumerHeartbeatRequest, memberId: string): ConsumerMember {
    const member = group.members.get(memberId);
    if (req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
      // A member rejoining with epoch 0 (after being fenced, or a retried first heartbeat) starts over
      // from nothing but keeps its id; what it owned is released.
      if (member === undefined) return this.#newMember(memberId, req);
      const restarted = { ...member, memberEpoch: 0, previousMemberEpoch: 0, state: MemberState.Stable, assigned: new Map(), pendingRevocation: new Map() } satisfies ConsumerMember;
      group.updateMember(restarted, member);
      return restarted;
    }
    if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
    this.#checkEpoch(member!, req);
    return member!;
  }

  #checkEpoch(member: ConsumerMember, req: ConsumerHeartbeatRequest): void {
    if (req.memberEpoch > member.memberEpoch) fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${req.memberEpoch}) than the one known by the group coordinator (${member.memberEpoch}).`);
    // A member one epoch behind whose owned partitions are a subset of its assignment only lost the
    // response that bumped its epoch; anything else is fenced.
    if (req.memberEpoch < member.memberEpoch && (req.memberEpoch !== member.previousMemberEpoch || !isSubset(req.topicPartitions, member.assigned))) {
      fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${req.memberEpoch}) than the one known by the group coordinator (${member.memberEpoch}).`);
    }
  }

  /** Kafka's `getOrMaybeSubscribeStaticConsumerGroupMember`: a restarted static member takes over its slot. */
  #staticMember(group: ConsumerGroup, req: ConsumerHeartbeatRequest, memberId: string): ConsumerMember {
    const instanceId = req.instanceId as string;
    const existingId = group.staticMembers.get(instanceId);
    const existing = existingId === undefined ? undefined : group.members.get(existingId);
    if (req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
      if (existing === undefined) return this.#newMember(memberId, req);
      if (existing.memberId === memberId) return this.#dynamicMember(group, req, memberId);
      if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        fail(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${existing.memberId} with instance id ${instanceId} is not released yet.`);
      }
      // The new process inherits the old member's assignment and target; no rebalance.
      existing.sessionTimer?.cancel();
      existing.rebalanceTimer?.cancel();
      const target = group.targetAssignment.get(existing.memberId);
      group.removeMember(existing.memberId, this.#clock.now());
      const replacement: ConsumerMember = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0, sessionTimer: undefined, rebalanceTimer: undefined };
      group.updateMember(replacement);
      if (target !== undefined) group.targetAssignment.set(memberId, target);
      return replacement;
    }
    if (existing === undefined || existing.memberId !== memberId) {
      const member = group.members.get(memberId);
      if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
      fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by another member.`);
    }
    this.#checkEpoch(existing!, req);
    return existing!;
  }

  /** Kafka's `consumerGroupLeave` / `consumerGroupStaticMemberGroupLeave`. */
  #leave(req: ConsumerHeartbeatRequest): ConsumerHeartbeatResult {
    const group = this.groups.get(req.groupId);
    if (group === undefined) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${req.groupId} not found.`);
    let member = group!.members.get(req.memberId);
    if (member === undefined && req.instanceId !== null) {
      const id = group!.staticMembers.get(req.instanceId);
      if (id !== undefined && id !== req.memberId) fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${req.memberId} was fenced.`);
    }
    if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
    member = member!;
    const done = (epoch: number): ConsumerHeartbeatResult => ({ errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: epoch, heartbeatIntervalMs: 0, assignment: null });
    if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH && member.instanceId !== null) {
      // A static member going away temporarily keeps its partitions until its session ends.
      group!.updateMember({ ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH }, member);
      this.#persist(group!);
      this.#logger.info('static consumer group member left temporarily', { group: req.groupId, member: req.memberId });
      return done(LEAVE_GROUP_STATIC_MEMBER_EPOCH);
    }
    this.#removeMember(group!, member, 'left the group');
    return done(LEAVE_GROUP_MEMBER_EPOCH);
  }

  /** Removing a member frees its partitions and bumps the group epoch: the next heartbeat reassigns. */
  #removeMember(group: ConsumerGroup, member: ConsumerMember, why: string): void {
    member.sessionTimer?.cancel();
    member.rebalanceTimer?.cancel();
    group.removeMember(member.memberId, this.#clock.now());
    group.groupEpoch += 1;
    group.subscriptionSignature = this.#subscriptionSignature(group);
    this.#persist(group);
    this.#logger.info(`consumer group member ${why}`, { group: group.groupId, member: member.memberId, epoch: group.groupEpoch });
  }

  #scheduleSession(group: ConsumerGroup, member: ConsumerMember): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = this.#scheduler.schedule(this.#config.sessionTimeoutMs, () => {
      const current = group.members.get(member.memberId);
      if (current === undefined || this.groups.get(group.groupId) !== group) return;
      this.#removeMember(group, current, 'session expired');
    });
  }

  /** A member asked to revoke must do so within its rebalance timeout, or it is fenced (Kafka's `scheduleConsumerGroupRebalanceTimeout`). */
  #scheduleRebalanceTimeout(group: ConsumerGroup, next: ConsumerMember, previous: ConsumerMember): void {
    if (next.state !== MemberState.UnrevokedPartitions) {
      previous.rebalanceTimer?.cancel();
      next.rebalanceTimer = undefined;
      return;
    }
    if (previous.state === MemberState.UnrevokedPartitions && previous.memberEpoch === next.memberEpoch && previous.rebalanceTimer !== undefined) return;
    previous.rebalanceTimer?.cancel();
    const epoch = next.memberEpoch;
    next.rebalanceTimer = this.#scheduler.schedule(next.rebalanceTimeoutMs, () => {
      const current = group.members.get(next.memberId);
      if (current === undefined || current.state !== MemberState.UnrevokedPartitions || current.memberEpoch !== epoch) return;
      this.#removeMember(group, current, 'fenced: partitions not revoked within the rebalance timeout');
    });
  }

  // -------------------------------------------------------------------------------------------
  // Subscriptions and the target assignment

  /** Topic ids a member subscribes to that exist (names, or a regex matched against whole names as RE2J's `matches` does). */
  #subscribedTopicIds(member: ConsumerMember): Set<string> {
    const ids = new Set<string>();
    for (const name of member.subscribedTopicNames) {
      const t = this.#topics.byName(name);
      if (t !== undefined) ids.add(t.topicId);
    }
    if (member.subscribedTopicRegex !== null) {
      // JavaScript RegExp stands in for Kafka's RE2J: the same for the common syntax (., *, [a-z], |, groups).
      const re = new RegExp(`^(?:${member.subscribedTopicRegex})$`, 'u');
      for (const name of this.#topics.names()) {
        if (!re.test(name)) continue;
        const t = this.#topics.byName(name);
        if (t !== undefined) ids.add(t.topicId);
      }
    }
    return ids;
  }

  /** The subscribed topics with their ids and partition counts; a change (topic created, grown, re-created) bumps the epoch. */
  #subscriptionSignature(group: ConsumerGroup): string {
    const ids = new Set<string>();
    for (const m of group.members.values()) for (const id of this.#subscribedTopicIds(m)) ids.add(id);
    return [...ids]
      .sort()
      .map((id) => `${id}:${this.#topics.byId(id)?.partitions ?? 0}`)
      .join(',');
  }

  /** Kafka's `TargetAssignmentBuilder`: the assignor's answer for every member, stamped with the group epoch. */
  #computeTargetAssignment(group: ConsumerGroup): void {
    const assignor = ASSIGNORS.get(group.preferredAssignor(this.#config.assignors[0]!))!;
    const counts = new Map<string, number>();
    const members: AssignorMember[] = [...group.members.values()].map((m) => {
      const topicIds = this.#subscribedTopicIds(m);
      for (const id of topicIds) counts.set(id, this.#topics.byId(id)?.partitions ?? 0);
      return { memberId: m.memberId, topicIds, previous: group.targetAssignment.get(m.memberId) ?? new Map() };
    });
    const result = assignor.assign(members, counts);
    group.targetAssignment.clear();
    for (const [memberId, a] of result) group.targetAssignment.set(memberId, copyAssignment(a));
    group.assignmentEpoch = group.groupEpoch;
    this.#logger.info('consumer group target assignment computed', { group: group.groupId, epoch: group.groupEpoch, assignor: assignor.name });
  }

  // -------------------------------------------------------------------------------------------
  // Offsets, describe, list

  /**
   * Kafka's `ConsumerGroup.validateOffsetCommit` (4.3, KIP-1251): undefined = the request may go on.
   * Epoch -1 without a member id (admin, assign()) only while the group has no members; an epoch
   * newer than the member's is STALE_MEMBER_EPOCH; an older one is checked per partition by
   * `partitionCommitError` (a member that has not yet seen its new epoch commits with the old one).
   */
  validateOffsetCommit(groupId: string, memberId: string, memberEpoch: number, apiVersion?: number): number | undefined {
    const group = this.groups.get(groupId);
    if (group === undefined) return undefined;
    if (memberEpoch < 0 && memberId === '' && group.members.size === 0) return undefined;
    const member = group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    // Only v9 carries a member epoch rather than a generation.
    if (apiVersion !== undefined && apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
    if (memberEpoch > member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return undefined;
  }

  /**
   * Per partition, after `validateOffsetCommit` passed: a commit with an epoch older than the
   * member's is accepted for a partition the member holds (assigned or pending revocation) since
   * that epoch or earlier, STALE_MEMBER_EPOCH otherwise (Kafka's assignment-epoch validator).
   */
  partitionCommitError(groupId: string, memberId: string, memberEpoch: number, topic: string, partition: number): number | undefined {
    const member = this.groups.get(groupId)?.members.get(memberId);
    if (member === undefined || memberEpoch >= member.memberEpoch) return undefined;
    const topicId = this.#topics.byName(topic)?.topicId;
    const since = topicId === undefined ? undefined : assignmentEpochOf(member, topicId, partition);
    return since === undefined || memberEpoch < since ? ErrorCode.STALE_MEMBER_EPOCH : undefined;
  }

  /** Kafka's `ConsumerGroup.validateOffsetFetch`: epoch -1 (admin tools, classic clients) may always read. */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number | undefined {
    const group = this.groups.get(groupId);
    if (group === undefined || memberEpoch === -1) return undefined;
    const member = memberId === null ? undefined : group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return undefined;
  }

  /** Topics some member subscribes to (OffsetDelete refuses their offsets: GROUP_SUBSCRIBED_TO_TOPIC). */
  subscribedTopicNames(groupId: string): Set<string> | undefined {
    const group = this.groups.get(groupId);
    if (group === undefined) return undefined;
    const names = new Set<string>();
    for (const m of group.members.values()) for (const id of this.#subscribedTopicIds(m)) names.add(this.#topics.byId(id)?.name ?? id);
    return names;
  }

  /** ConsumerGroupDescribe; a classic group or an unknown id is GROUP_ID_NOT_FOUND, as Kafka answers. */
  describe(groupId: string): ConsumerGroupDescription {
    const group = this.groups.get(groupId);
    const error = (errorCode: number, errorMessage: string): ConsumerGroupDescription => ({
      errorCode,
      errorMessage,
      groupId,
      groupState: ConsumerGroupState.Dead,
      groupEpoch: -1,
      assignmentEpoch: -1,
      assignorName: '',
      members: [],
    });
    if (this.#closed) return error(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is shutting down.');
    if (groupId === '') return error(ErrorCode.INVALID_GROUP_ID, 'The group id is empty.');
    if (group === undefined) return error(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
    const named = (a: Assignment): DescribedTopicPartitions[] =>
      toWire(a).map((tp) => ({ topicId: tp.topicId, topicName: this.#topics.byId(tp.topicId)?.name ?? '', partitions: tp.partitions }));
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId,
      groupState: group.state(),
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: group.preferredAssignor(this.#config.assignors[0]!),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: named(m.assigned),
        targetAssignment: named(group.targetAssignment.get(m.memberId) ?? new Map()),
      })),
    };
  }

  list(): { groupId: string; state: string }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, state: g.state() }));
  }
}
