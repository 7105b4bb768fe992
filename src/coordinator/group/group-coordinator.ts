import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/messages/index.ts';
import type { Clock, Logger, Scheduler } from '../../util/index.ts';
import { ClassicGroup, GroupState, type Member } from './classic-group.ts';
import { ConsumerGroupCoordinator, type ConsumerGroupConfig, type TopicResolver } from './consumer-group-coordinator.ts';
import type { GroupLog } from './group-log.ts';
import { GroupOffsets } from './group-offsets.ts';
import { describeGroup, deleteGroups, listGroups } from './group-admin.ts';
import { groupRecord } from './group-records.ts';
import { joinError, Rebalancer, syncError } from './rebalance.ts';
import type { GroupDescription, GroupListing, HeartbeatRequest, JoinRequest, JoinResult, LeaveResult, LeavingMember, SyncRequest, SyncResult } from './types.ts';

const EMPTY = Buffer.alloc(0);

export { joinError, syncError };

export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms / group.max.session.timeout.ms */
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: how long a group leaving Empty waits for more members. */
  readonly initialRebalanceDelayMs: number;
  /** group.max.size */
  readonly maxGroupSize: number;
  /** offsets.retention.minutes, in ms */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (Kafka default 4096) */
  readonly maxMetadataBytes: number;
  /** Kafka's `group.coordinator.new.member.join.timeout.ms` (5 minutes, KIP-394). */
  readonly newMemberJoinTimeoutMs?: number;
  /** KIP-848 consumer groups (group.consumer.*); Kafka's defaults when absent. */
  readonly consumer?: ConsumerGroupConfig;
}

const NO_TOPICS: TopicResolver = { byName: () => undefined, byId: () => undefined, names: () => [] };

export interface GroupCoordinatorDeps {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly log: GroupLog;
  /** Topic names, ids and partition counts for KIP-848 assignments; none when absent (tests of classic groups). */
  readonly topics?: TopicResolver;
}

const sameProtocols = (a: readonly { name: string; metadata: Buffer }[], b: readonly { name: string; metadata: Buffer }[]): boolean =>
  a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));

/**
 * The classic group coordinator (Kafka's `GroupCoordinator` / `GroupMetadataManager`, and the
 * `ClassicGroup` state machine of the new group-coordinator module): Empty → PreparingRebalance →
 * CompletingRebalance → Stable, and Dead once deleted or expired. JoinGroup and SyncGroup park until
 * the phase they wait for ends; a timer per member expires sessions; group state and offsets are
 * written to the GroupLog (`__consumer_offsets`) and loaded back by `load()`.
 *
 * Single-threaded by construction: every method runs on the event loop, state changes are
 * synchronous, and only log appends are awaited. Results are Kafka error codes, never exceptions.
 */
export class GroupCoordinator {
  readonly groups = new Map<string, ClassicGroup>();
  readonly offsets: GroupOffsets;
  /** KIP-848 groups (ConsumerGroupHeartbeat); they share the group id namespace with the classic ones here. */
  readonly consumer: ConsumerGroupCoordinator;
  readonly #config: Required<Omit<GroupCoordinatorConfig, 'consumer'>>;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #log: GroupLog;
  readonly #rebalance: Rebalancer;
  #closed = false;

  constructor(config: GroupCoordinatorConfig, deps: GroupCoordinatorDeps) {
    this.#config = { newMemberJoinTimeoutMs: 5 * 60_000, ...config };
    this.#clock = deps.clock;
    this.#scheduler = deps.scheduler;
    this.#logger = deps.logger;
    this.#log = deps.log;
    this.consumer = new ConsumerGroupCoordinator(
      config.consumer ?? { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5_000, assignors: ['uniform', 'range'], maxGroupSize: config.maxGroupSize },
      {
        clock: deps.clock,
        scheduler: deps.scheduler,
        logger: deps.logger,
        topics: deps.topics ?? NO_TOPICS,
        log: deps.log,
        classic: {
          classicState: (groupId) => {
            const g = this.groups.get(groupId);
            if (g === undefined || g.is(GroupState.Dead)) return 'none';
            return g.members.size > 0 || g.pendingMembers.size > 0 ? 'active' : 'empty';
          },
        },
      },
    );
    this.offsets = new GroupOffsets(this, this.#config, deps);
    this.#rebalance = new Rebalancer({
      clock: deps.clock,
      scheduler: deps.scheduler,
      logger: deps.logger,
      initialRebalanceDelayMs: this.#config.initialRebalanceDelayMs,
      newMemberJoinTimeoutMs: this.#config.newMemberJoinTimeoutMs,
      storeGroup: (group) => this.storeGroup(group),
      subscribedTopicsOf: (group) => this.offsets.subscribedTopicsOf(group),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Reads every group and offset back from the log (broker start), then starts the retention sweep. */
  async load(): Promise<void> {
    await this.offsets.load();
    this.offsets.startExpiration();
  }

  /** Stops timers and answers parked requests, so the network layer can drain (broker shutdown). */
  close(): void {
    this.#closed = true;
    this.offsets.stopExpiration();
    this.consumer.close();
    for (const group of this.groups.values()) {
      group.joinTimer?.cancel();
      group.syncTimer?.cancel();
      for (const t of group.pendingMembers.values()) t.cancel();
      for (const m of group.members.values()) {
        m.sessionTimer?.cancel();
        const jw = m.joinWaiter;
        const sw = m.syncWaiter;
        m.joinWaiter = m.syncWaiter = undefined;
        jw?.(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
        sw?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
    }
  }

  /** The group, created Empty when asked (JoinGroup with no member id, a simple offset commit). */
  group(groupId: string, create = false): ClassicGroup | undefined {
    let group = this.groups.get(groupId);
    if (group === undefined && create) {
      group = new ClassicGroup(groupId, this.#clock.now());
      this.groups.set(groupId, group);
    }
    return group;
  }

  // -------------------------------------------------------------------------------------------
  // JoinGroup

  join(req: JoinRequest): Promise<JoinResult> {
    return new Promise((resolve) => this.#join(req, resolve));
  }

  #join(req: JoinRequest, respond: (r: JoinResult) => void): void {
    const fail = (code: number): void => respond(joinError(code, req.memberId));
    if (this.#closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (req.sessionTimeoutMs < this.#config.minSessionTimeoutMs || req.sessionTimeoutMs > this.#config.maxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    // One id namespace: a KIP-848 group with members refuses classic members (Kafka without online
    // migration); an empty one is dropped and the id becomes classic again, its offsets kept.
    if (this.consumer.hasMembers(req.groupId)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    this.consumer.forgetIfEmpty(req.groupId);
    const isUnknown = req.memberId === '';
    const group = this.group(req.groupId, isUnknown);
    if (group === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const known = group.members.has(req.memberId) || group.pendingMembers.has(req.memberId);
    const staticKnown = req.groupInstanceId !== null && group.staticMembers.has(req.groupInstanceId);
    if (!known && !staticKnown && group.members.size + group.pendingMembers.size >= this.#config.maxGroupSize) {
      return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
    }
    if (isUnknown) this.#joinNewMember(group, req, respond);
    else this.#joinKnownMember(group, req, respond);
    if (group.is(GroupState.PreparingRebalance)) this.#rebalance.tryCompleteJoin(group);
  }

  #joinNewMember(group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void): void {
    if (group.is(GroupState.Dead)) return respond(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, ''));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, ''));
    // Kafka's member id: client id, a dash, a UUID (a client id may be empty).
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) return this.#joinStaticMember(group, req, memberId, respond);
    if (req.requireKnownMemberId) {
      // KIP-394: hand out the id and wait for the member to join with it. The id expires like a session,
      // so a client that never comes back does not hold up the next rebalance for ever.
      const timer = this.#scheduler.schedule(req.sessionTimeoutMs, () => this.#expirePending(group, memberId));
      group.pendingMembers.set(memberId, timer);
      return respond(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    this.#addMemberAndRebalance(group, req, memberId, respond);
  }

  /** KIP-345: a static member (group.instance.id) that restarts keeps its slot and assignment. */
  #joinStaticMember(group: ClassicGroup, req: JoinRequest, newMemberId: string, respond: (r: JoinResult) => void): void {
    const instanceId = req.groupInstanceId as string;
    const oldMemberId = group.staticMembers.get(instanceId);
    if (oldMemberId === undefined) return this.#addMemberAndRebalance(group, req, newMemberId, respond);
    const member = group.members.get(oldMemberId) as Member;
    // The old process, if still alive, is fenced: its parked requests and later calls get FENCED_INSTANCE_ID.
    const oldJoin = member.joinWaiter;
    const oldSync = member.syncWaiter;
    member.joinWaiter = member.syncWaiter = undefined;
    oldJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    oldSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const previousLeader = group.leaderId;
    group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    if (group.syncedMembers.delete(oldMemberId)) group.syncedMembers.add(newMemberId);
    this.#updateMember(member, req);
    this.#rebalance.scheduleSession(group, member);
    const isLeader = group.leaderId === newMemberId;
    const current = (skipAssignment: boolean): JoinResult => ({
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: newMemberId,
      members: isLeader ? group.memberList() : [],
      skipAssignment,
    });
    if (group.is(GroupState.Stable)) {
      // Kafka (GroupMetadataManager.updateStaticMemberThenRebalanceOrCompleteJoin) rebalances only when
      // the group's selected protocol would change, not when the member's metadata bytes differ: a
      // restarted Java consumer always sends other bytes (ConsumerProtocolSubscription v1+ carries its
      // owned partitions and generation, empty and -1 after a restart), and comparing them made every
      // Java static member's restart a rebalance, which is what KIP-345 exists to avoid.
      if (group.selectProtocol() !== group.protocolName) return this.#rejoinAndRebalance(group, member, respond);
      // No rebalance. The new member id is persisted first, as Kafka does, so a coordinator restart
      // does not resurrect the fenced id. From v9 the leader is told not to reassign (KIP-814);
      // before v9 Kafka names the leader as it was before the replacement and sends no members, so a
      // rejoining leader acts as a follower and just syncs its current assignment.
      const answer = req.supportsSkipAssignment === true ? current(isLeader) : { ...current(false), leader: previousLeader ?? '', members: [] };
      void this.storeGroup(group).then((ok) => respond(ok ? answer : joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, newMemberId)));
      return;
    }
    if (group.is(GroupState.CompletingRebalance)) {
      // Kafka rebalances here: the leader may already have been sent the old member id, and its
      // assignment, keyed by that id, would give the new member id nothing.
      return this.#rejoinAndRebalance(group, member, respond);
    }
    // PreparingRebalance: wait with everyone else.
    member.joinWaiter = respond;
  }

  #joinKnownMember(group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void): void {
    const fail = (code: number): void => respond(joinError(code, req.memberId));
    if (group.is(GroupState.Dead)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const pending = group.pendingMembers.get(req.memberId);
    if (pending !== undefined) {
      pending.cancel();
      group.pendingMembers.delete(req.memberId);
      return this.#addMemberAndRebalance(group, req, req.memberId, respond);
    }
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(req.memberId);
    if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const current = (): JoinResult => ({
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: group.leaderId === member.memberId ? group.memberList() : [],
      skipAssignment: false,
    });
    switch (group.state) {
      case GroupState.PreparingRebalance:
        this.#updateMember(member, req);
        return this.#rejoinAndRebalance(group, member, respond);
      case GroupState.CompletingRebalance:
        // A retried JoinGroup of this generation gets the same answer; changed metadata starts over.
        if (sameProtocols(member.protocols, req.protocols)) return respond(current());
        this.#updateMember(member, req);
        return this.#rejoinAndRebalance(group, member, respond);
      case GroupState.Stable:
        // The leader rejoining, or a member whose subscription changed, means a new assignment is needed.
        if (group.leaderId !== member.memberId && sameProtocols(member.protocols, req.protocols)) {
          this.#rebalance.scheduleSession(group, member);
          return respond(current());
        }
        this.#updateMember(member, req);
        return this.#rejoinAndRebalance(group, member, respond);
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  #updateMember(member: Member, req: JoinRequest): void {
    member.protocols = req.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
    member.protocolType = req.protocolType;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  }

  #rejoinAndRebalance(group: ClassicGroup, member: Member, respond: (r: JoinResult) => void): void {
    const previous = member.joinWaiter;
    member.joinWaiter = respond;
    // Two JoinGroups in flight for one member: the older one can only be stale.
    previous?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    this.#rebalance.maybePrepareRebalance(group);
  }

  #addMemberAndRebalance(group: ClassicGroup, req: JoinRequest, memberId: string, respond: (r: JoinResult) => void): void {
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      assignment: EMPTY,
      joinWaiter: respond,
      isNew: true,
    };
    if (group.is(GroupState.PreparingRebalance) && group.initialDelay !== undefined) group.initialDelay.newMemberAdded = true;
    group.add(member);
    this.#rebalance.scheduleSession(group, member);
    this.#rebalance.maybePrepareRebalance(group);
  }

  #expirePending(group: ClassicGroup, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return;
    if (group.is(GroupState.PreparingRebalance)) this.#rebalance.tryCompleteJoin(group);
  }

  /** After load: loaded members must heartbeat within their session or be removed, as after a failover. */
  scheduleLoadedSessions(group: ClassicGroup): void {
    this.#rebalance.scheduleLoadedSessions(group);
  }

  // -------------------------------------------------------------------------------------------
  // SyncGroup, Heartbeat, LeaveGroup

  sync(req: SyncRequest): Promise<SyncResult> {
    return new Promise((resolve) => this.#sync(req, resolve));
  }

  #sync(req: SyncRequest, respond: (r: SyncResult) => void): void {
    const fail = (code: number): void => respond(syncError(code));
    if (this.#closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(req.groupId);
    if (group === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is(GroupState.Dead)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(req.memberId);
    if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    // SyncGroup v5 (KIP-559): the client states what it believes was chosen.
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const ok = (assignment: Buffer): SyncResult => ({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment });
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case GroupState.Stable:
        group.syncedMembers.add(member.memberId);
        this.#rebalance.scheduleSession(group, member);
        return respond(ok(member.assignment));
      case GroupState.CompletingRebalance: {
        // A repeated SyncGroup replaces the parked one, which can only be stale.
        member.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.syncWaiter = respond;
        group.syncedMembers.add(member.memberId);
        this.#rebalance.scheduleSession(group, member);
        if (member.memberId !== group.leaderId) return;
        // The leader's bytes are stored and returned exactly; members it left out get empty bytes.
        const byMember = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
        for (const m of group.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY;
        const generation = group.generationId;
        void this.storeGroup(group).then((stored) => {
          if (this.#closed || !group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
          if (!stored) {
            this.#rebalance.propagateAssignmentError(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
            this.#rebalance.prepareRebalance(group);
            return;
          }
          group.transitionTo(GroupState.Stable, this.#clock.now());
          this.#logger.info('group stabilized', { group: group.groupId, generation });
          for (const m of group.members.values()) {
            const waiter = m.syncWaiter;
            m.syncWaiter = undefined;
            waiter?.(ok(m.assignment));
          }
        });
        return;
      }
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  heartbeat(req: HeartbeatRequest): number {
    if (this.#closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(req.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(req.memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        this.#rebalance.scheduleSession(group, member);
        return ErrorCode.NONE;
      case GroupState.PreparingRebalance:
        // The signal to rejoin (the member's session keeps running meanwhile).
        this.#rebalance.scheduleSession(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  /** LeaveGroup; v0-2 send one member, v3+ a batch (KIP-345), and an empty member id removes by instance id. */
  leave(groupId: string, leaving: readonly LeavingMember[]): LeaveResult {
    if (this.#closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    const result = (l: LeavingMember, errorCode: number) => ({ memberId: l.memberId, groupInstanceId: l.groupInstanceId, errorCode });
    if (group === undefined) return { errorCode: ErrorCode.NONE, members: leaving.map((l) => result(l, ErrorCode.UNKNOWN_MEMBER_ID)) };
    if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((l) => {
      if (l.memberId === '') {
        const current = l.groupInstanceId === null ? undefined : group.staticMembers.get(l.groupInstanceId);
        const member = current === undefined ? undefined : group.members.get(current);
        if (member === undefined) return result(l, ErrorCode.UNKNOWN_MEMBER_ID);
        this.#rebalance.removeMemberAndUpdateGroup(group, member);
        return result(l, ErrorCode.NONE);
      }
      const pending = group.pendingMembers.get(l.memberId);
      if (pending !== undefined) {
        pending.cancel();
        this.#expirePending(group, l.memberId);
        return result(l, ErrorCode.NONE);
      }
      if (group.isStaticMemberFenced(l.memberId, l.groupInstanceId)) return result(l, ErrorCode.FENCED_INSTANCE_ID);
      const member = group.members.get(l.memberId);
      if (member === undefined) return result(l, ErrorCode.UNKNOWN_MEMBER_ID);
      this.#logger.info('member left group', { group: groupId, member: l.memberId });
      this.#rebalance.removeMemberAndUpdateGroup(group, member);
      return result(l, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  // -------------------------------------------------------------------------------------------
  // DescribeGroups, ListGroups, DeleteGroups

  describe(groupId: string): GroupDescription {
    return describeGroup(this, groupId);
  }

  list(statesFilter: readonly string[], typesFilter: readonly string[]): GroupListing[] {
    return listGroups(this, statesFilter, typesFilter);
  }

  deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return deleteGroups(this, { log: this.#log, logger: this.#logger }, groupIds);
  }

  /** Moves a group to Dead and drops it (deletion, offset expiry of an empty group). */
  forget(group: ClassicGroup): void {
    group.transitionTo(GroupState.Dead, this.#clock.now());
    this.offsets.dropPending(group.groupId);
    if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
  }

  // -------------------------------------------------------------------------------------------
  // Persistence of the group record

  /** Writes the group's GroupMetadataValue; resolves false when the log refused it. */
  async storeGroup(group: ClassicGroup): Promise<boolean> {
    try {
      await this.#log.append(this.#log.partitionFor(group.groupId), [groupRecord(group)]);
      return true;
    } catch (error) {
      this.#logger.warn('failed to store group metadata', { group: group.groupId, error: String(error) });
      return false;
    }
  }

  /** The `__consumer_offsets` partition holding the group (AddOffsetsToTxn adds it to a transaction). */
  offsetsPartitionFor(groupId: string): number {
    return this.#log.partitionFor(groupId);
  }

  /** Kafka's member-session check for offset commits (`validateCurrentMember`), plus a heartbeat. */
  touchMember(group: ClassicGroup, memberId: string): void {
    const member = group.members.get(memberId);
    if (member !== undefined && member.joinWaiter === undefined && member.syncWaiter === undefined) this.#rebalance.scheduleSession(group, member);
  }
}
