import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import type { FetchedOffset } from '../../coordinator/index.ts';
import { defineHandler, type RequestContext } from './handler.ts';

type TopicQuery = { topic: string; partitions: number[] }[] | null;

/**
 * OffsetFetch (key 9), v1-9. v1 names partitions; v2+ accept null topics (= every committed offset)
 * and have a top-level error; v5+ return the leader epoch; v7+ `require_stable` (KIP-447: a
 * partition whose transactional offset awaits its marker answers UNSTABLE_OFFSET_COMMIT); v8+ batch groups (KIP-709) with per-group
 * errors. A partition without a commit answers offset -1, metadata "" and no error.
 */
export const handler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  handle(ctx, request, version) {
    if (version >= 8) {
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((g) => {
          const query: TopicQuery = g.topics === null ? null : g.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
          // v9 (KIP-848): a consumer-group member states its id and epoch (STALE_MEMBER_EPOCH / UNKNOWN_MEMBER_ID).
          const member = version >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : undefined;
          const r = ctx.services.groups.offsets.fetch(g.groupId, query, request.requireStable, member);
          return { groupId: g.groupId, errorCode: r.errorCode, topics: byTopic(r.offsets) };
        }),
      };
    }
    const query: TopicQuery = request.topics === null ? null : request.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
    const r = fetchGroup(ctx, request.groupId, query, version >= 7 && request.requireStable);
    // v1 has no top-level error: a group-level failure is reported on every partition (Kafka's OffsetFetchResponse).
    const offsets = version < 2 && r.errorCode !== ErrorCode.NONE && query !== null ? query.flatMap((t) => t.partitions.map((p) => failed(t.topic, p, r.errorCode))) : r.offsets;
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: byTopic(offsets) };
  },
  errorResponse: (request, version, errorCode) =>
    version >= 8
      ? { groups: request.groups.map((g) => ({ groupId: g.groupId, errorCode, topics: [] })) }
      : { errorCode, topics: (request.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, metadata: '', errorCode })) })) },
});

function fetchGroup(ctx: RequestContext, groupId: string, query: TopicQuery, requireStable: boolean): { errorCode: number; offsets: FetchedOffset[] } {
  return ctx.services.groups.offsets.fetch(groupId, query, requireStable);
}

function failed(topic: string, partition: number, errorCode: number): FetchedOffset {
  return { topic, partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode };
}

function byTopic(offsets: readonly FetchedOffset[]) {
  const topics = new Map<string, FetchedOffset[]>();
  for (const o of offsets) {
    let list = topics.get(o.topic);
    if (list === undefined) topics.set(o.topic, (list = []));
    list.push(o);
  }
  return [...topics].map(([name, list]) => ({
    name,
    partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: o.errorCode })),
  }));
}
