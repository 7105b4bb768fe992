import { ErrorCode } from '../../protocol/messages/index.ts';
import type { Clock, Logger, Scheduler } from '../../util/index.ts';
import { GroupState, type ClassicGroup, type Member } from './classic-group.ts';
import type { JoinResult, SyncResult } from './types.ts';

const EMPTY = Buffer.alloc(0);

export function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [], skipAssignment: false };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

export interface RebalanceDeps {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly initialRebalanceDelayMs: number;
  readonly newMemberJoinTimeoutMs: number;
  /** Persists the group record (GroupMetadataValue); false when the log refused it. */
  storeGroup(group: ClassicGroup): Promise<boolean>;
  subscribedTopicsOf(group: ClassicGroup): ReadonlySet<string> | null;
}

/**
 * The timed half of the classic group state machine: the join phase and its deadlines (Kafka's
 * DelayedJoin and InitialDelayedJoin), the end of a join phase (`onCompleteJoin`: drop who did not
 * rejoin, bump the generation, choose the protocol, answer every parked JoinGroup), the sync
 * deadline (DelayedSync) and member sessions (DelayedHeartbeat). group-coordinator.ts handles the
 * requests and calls in here; everything runs on the event loop, timers included.
 */
export class Rebalancer {
  readonly #deps: RebalanceDeps;

  constructor(deps: RebalanceDeps) {
    this.#deps = deps;
  }

  maybePrepareRebalance(group: ClassicGroup): void {
    if (group.canRebalance()) this.prepareRebalance(group);
  }

  prepareRebalance(group: ClassicGroup): void {
    if (group.is(GroupState.CompletingRebalance)) this.propagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.syncTimer?.cancel();
    group.syncTimer = undefined;
    group.syncedMembers.clear();
    const fromEmpty = group.is(GroupState.Empty);
    group.transitionTo(GroupState.PreparingRebalance, this.#deps.clock.now());
    this.#deps.logger.info('preparing to rebalance group', { group: group.groupId, generation: group.generationId, members: group.members.size });
    if (fromEmpty) {
      // Kafka's InitialDelayedJoin: a new group waits group.initial.rebalance.delay.ms for more members,
      // extended while members keep arriving, up to the rebalance timeout.
      const delay = this.#deps.initialRebalanceDelayMs;
      group.initialDelay = { remainingMs: Math.max(group.rebalanceTimeoutMs() - delay, 0), newMemberAdded: false };
      group.joinTimer = this.#deps.scheduler.schedule(delay, () => this.#onInitialDelay(group));
    } else {
      group.initialDelay = undefined;
      group.joinTimer = this.#deps.scheduler.schedule(group.rebalanceTimeoutMs(), () => this.#completeJoin(group));
      this.tryCompleteJoin(group);
    }
  }

  #onInitialDelay(group: ClassicGroup): void {
    const d = group.initialDelay;
    if (d !== undefined && d.newMemberAdded && d.remainingMs > 0) {
      d.newMemberAdded = false;
      const next = Math.min(this.#deps.initialRebalanceDelayMs, d.remainingMs);
      d.remainingMs = Math.max(d.remainingMs - next, 0);
      group.joinTimer = this.#deps.scheduler.schedule(next, () => this.#onInitialDelay(group));
      return;
    }
    this.#completeJoin(group);
  }

  tryCompleteJoin(group: ClassicGroup): void {
    if (group.is(GroupState.PreparingRebalance) && group.initialDelay === undefined && group.hasAllMembersJoined()) this.#completeJoin(group);
  }

  /** The join phase ends (all joined, or the rebalance timeout): Kafka's `onCompleteJoin`. */
  #completeJoin(group: ClassicGroup): void {
    group.joinTimer?.cancel();
    group.joinTimer = undefined;
    group.initialDelay = undefined;
    if (!group.is(GroupState.PreparingRebalance)) return;
    // Members that did not rejoin in time are out, static ones included.
    for (const m of [...group.members.values()]) {
      if (m.joinWaiter === undefined) {
        m.sessionTimer?.cancel();
        group.remove(m.memberId);
        this.#deps.logger.info('removed member that did not rejoin', { group: group.groupId, member: m.memberId });
      }
    }
    group.generationId++;
    const now = this.#deps.clock.now();
    if (group.members.size === 0) {
      group.protocolName = null;
      group.subscribedTopics = null;
      group.transitionTo(GroupState.Empty, now);
      void this.#deps.storeGroup(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.subscribedTopics = this.#deps.subscribedTopicsOf(group);
    group.transitionTo(GroupState.CompletingRebalance, now);
    this.#deps.logger.info('group joined', { group: group.groupId, generation: group.generationId, protocol: group.protocolName, members: group.members.size });
    for (const m of group.members.values()) {
      const respond = m.joinWaiter as (r: JoinResult) => void;
      m.joinWaiter = undefined;
      m.isNew = false;
      const isLeader = m.memberId === group.leaderId;
      respond({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? '',
        memberId: m.memberId,
        members: isLeader ? group.memberList() : [],
        skipAssignment: false,
      });
      this.scheduleSession(group, m);
    }
    // Kafka's DelayedSync (KIP-814 era): members that never send SyncGroup are removed after the rebalance timeout.
    const generation = group.generationId;
    group.syncTimer = this.#deps.scheduler.schedule(group.rebalanceTimeoutMs(), () => this.#onSyncTimeout(group, generation));
  }

  #onSyncTimeout(group: ClassicGroup, generation: number): void {
    group.syncTimer = undefined;
    if (group.generationId !== generation || !(group.is(GroupState.CompletingRebalance) || group.is(GroupState.Stable))) return;
    const laggards = [...group.members.values()].filter((m) => !group.syncedMembers.has(m.memberId));
    if (laggards.length === 0) return;
    for (const m of laggards) {
      m.sessionTimer?.cancel();
      group.remove(m.memberId);
      m.syncWaiter?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      m.syncWaiter = undefined;
    }
    this.maybePrepareRebalance(group);
  }

  propagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      m.assignment = EMPTY;
      const respond = m.syncWaiter;
      m.syncWaiter = undefined;
      respond?.(syncError(errorCode));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sessions

  scheduleSession(group: ClassicGroup, member: Member): void {
    member.sessionTimer?.cancel();
    const timeout = member.isNew && member.joinWaiter !== undefined ? this.#deps.newMemberJoinTimeoutMs : member.sessionTimeoutMs;
    member.sessionTimer = this.#deps.scheduler.schedule(timeout, () => this.#onSessionExpired(group, member));
  }

  #onSessionExpired(group: ClassicGroup, member: Member): void {
    member.sessionTimer = undefined;
    if (group.members.get(member.memberId) !== member) return;
    // A member parked in JoinGroup or SyncGroup cannot heartbeat; the phase timeouts bound its wait
    // (Kafka's `shouldKeepAlive`), except a new member stuck longer than the new-member join timeout.
    if ((member.joinWaiter !== undefined && !member.isNew) || member.syncWaiter !== undefined) {
      this.scheduleSession(group, member);
      return;
    }
    this.#deps.logger.info('member session expired', { group: group.groupId, member: member.memberId });
    this.removeMemberAndUpdateGroup(group, member);
  }

  removeMemberAndUpdateGroup(group: ClassicGroup, member: Member): void {
    member.sessionTimer?.cancel();
    group.remove(member.memberId);
    const jw = member.joinWaiter;
    const sw = member.syncWaiter;
    member.joinWaiter = member.syncWaiter = undefined;
    jw?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    sw?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance)) this.maybePrepareRebalance(group);
    else if (group.is(GroupState.PreparingRebalance)) this.tryCompleteJoin(group);
  }

  /** After load: loaded members must heartbeat within their session or be removed, as after a failover. */
  scheduleLoadedSessions(group: ClassicGroup): void {
    for (const m of group.members.values()) this.scheduleSession(group, m);
  }
}
