import type { Timer } from '../../util/index.ts';
import type { Assignment } from './consumer-assignors.ts';

/**
 * The in-memory state of one KIP-848 consumer group, after Kafka's `ConsumerGroup`,
 * `ConsumerGroupMember` and `CurrentAssignmentBuilder` (group-coordinator module, package
 * `modern.consumer`). Three epochs drive it:
 * - the group epoch, bumped whenever a subscription, the membership or the subscribed topics' metadata change;
 * - the target assignment epoch: the group epoch the target assignment was computed for;
 * - each member's epoch, which reaches the target assignment epoch once the member owns exactly
 *   what it may own of its target (partitions still held by others stay pending).
 * Pure bookkeeping and reconciliation; timers and the heartbeat live in consumer-group-coordinator.ts.
 */

/** Kafka's `MemberState` (reconciliation state of one member). */
export const MemberState = {
  Stable: 'STABLE',
  /** The member must revoke partitions before it may move to the next epoch. */
  UnrevokedPartitions: 'UNREVOKED_PARTITIONS',
  /** The member is at the target epoch but some of its target partitions are still owned by others. */
  UnreleasedPartitions: 'UNRELEASED_PARTITIONS',
} as const;
export type MemberStateName = (typeof MemberState)[keyof typeof MemberState];

/** Kafka's `ConsumerGroup.ConsumerGroupState`, named as DescribeGroups/ListGroups/ConsumerGroupDescribe print it. */
export const ConsumerGroupState = {
  Empty: 'Empty',
  Assigning: 'Assigning',
  Reconciling: 'Reconciling',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;

/** ConsumerGroupHeartbeat member epochs with a meaning (KIP-848). */
export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

export interface ConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: readonly string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberStateName;
  /** Partitions the member may own now (what the heartbeat response carries). */
  assigned: Assignment;
  /** Partitions the member still owns and must give up before it moves on. */
  pendingRevocation: Assignment;
  /**
   * topic id → partition → the member epoch at which the member got it, for the partitions in
   * `assigned` and `pendingRevocation` (KIP-1251's assignment epochs: an offset commit with an older
   * member epoch is accepted for a partition the member has held since that epoch). Persisted in
   * the current-assignment record (tag 0 of TopicPartitions, as Kafka 4.3); absent for a partition:
   * the member epoch.
   */
  assignmentEpochs?: ReadonlyMap<string, ReadonlyMap<number, number>>;
  sessionTimer?: Timer | undefined;
  /** Runs while the member is in UNREVOKED_PARTITIONS: not revoking in time fences it. */
  rebalanceTimer?: Timer | undefined;
}

export type OwnedPartitions = readonly { readonly topicId: string; readonly partitions: readonly number[] }[];

export function copyAssignment(a: Assignment): Assignment {
  return new Map([...a].map(([t, ps]) => [t, new Set(ps)]));
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  if (a.size !== b.size) return false;
  for (const [t, ps] of a) {
    const other = b.get(t);
    if (other === undefined || other.size !== ps.size) return false;
    for (const p of ps) if (!other.has(p)) return false;
  }
  return true;
}

/** Kafka's `isSubset(ownedTopicPartitions, assignedPartitions)`. */
export function isSubset(owned: OwnedPartitions | null, assigned: Assignment): boolean {
  if (owned === null) return false;
  return owned.every((tp) => tp.partitions.every((p) => assigned.get(tp.topicId)?.has(p) ?? false));
}

export class ConsumerGroup {
  readonly groupId: string;
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  /** instance id → member id (KIP-345 static membership, carried over by KIP-848). */
  readonly staticMembers = new Map<string, string>();
  /** The target assignment of each member, computed for `assignmentEpoch`. */
  readonly targetAssignment = new Map<string, Assignment>();
  /** topic id → partition → epoch of the member owning it (assigned or pending revocation). */
  readonly #partitionEpochs = new Map<string, Map<number, number>>();
  /** The subscribed topics' metadata the target was computed with (name:id:partitions, sorted); a change bumps the group epoch. */
  subscriptionSignature = '';
  /** Set once the group has had members, for the Empty-since time used by offset expiry. */
  emptySince: number;

  constructor(groupId: string, now: number) {
    this.groupId = groupId;
    this.emptySince = now;
  }

  /** Kafka's `ConsumerGroup.state()`, derived from the epochs. */
  state(): string {
    if (this.members.size === 0) return ConsumerGroupState.Empty;
    if (this.groupEpoch !== this.assignmentEpoch) return ConsumerGroupState.Assigning;
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== MemberState.Stable) return ConsumerGroupState.Reconciling;
    }
    return ConsumerGroupState.Stable;
  }

  /** -1 when no member owns the partition (Kafka's `currentPartitionEpoch`). */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.#partitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  #setEpochs(a: Assignment, epoch: number | undefined): void {
    for (const [t, ps] of a) {
      let byPartition = this.#partitionEpochs.get(t);
      if (byPartition === undefined) this.#partitionEpochs.set(t, (byPartition = new Map()));
      for (const p of ps) {
        if (epoch === undefined) byPartition.delete(p);
        else byPartition.set(p, epoch);
      }
      if (byPartition.size === 0) this.#partitionEpochs.delete(t);
    }
  }

  /** Adds or replaces a member, keeping the partition-ownership index in step (Kafka's `updateMember`). */
  updateMember(member: ConsumerMember, previous?: ConsumerMember): void {
    if (previous !== undefined) {
      this.#setEpochs(previous.assigned, undefined);
      this.#setEpochs(previous.pendingRevocation, undefined);
    }
    this.#setEpochs(member.assigned, member.memberEpoch);
    this.#setEpochs(member.pendingRevocation, member.memberEpoch);
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
  }

  /** Removes a member and frees its partitions; its target assignment goes with it. */
  removeMember(memberId: string, now: number): ConsumerMember | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    this.#setEpochs(member.assigned, undefined);
    this.#setEpochs(member.pendingRevocation, undefined);
    this.members.delete(memberId);
    this.targetAssignment.delete(memberId);
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === memberId) this.staticMembers.delete(member.instanceId);
    if (this.members.size === 0) this.emptySince = now;
    return member;
  }

  /**
   * The assignor the group uses (Kafka's `computePreferredServerAssignor`): the one most members ask
   * for, else the broker's default. Ties go to the name seen first.
   */
  preferredAssignor(defaultName: string): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = defaultName;
    let most = 0;
    for (const [name, n] of votes) {
      if (n > most) {
        best = name;
        most = n;
      }
    }
    return best;
  }
}

/**
 * One reconciliation step of a member towards its target (Kafka's `CurrentAssignmentBuilder.build`).
 * Returns the member unchanged (same object) when nothing can progress, else a new member object.
 * `owned` is what the member reported in this heartbeat (null = not sent, treated as still owning all).
 */
export function reconcile(
  member: ConsumerMember,
  targetEpoch: number,
  target: Assignment,
  owned: OwnedPartitions | null,
  currentPartitionEpoch: (topicId: string, partition: number) => number,
): ConsumerMember {
  const ownsAnyOf = (a: Assignment): boolean => owned === null || owned.some((tp) => tp.partitions.some((p) => a.get(tp.topicId)?.has(p) ?? false));
  switch (member.state) {
    case MemberState.Stable:
      return member.memberEpoch === targetEpoch ? member : next(member.memberEpoch);
    case MemberState.UnrevokedPartitions:
      // Revoked once no longer reported as owned; then the member moves to the next epoch.
      return ownsAnyOf(member.pendingRevocation) ? member : next(member.memberEpoch + 1);
    case MemberState.UnreleasedPartitions:
      return next(member.memberEpoch);
  }

  function next(memberEpoch: number): ConsumerMember {
    let unreleased = false;
    const assigned: Assignment = new Map();
    const revoke: Assignment = new Map();
    const toAssign: Assignment = new Map();
    for (const t of new Set([...target.keys(), ...member.assigned.keys()])) {
      const want = target.get(t) ?? new Set<number>();
      const have = member.assigned.get(t) ?? new Set<number>();
      const keep = new Set([...have].filter((p) => want.has(p)));
      const gone = new Set([...have].filter((p) => !keep.has(p)));
      const fresh = new Set<number>();
      for (const p of want) {
        if (keep.has(p)) continue;
        // A partition another member still owns (or revokes) is assigned only once it is released.
        if (currentPartitionEpoch(t, p) !== -1) unreleased = true;
        else fresh.add(p);
      }
      if (keep.size > 0) assigned.set(t, keep);
      if (gone.size > 0) revoke.set(t, gone);
      if (fresh.size > 0) toAssign.set(t, fresh);
    }
    const build = (state: MemberStateName, epoch: number, a: Assignment, pending: Assignment): ConsumerMember => ({
      ...member,
      state,
      previousMemberEpoch: member.memberEpoch,
      memberEpoch: epoch,
      assigned: a,
      pendingRevocation: pending,
      assignmentEpochs: assignmentEpochsFor(member, epoch, [a, pending]),
    });
    if (revoke.size > 0 && ownsAnyOf(revoke)) return build(MemberState.UnrevokedPartitions, memberEpoch, assigned, revoke);
    for (const [t, ps] of toAssign) {
      const s = assigned.get(t);
      if (s === undefined) assigned.set(t, ps);
      else for (const p of ps) s.add(p);
    }
    return build(unreleased ? MemberState.UnreleasedPartitions : MemberState.Stable, targetEpoch, assigned, new Map());
  }
}

/** The epoch at which `member` got `partition` of `topicId`; undefined when it holds no such partition. */
export function assignmentEpochOf(member: ConsumerMember, topicId: string, partition: number): number | undefined {
  const held = (member.assigned.get(topicId)?.has(partition) ?? false) || (member.pendingRevocation.get(topicId)?.has(partition) ?? false);
  if (!held) return undefined;
  return member.assignmentEpochs?.get(topicId)?.get(partition) ?? member.memberEpoch;
}

/** Epochs for the partitions of `holdings` once `member` moves to `epoch`: held ones keep theirs, new ones get `epoch`. */
function assignmentEpochsFor(member: ConsumerMember, epoch: number, holdings: readonly Assignment[]): Map<string, Map<number, number>> {
  const epochs = new Map<string, Map<number, number>>();
  for (const a of holdings) {
    for (const [t, ps] of a) {
      let m = epochs.get(t);
      if (m === undefined) epochs.set(t, (m = new Map()));
      for (const p of ps) m.set(p, assignmentEpochOf(member, t, p) ?? epoch);
    }
  }
  return epochs;
}
