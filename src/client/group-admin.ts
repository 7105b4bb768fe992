import { ApiKey, ErrorCode } from '../protocol/messages/index.ts';
import type { Cluster } from './cluster.ts';
import { decodeAssignment, decodeSubscription } from './consumer-protocol.ts';
import { findCoordinator, isCoordinatorError } from './coordinator.ts';
import { KafkaError, check } from './errors.ts';
import { listOffsets, OffsetSpec } from './fetcher.ts';

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    /** Decoded when the group speaks the "consumer" protocol. */
    subscription: string[] | null;
    assignment: Array<{ topic: string; partitions: number[] }> | null;
  }>;
}

export interface GroupOffset {
  topic: string;
  partition: number;
  /** -1n when the group has no committed offset for the partition. */
  offset: bigint;
  metadata: string | null;
}

/** Consumer-group administration (Java Admin's *ConsumerGroup* calls), all through the group's coordinator. */
export class GroupAdmin {
  readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  /** Every group on every broker (ListGroups is answered per broker, for the groups it coordinates). */
  async listGroups(): Promise<GroupListing[]> {
    await this.cluster.retry(() => this.cluster.refresh([]));
    const lists = await Promise.all(
      this.cluster.brokers.map(async (b) => {
        const r = await this.cluster.broker(b.nodeId).request(ApiKey.ListGroups, {});
        check(r.errorCode, `list groups on broker ${b.nodeId}`);
        return r.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState }));
      }),
    );
    return lists.flat().sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return Promise.all(
      groupIds.map((groupId) =>
        this.#withCoordinator(groupId, async (coordinator) => {
          const r = await coordinator.request(ApiKey.DescribeGroups, { groups: [groupId] });
          const g = r.groups[0];
          if (g === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `describe group ${groupId}: empty response`);
          check(g.errorCode, `describe group ${groupId}`);
          const consumer = g.protocolType === 'consumer';
          return {
            groupId: g.groupId,
            state: g.groupState,
            protocolType: g.protocolType,
            protocol: g.protocolData,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              subscription: consumer && m.memberMetadata.length > 0 ? decodeSubscription(m.memberMetadata).topics : null,
              assignment: consumer ? decodeAssignment(m.memberAssignment).assignedPartitions.map((a) => ({ topic: a.topic, partitions: a.partitions })) : null,
            })),
          };
        }),
      ),
    );
  }

  /** Committed offsets of a group (all its partitions when `topics` is omitted). */
  async fetchOffsets(groupId: string, topics?: ReadonlyArray<{ topic: string; partitions: number[] }>): Promise<GroupOffset[]> {
    return this.#withCoordinator(groupId, async (coordinator) => {
      const wanted = topics === undefined ? null : topics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions }));
      const r = await coordinator.request(ApiKey.OffsetFetch, (v) =>
        // v8 batches groups (KIP-709); before that one group per request.
        v >= 8 ? { groups: [{ groupId, topics: wanted }], requireStable: true } : { groupId, topics: wanted, requireStable: v >= 7 },
      );
      const group = r.groups.length > 0 ? r.groups[0]! : { errorCode: r.errorCode, topics: r.topics };
      check(group.errorCode, `fetch offsets of group ${groupId}`);
      const out: GroupOffset[] = [];
      for (const t of group.topics) {
        for (const p of t.partitions) {
          check(p.errorCode, `fetch offset of group ${groupId} for ${t.name}-${p.partitionIndex}`);
          out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
        }
      }
      return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    });
  }

  /**
   * Commits offsets for a group from outside it (generation -1, no member id), as Java's
   * alterConsumerGroupOffsets: the coordinator accepts this only while the group has no active members.
   */
  async commitOffsets(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number; offset: bigint; metadata?: string }>): Promise<void> {
    await this.#withCoordinator(groupId, async (coordinator) => {
      const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedMetadata: string | null }>>();
      for (const o of offsets) {
        byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata ?? '' }]);
      }
      const r = await coordinator.request(ApiKey.OffsetCommit, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      });
      for (const t of r.topics) for (const p of t.partitions) check(p.errorCode, `commit offset of group ${groupId} for ${t.name}-${p.partitionIndex}`);
    });
  }

  /** Moves a group's offsets on a topic (all partitions) to earliest, latest, a timestamp, or an offset. */
  async resetOffsets(groupId: string, topic: string, to: 'earliest' | 'latest' | { timestamp: number | bigint } | { offset: bigint }): Promise<GroupOffset[]> {
    const count = await this.cluster.retry(() => this.cluster.partitionCount(topic));
    const partitions = Array.from({ length: count }, (_, p) => p);
    let offsets: Array<{ partition: number; offset: bigint }>;
    if (typeof to === 'object' && 'offset' in to) offsets = partitions.map((partition) => ({ partition, offset: to.offset }));
    else {
      const timestamp = to === 'earliest' ? OffsetSpec.earliest : to === 'latest' ? OffsetSpec.latest : BigInt(to.timestamp);
      const listed = await listOffsets(this.cluster, topic, partitions.map((partition) => ({ partition, timestamp })));
      // No record at/after the timestamp (-1): the end of the log, as kafka-consumer-groups --to-datetime does.
      const latest = listed.some((l) => l.offset < 0n)
        ? await listOffsets(this.cluster, topic, partitions.map((partition) => ({ partition, timestamp: OffsetSpec.latest })))
        : listed;
      offsets = listed.map((l, i) => ({ partition: l.partition, offset: l.offset < 0n ? latest[i]!.offset : l.offset }));
    }
    await this.commitOffsets(groupId, offsets.map((o) => ({ topic, ...o })));
    return offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset, metadata: '' }));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    const results = await Promise.all(
      groupIds.map((groupId) =>
        this.#withCoordinator(groupId, async (coordinator) => {
          const r = await coordinator.request(ApiKey.DeleteGroups, { groupsNames: [groupId] });
          return r.results.map((x) => ({ groupId: x.groupId, errorCode: x.errorCode }));
        }),
      ),
    );
    return results.flat();
  }

  /** Runs `fn` against the group's coordinator, finding it again after NOT_COORDINATOR and friends. */
  #withCoordinator<T>(groupId: string, fn: (coordinator: Awaited<ReturnType<typeof findCoordinator>>) => Promise<T>): Promise<T> {
    return this.cluster.retry(async () => {
      const coordinator = await findCoordinator(this.cluster, groupId);
      try {
        return await fn(coordinator);
      } catch (error) {
        if (isCoordinatorError(error)) this.cluster.invalidate();
        throw error;
      }
    });
  }
}
