import {
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
} from '../protocol/messages/index.ts';
import { Reader, Writer } from '../protocol/wire/index.ts';

/**
 * The embedded "consumer" protocol of classic groups (ConsumerProtocol.java): JoinGroup metadata
 * and SyncGroup assignments are opaque bytes to the broker, holding an int16 version followed by
 * ConsumerProtocolSubscription / ConsumerProtocolAssignment of that version. We write v1 (owned
 * partitions, needed by cooperative-sticky; v2 adds the generation and v3 the rack) and read any.
 */
export const SUBSCRIPTION_VERSION = 1;
export const ASSIGNMENT_VERSION = 1;

export type TopicPartitions = Map<string, number[]>;

export function encodeSubscription(topics: readonly string[], owned: TopicPartitions = new Map(), userData: Buffer | null = null): Buffer {
  const w = new Writer(64);
  w.int16(SUBSCRIPTION_VERSION);
  encodeConsumerProtocolSubscription(w, SUBSCRIPTION_VERSION, {
    topics: [...topics],
    userData,
    ownedPartitions: [...owned].map(([topic, partitions]) => ({ topic, partitions })),
  });
  return w.toBuffer();
}

export function decodeSubscription(bytes: Buffer): ConsumerProtocolSubscription {
  const r = new Reader(bytes);
  const version = r.int16();
  // A newer version than we know is read as our newest: later versions only append fields.
  return decodeConsumerProtocolSubscription(r, Math.min(version, 3));
}

export function encodeAssignment(assigned: TopicPartitions, userData: Buffer | null = null): Buffer {
  const w = new Writer(64);
  w.int16(ASSIGNMENT_VERSION);
  encodeConsumerProtocolAssignment(w, ASSIGNMENT_VERSION, {
    assignedPartitions: [...assigned].map(([topic, partitions]) => ({ topic, partitions })),
    userData,
  });
  return w.toBuffer();
}

export function decodeAssignment(bytes: Buffer): ConsumerProtocolAssignment {
  // A member left out of the assignment gets empty bytes.
  if (bytes.length === 0) return { assignedPartitions: [], userData: null };
  const r = new Reader(bytes);
  const version = r.int16();
  return decodeConsumerProtocolAssignment(r, Math.min(version, 3));
}

export function assignmentMap(a: ConsumerProtocolAssignment): TopicPartitions {
  const m: TopicPartitions = new Map();
  for (const tp of a.assignedPartitions) m.set(tp.topic, [...(m.get(tp.topic) ?? []), ...tp.partitions].sort((x, y) => x - y));
  return m;
}
