import type { Timer } from '../../util/index.ts';
import type { JoinResult, SyncResult } from './types.ts';

/**
 * The in-memory state of one classic group, after Kafka's `GroupMetadata` / `ClassicGroup`
 * (group-coordinator module): members, static instance ids, generation, selected protocol, leader
 * and committed offsets. Pure bookkeeping; the state transitions and timers live in
 * group-coordinator.ts, which owns every instance.
 */

export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupStateName = (typeof GroupState)[keyof typeof GroupState];

/** Kafka's `ClassicGroupState.validPreviousStates`: a transition from anything else is a bug. */
const VALID_PREVIOUS: Readonly<Record<GroupStateName, readonly GroupStateName[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export interface Protocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: readonly Protocol[];
  assignment: Buffer;
  /** Set while the member's JoinGroup is parked until the join phase ends (Kafka's `awaitingJoinFuture`). */
  joinWaiter?: ((result: JoinResult) => void) | undefined;
  /** Set while the member's SyncGroup waits for the leader's assignment. */
  syncWaiter?: ((result: SyncResult) => void) | undefined;
  /** Joined during the current join phase without a member id (KIP-394's new-member join timeout applies). */
  isNew: boolean;
  /** Session expiry (heartbeats reschedule it). */
  sessionTimer?: Timer | undefined;
}

export interface CommittedOffset {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: bigint;
  /** Only from OffsetCommitValue v1 records (explicit retention); null otherwise. */
  readonly expireTimestamp: bigint | null;
}

export class ClassicGroup {
  readonly groupId: string;
  state: GroupStateName = GroupState.Empty;
  /** When the state last changed (GroupMetadataValue `current_state_timestamp`, KIP-211 expiry). */
  stateTimestamp: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion-ordered: the oldest member becomes leader when the leader leaves, as in Kafka. */
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED (KIP-394) and not yet used to join, with their expiry. */
  readonly pendingMembers = new Map<string, Timer>();
  /** group.instance.id → member id (KIP-345). */
  readonly staticMembers = new Map<string, string>();
  /** Members that sent SyncGroup in the current CompletingRebalance (Kafka's `pendingSyncMembers` complement). */
  readonly syncedMembers = new Set<string>();
  /** topic → partition → commit. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  /** Topics the members subscribe to, from their ConsumerProtocolSubscription; null when unknown. */
  subscribedTopics: ReadonlySet<string> | null = null;
  /** The pending join-phase deadline and the initial-delay bookkeeping (Kafka's DelayedJoin / InitialDelayedJoin). */
  joinTimer: Timer | undefined;
  initialDelay: { remainingMs: number; newMemberAdded: boolean } | undefined;
  syncTimer: Timer | undefined;

  constructor(groupId: string, now: number) {
    this.groupId = groupId;
    this.stateTimestamp = now;
  }

  transitionTo(state: GroupStateName, now: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: invalid transition ${this.state} -> ${state}`);
    }
    this.state = state;
    this.stateTimestamp = now;
  }

  is(state: GroupStateName): boolean {
    return this.state === state;
  }

  /** A rebalance may start from these states (Kafka's `canRebalance`). */
  canRebalance(): boolean {
    return this.is(GroupState.Stable) || this.is(GroupState.CompletingRebalance) || this.is(GroupState.Empty);
  }

  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    this.members.delete(memberId);
    this.syncedMembers.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** KIP-345: a static member rejoining without its member id takes over the old member's slot and assignment. */
  replaceStaticMember(instanceId: string, oldMemberId: string, newMemberId: string): Member {
    const member = this.members.get(oldMemberId);
    if (member === undefined) throw new Error(`group ${this.groupId}: static member ${instanceId} has no member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    this.syncedMembers.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(instanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    return member;
  }

  /**
   * FENCED_INSTANCE_ID check (Kafka's `isStaticMemberFenced`): the instance id is known but mapped to
   * another member id, i.e. a newer process with the same group.instance.id has joined.
   */
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /** Protocols every member supports (Kafka's `candidateProtocols`). */
  candidateProtocols(): Set<string> {
    let candidates: Set<string> | undefined;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      candidates = candidates === undefined ? names : new Set([...candidates].filter((n) => names.has(n)));
    }
    return candidates ?? new Set();
  }

  /** May a member with these protocols join? (Kafka's `supportsProtocols`.) */
  supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /**
   * Kafka's `selectProtocol`: among the protocols all members support, each member votes for the first
   * of them in its own preference order; most votes wins (ties: the earlier vote).
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice !== undefined) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === undefined) throw new Error(`group ${this.groupId}: no protocol supported by every member`);
    return best;
  }

  /** Every known member has a parked JoinGroup and no MEMBER_ID_REQUIRED id is outstanding. */
  hasAllMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (m.joinWaiter === undefined) return false;
    return true;
  }

  /** The longest rebalance timeout of the members: how long the join phase may last. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  metadataOf(member: Member): Buffer {
    const p = member.protocols.find((x) => x.name === this.protocolName);
    return p?.metadata ?? Buffer.alloc(0);
  }

  /** Members' metadata for the chosen protocol, as the leader's JoinGroup response carries it. */
  memberList(): { memberId: string; groupInstanceId: string | null; metadata: Buffer }[] {
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: this.metadataOf(m) }));
  }

  hasOffsets(): boolean {
    return this.offsets.size > 0;
  }

  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, value: CommittedOffset): void {
    let byPartition = this.offsets.get(topic);
    if (byPartition === undefined) this.offsets.set(topic, (byPartition = new Map()));
    byPartition.set(partition, value);
  }

  deleteOffset(topic: string, partition: number): boolean {
    const byPartition = this.offsets.get(topic);
    if (byPartition === undefined || !byPartition.delete(partition)) return false;
    if (byPartition.size === 0) this.offsets.delete(topic);
    return true;
  }

  allOffsets(): { topic: string; partition: number; value: CommittedOffset }[] {
    const out: { topic: string; partition: number; value: CommittedOffset }[] = [];
    for (const [topic, byPartition] of this.offsets) for (const [partition, value] of byPartition) out.push({ topic, partition, value });
    return out;
  }
}
