import {
  decodeConsumerGroupCurrentMemberAssignmentKey,
  decodeConsumerGroupCurrentMemberAssignmentValue,
  decodeConsumerGroupMemberMetadataKey,
  decodeConsumerGroupMemberMetadataValue,
  decodeConsumerGroupMetadataKey,
  decodeConsumerGroupMetadataValue,
  decodeConsumerGroupTargetAssignmentMemberKey,
  decodeConsumerGroupTargetAssignmentMemberValue,
  decodeConsumerGroupTargetAssignmentMetadataKey,
  decodeConsumerGroupTargetAssignmentMetadataValue,
  encodeConsumerGroupCurrentMemberAssignmentKey,
  encodeConsumerGroupCurrentMemberAssignmentValue,
  encodeConsumerGroupMemberMetadataKey,
  encodeConsumerGroupMemberMetadataValue,
  encodeConsumerGroupMetadataKey,
  encodeConsumerGroupMetadataValue,
  encodeConsumerGroupTargetAssignmentMemberKey,
  encodeConsumerGroupTargetAssignmentMemberValue,
  encodeConsumerGroupTargetAssignmentMetadataKey,
  encodeConsumerGroupTargetAssignmentMetadataValue,
} from '../../protocol/messages/index.ts';
import { Reader, Writer } from '../../protocol/wire/index.ts';
import type { Assignment } from './consumer-assignors.ts';
import { assignmentEpochOf, ConsumerGroup, MemberState, type ConsumerMember, type MemberStateName } from './consumer-group.ts';
import type { GroupLogRecord } from './group-log.ts';

/**
 * KIP-848 records of `__consumer_offsets` in Kafka's formats (`GroupCoordinatorRecordHelpers`): the
 * key's int16 version is the record type — 3 ConsumerGroupMetadata (group epoch), 5 member
 * metadata (subscription), 6 target assignment metadata (its epoch), 7 a member's target assignment,
 * 8 a member's current assignment (epochs, state, owned and pending-revocation partitions); values are
 * version 0. Type 4 (ConsumerGroupPartitionMetadata, deprecated since Kafka 4.1) is not written: the
 * subscribed topics' metadata is re-read from the cluster at load.
 *
 * A group's records are derived from its state as a key → value map; each change appends the
 * difference with what was last written (new or changed values, tombstones for keys that went away),
 * so replaying the log in order gives back the last state.
 */

const T_GROUP = 3;
const T_MEMBER = 5;
const T_TARGET_META = 6;
const T_TARGET_MEMBER = 7;
const T_CURRENT = 8;
const VALUE_VERSION = 0;

/** Kafka's `MemberState` bytes. */
const STATE_BYTE: Readonly<Record<MemberStateName, number>> = { STABLE: 0, UNREVOKED_PARTITIONS: 1, UNRELEASED_PARTITIONS: 2 };

function versioned(version: number, write: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  w.int16(version);
  write(w);
  return w.toBuffer();
}

const wire = (a: Assignment): { topicId: string; partitions: number[] }[] =>
  [...a]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((p, q) => p - q) }));

const fromWire = (tps: readonly { topicId: string; partitions: readonly number[] }[]): Assignment => new Map(tps.map((tp) => [tp.topicId, new Set(tp.partitions)]));

/** A member's holding with each partition's assignment epoch (KIP-1251), as Kafka 4.3 writes it. */
const wireWithEpochs = (member: ConsumerMember, a: Assignment): { topicId: string; partitions: number[]; assignmentEpochs: number[] }[] =>
  wire(a).map((tp) => ({ ...tp, assignmentEpochs: tp.partitions.map((p) => assignmentEpochOf(member, tp.topicId, p) ?? member.memberEpoch) }));

/**
 * Assignment epochs read back: a topic whose epochs are missing (a record from before KIP-1251) or
 * not one per partition gets the member epoch, not below 0 (a static member that left has -2), as
 * Kafka's assignmentFromTopicPartitions does.
 */
function epochsFromWire(holdings: readonly (readonly { topicId: string; partitions: readonly number[]; assignmentEpochs: readonly number[] }[])[], memberEpoch: number): Map<string, Map<number, number>> {
  const epochs = new Map<string, Map<number, number>>();
  for (const tps of holdings) {
    for (const tp of tps) {
      let m = epochs.get(tp.topicId);
      if (m === undefined) epochs.set(tp.topicId, (m = new Map()));
      const given = tp.assignmentEpochs.length === tp.partitions.length;
      tp.partitions.forEach((p, i) => m.set(p, given ? (tp.assignmentEpochs[i] ?? 0) : Math.max(memberEpoch, 0)));
    }
  }
  return epochs;
}

export type RecordSet = Map<string, GroupLogRecord>;

/** Every live record of the group, in the order a loader wants them (group, members, targets, current assignments). */
export function groupRecordSet(group: ConsumerGroup): RecordSet {
  const out: RecordSet = new Map();
  const put = (key: Buffer, value: Buffer): void => {
    out.set(key.toString('hex'), { key, value });
  };
  const groupId = group.groupId;
  put(
    versioned(T_GROUP, (w) => encodeConsumerGroupMetadataKey(w, T_GROUP, { groupId })),
    versioned(VALUE_VERSION, (w) => encodeConsumerGroupMetadataValue(w, VALUE_VERSION, { epoch: group.groupEpoch })),
  );
  for (const m of group.members.values()) {
    put(
      versioned(T_MEMBER, (w) => encodeConsumerGroupMemberMetadataKey(w, T_MEMBER, { groupId, memberId: m.memberId })),
      versioned(VALUE_VERSION, (w) =>
        encodeConsumerGroupMemberMetadataValue(w, VALUE_VERSION, {
          instanceId: m.instanceId,
          rackId: m.rackId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: [...m.subscribedTopicNames],
          subscribedTopicRegex: m.subscribedTopicRegex,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          serverAssignor: m.serverAssignor,
        }),
      ),
    );
  }
  for (const [memberId, a] of group.targetAssignment) {
    put(
      versioned(T_TARGET_MEMBER, (w) => encodeConsumerGroupTargetAssignmentMemberKey(w, T_TARGET_MEMBER, { groupId, memberId })),
      versioned(VALUE_VERSION, (w) => encodeConsumerGroupTargetAssignmentMemberValue(w, VALUE_VERSION, { topicPartitions: wire(a) })),
    );
  }
  put(
    versioned(T_TARGET_META, (w) => encodeConsumerGroupTargetAssignmentMetadataKey(w, T_TARGET_META, { groupId })),
    versioned(VALUE_VERSION, (w) => encodeConsumerGroupTargetAssignmentMetadataValue(w, VALUE_VERSION, { assignmentEpoch: group.assignmentEpoch })),
  );
  for (const m of group.members.values()) {
    put(
      versioned(T_CURRENT, (w) => encodeConsumerGroupCurrentMemberAssignmentKey(w, T_CURRENT, { groupId, memberId: m.memberId })),
      versioned(VALUE_VERSION, (w) =>
        encodeConsumerGroupCurrentMemberAssignmentValue(w, VALUE_VERSION, {
          memberEpoch: m.memberEpoch,
          previousMemberEpoch: m.previousMemberEpoch,
          state: STATE_BYTE[m.state],
          assignedPartitions: wireWithEpochs(m, m.assigned),
          partitionsPendingRevocation: wireWithEpochs(m, m.pendingRevocation),
        }),
      ),
    );
  }
  return out;
}

/**
 * The records that turn `before` into `after`: changed or new values in `after`'s order, then
 * tombstones for keys that went away (current assignments and targets before member metadata, the
 * group record last, as Kafka deletes them).
 */
export function recordDiff(before: RecordSet, after: RecordSet): GroupLogRecord[] {
  const out: GroupLogRecord[] = [];
  for (const [k, r] of after) {
    const old = before.get(k);
    if (old === undefined || old.value === null || r.value === null || !old.value.equals(r.value)) out.push(r);
  }
  const gone = [...before].filter(([k]) => !after.has(k)).map(([, r]) => r);
  const rank = (key: Buffer): number => [T_CURRENT, T_TARGET_MEMBER, T_MEMBER, T_TARGET_META, T_GROUP].indexOf(key.readInt16BE(0));
  gone.sort((a, b) => rank(a.key) - rank(b.key));
  for (const r of gone) out.push({ key: r.key, value: null });
  return out;
}

/** Rebuilds consumer groups from their records (log replay at broker start); last record per key wins. */
export class ConsumerGroupReplay {
  readonly #groups = new Map<
    string,
    {
      epoch?: number;
      assignmentEpoch: number;
      members: Map<string, Partial<ConsumerMember>>;
      targets: Map<string, Assignment>;
      current: Map<string, Pick<ConsumerMember, 'memberEpoch' | 'previousMemberEpoch' | 'state' | 'assigned' | 'pendingRevocation' | 'assignmentEpochs'>>;
    }
  >();

  /** False when the key is not a KIP-848 consumer group record. Throws DecodeError on malformed bytes. */
  replay(key: Buffer, value: Buffer | null): boolean {
    const kr = new Reader(key);
    const type = kr.int16();
    if (![T_GROUP, T_MEMBER, T_TARGET_META, T_TARGET_MEMBER, T_CURRENT].includes(type)) return false;
    const vr = value === null ? undefined : new Reader(value);
    const valueVersion = vr?.int16() ?? 0;
    const state = (groupId: string) => {
      let g = this.#groups.get(groupId);
      if (g === undefined) this.#groups.set(groupId, (g = { assignmentEpoch: 0, members: new Map(), targets: new Map(), current: new Map() }));
      return g;
    };
    switch (type) {
      case T_GROUP: {
        const k = decodeConsumerGroupMetadataKey(kr, type);
        if (vr === undefined) this.#groups.delete(k.groupId);
        else state(k.groupId).epoch = decodeConsumerGroupMetadataValue(vr, valueVersion).epoch;
        return true;
      }
      case T_MEMBER: {
        const k = decodeConsumerGroupMemberMetadataKey(kr, type);
        const g = state(k.groupId);
        if (vr === undefined) {
          g.members.delete(k.memberId);
          return true;
        }
        const v = decodeConsumerGroupMemberMetadataValue(vr, valueVersion);
        g.members.set(k.memberId, {
          instanceId: v.instanceId,
          rackId: v.rackId,
          clientId: v.clientId,
          clientHost: v.clientHost,
          subscribedTopicNames: v.subscribedTopicNames,
          subscribedTopicRegex: v.subscribedTopicRegex,
          rebalanceTimeoutMs: v.rebalanceTimeoutMs,
          serverAssignor: v.serverAssignor,
        });
        return true;
      }
      case T_TARGET_META: {
        const k = decodeConsumerGroupTargetAssignmentMetadataKey(kr, type);
        if (vr !== undefined) state(k.groupId).assignmentEpoch = decodeConsumerGroupTargetAssignmentMetadataValue(vr, valueVersion).assignmentEpoch;
        return true;
      }
      case T_TARGET_MEMBER: {
        const k = decodeConsumerGroupTargetAssignmentMemberKey(kr, type);
        const g = state(k.groupId);
        if (vr === undefined) g.targets.delete(k.memberId);
        else g.targets.set(k.memberId, fromWire(decodeConsumerGroupTargetAssignmentMemberValue(vr, valueVersion).topicPartitions));
        return true;
      }
      default: {
        const k = decodeConsumerGroupCurrentMemberAssignmentKey(kr, type);
        const g = state(k.groupId);
        if (vr === undefined) {
          g.current.delete(k.memberId);
          return true;
        }
        const v = decodeConsumerGroupCurrentMemberAssignmentValue(vr, valueVersion);
        const named = (Object.keys(STATE_BYTE) as MemberStateName[]).find((n) => STATE_BYTE[n] === v.state);
        g.current.set(k.memberId, {
          memberEpoch: v.memberEpoch,
          previousMemberEpoch: v.previousMemberEpoch,
          // An unknown state (a newer Kafka's) restarts the member's reconciliation from its epoch.
          state: named ?? MemberState.Stable,
          assigned: fromWire(v.assignedPartitions),
          pendingRevocation: fromWire(v.partitionsPendingRevocation),
          assignmentEpochs: epochsFromWire([v.assignedPartitions, v.partitionsPendingRevocation], v.memberEpoch),
        });
        return true;
      }
    }
  }

  /** The groups whose ConsumerGroupMetadata record survived, with their members. */
  groups(now: number): ConsumerGroup[] {
    const out: ConsumerGroup[] = [];
    for (const [groupId, g] of this.#groups) {
      if (g.epoch === undefined) continue;
      const group = new ConsumerGroup(groupId, now);
      group.groupEpoch = g.epoch;
      group.assignmentEpoch = g.assignmentEpoch;
      for (const [memberId, meta] of g.members) {
        const current = g.current.get(memberId);
        group.updateMember({
          memberId,
          instanceId: meta.instanceId ?? null,
          rackId: meta.rackId ?? null,
          clientId: meta.clientId ?? '',
          clientHost: meta.clientHost ?? '',
          rebalanceTimeoutMs: meta.rebalanceTimeoutMs ?? -1,
          subscribedTopicNames: meta.subscribedTopicNames ?? [],
          subscribedTopicRegex: meta.subscribedTopicRegex ?? null,
          serverAssignor: meta.serverAssignor ?? null,
          memberEpoch: current?.memberEpoch ?? 0,
          previousMemberEpoch: current?.previousMemberEpoch ?? 0,
          state: current?.state ?? MemberState.Stable,
          assigned: current?.assigned ?? new Map(),
          pendingRevocation: current?.pendingRevocation ?? new Map(),
          ...(current?.assignmentEpochs === undefined ? {} : { assignmentEpochs: current.assignmentEpochs }),
        });
        const target = g.targets.get(memberId);
        if (target !== undefined) group.targetAssignment.set(memberId, target);
      }
      out.push(group);
    }
    return out;
  }
}
