import {
  decodeGroupMetadataKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type GroupMetadataValue,
  type GroupMetadataValueInput,
} from '../../protocol/messages/index.ts';
import { Reader, Writer } from '../../protocol/wire/index.ts';
import type { ClassicGroup, CommittedOffset } from './classic-group.ts';

/**
 * Records of `__consumer_offsets` in Kafka's formats (GroupMetadataManager / CoordinatorRecordSerde):
 * key and value each start with an int16 schema version. Key version 0/1 = OffsetCommitKey, 2 =
 * GroupMetadataKey (3+ are KIP-848 records, which this coordinator skips). We write OffsetCommitKey
 * v1 + OffsetCommitValue v3 (leader epoch, no expire timestamp) and GroupMetadataKey v2 +
 * GroupMetadataValue v3 (static members), what Kafka 2.3-3.x writes, so a Kafka broker could read
 * these logs and `kafka-console-consumer --formatter ...OffsetsMessageFormatter` can print them. A null
 * value is a tombstone: the offset or group was deleted.
 */

const OFFSET_KEY_VERSION = 1;
const OFFSET_VALUE_VERSION = 3;
const GROUP_KEY_VERSION = 2;
const GROUP_VALUE_VERSION = 3;

function versioned(version: number, write: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  w.int16(version);
  write(w);
  return w.toBuffer();
}

export function offsetKey(group: string, topic: string, partition: number): Buffer {
  return versioned(OFFSET_KEY_VERSION, (w) => encodeOffsetCommitKey(w, OFFSET_KEY_VERSION, { group, topic, partition }));
}

export function offsetValue(v: CommittedOffset): Buffer {
  return versioned(OFFSET_VALUE_VERSION, (w) =>
    encodeOffsetCommitValue(w, OFFSET_VALUE_VERSION, { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp }),
  );
}

export function groupKey(group: string): Buffer {
  return versioned(GROUP_KEY_VERSION, (w) => encodeGroupMetadataKey(w, GROUP_KEY_VERSION, { group }));
}

export function groupValue(v: GroupMetadataValueInput): Buffer {
  return versioned(GROUP_VALUE_VERSION, (w) => encodeGroupMetadataValue(w, GROUP_VALUE_VERSION, v));
}

/** The group's GroupMetadataValue record: generation, chosen protocol, leader, members with their subscription and assignment. */
export function groupRecord(group: ClassicGroup): { key: Buffer; value: Buffer } {
  const value = groupValue({
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol: group.protocolName,
    leader: group.leaderId,
    currentStateTimestamp: BigInt(group.stateTimestamp),
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: group.metadataOf(m),
      assignment: m.assignment,
    })),
  });
  return { key: groupKey(group.groupId), value };
}

export type DecodedRecord =
  | { readonly kind: 'offset'; readonly group: string; readonly topic: string; readonly partition: number; readonly value: CommittedOffset | null }
  | { readonly kind: 'group'; readonly group: string; readonly value: GroupMetadataValue | null }
  | { readonly kind: 'other' };

/** Decodes one record of the offsets topic; throws DecodeError on malformed bytes. */
export function decodeRecord(key: Buffer, value: Buffer | null): DecodedRecord {
  const kr = new Reader(key);
  const keyVersion = kr.int16();
  if (keyVersion === 0 || keyVersion === 1) {
    const k = decodeOffsetCommitKey(kr, keyVersion);
    if (value === null) return { kind: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: null };
    const vr = new Reader(value);
    const v = decodeOffsetCommitValue(vr, vr.int16());
    return {
      kind: 'offset',
      group: k.group,
      topic: k.topic,
      partition: k.partition,
      value: {
        offset: v.offset,
        leaderEpoch: v.leaderEpoch,
        metadata: v.metadata,
        commitTimestamp: v.commitTimestamp,
        expireTimestamp: v.expireTimestamp >= 0n ? v.expireTimestamp : null,
      },
    };
  }
  if (keyVersion === GROUP_KEY_VERSION) {
    const k = decodeGroupMetadataKey(kr, keyVersion);
    if (value === null) return { kind: 'group', group: k.group, value: null };
    const vr = new Reader(value);
    return { kind: 'group', group: k.group, value: decodeGroupMetadataValue(vr, vr.int16()) };
  }
  return { kind: 'other' };
}

/**
 * Kafka's `Utils.abs(groupId.hashCode) % groupMetadataTopicPartitionCount`: Java's String.hashCode
 * over UTF-16 code units, with Integer.MIN_VALUE mapped to 0 by Utils.abs.
 */
export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(31, h) + groupId.charCodeAt(i)) | 0;
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitionCount;
}
