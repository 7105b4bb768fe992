import type { PartitionState, TopicState } from '../../cluster/index.ts';
import { ErrorCode } from '../../protocol/messages/index.ts';
import type { PartitionLog } from '../../storage/index.ts';
import type { BrokerServices } from '../handlers/handler.ts';

/** A partition this broker leads, with its log: what Produce, Fetch and ListOffsets act on. */
export interface LedPartition {
  readonly topic: TopicState;
  readonly state: PartitionState;
  readonly log: PartitionLog;
}

export type Lookup = { readonly ok: true; readonly led: LedPartition } | { readonly ok: false; readonly errorCode: number };

/**
 * Resolves a topic (by name, or by id when `topicId` is given: Fetch v13+) and partition to its log
 * here. Errors as Kafka's ReplicaManager returns them: unknown topic or partition, not the leader.
 */
export function lookupPartition(services: BrokerServices, topic: TopicState | undefined, partition: number): Lookup {
  if (topic === undefined) return { ok: false, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  const state = topic.partitions.find((p) => p.partition === partition);
  if (state === undefined) return { ok: false, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  if (state.leader !== services.nodeId) return { ok: false, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  const log = services.logs.getLog(topic.name, partition);
  if (log === undefined || log.closed || log.failed) return { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  return { ok: true, led: { topic, state, log } };
}

/**
 * KIP-320 fencing: a request naming a leader epoch older than ours is FENCED_LEADER_EPOCH, a newer
 * one UNKNOWN_LEADER_EPOCH (this broker has not heard of it yet); -1 means the client does not know.
 */
export function checkLeaderEpoch(state: PartitionState, currentLeaderEpoch: number): number {
  if (currentLeaderEpoch < 0 || currentLeaderEpoch === state.leaderEpoch) return ErrorCode.NONE;
  return currentLeaderEpoch < state.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}
