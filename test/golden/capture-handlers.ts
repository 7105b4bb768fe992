import { createHash } from 'node:crypto';
import {
  API_INFO,
  ApiKey,
  ErrorCode,
  type ApiKeyNumber,
  type RequestBodies,
  type RequestHeader,
  type ResponseInputs,
} from '../../src/protocol/messages/index.ts';
import { BatchOffsets, scanBatches } from '../../src/protocol/records/index.ts';
import { uuidFromBytes } from '../../src/protocol/wire/index.ts';

/**
 * Just enough of a single-node Kafka for real clients to finish a short session against the
 * capture server: one broker (node 1, also controller and group coordinator), topics that exist as
 * soon as anyone names them, partitions that keep the produced batches in memory, and groups with
 * a single member. Test scaffolding only: the real broker lives in src/broker.
 */

const NODE_ID = 1;
const CLUSTER_ID = 'R3JlZ29yR29sZGVuQ2FwdA';
/** "Not requested" for the authorized-operations fields (Metadata v8+). */
const OPERATIONS_OMITTED = -2147483648;
const NO_ASSIGNMENT = Buffer.alloc(0);

export interface ClusterOptions {
  readonly host: string;
  readonly port: number;
  readonly partitions: number;
  /** How long an empty Fetch waits for data at most (the client's max_wait_ms may be longer). */
  readonly emptyFetchWaitMs: number;
  /** Resolves early when the server closes. */
  readonly sleep: (ms: number) => Promise<void>;
}

interface Partition {
  /** Batches as received, with the base offset rewritten to their place in the log. */
  batches: Buffer[];
  nextOffset: bigint;
}

interface Topic {
  readonly name: string;
  readonly id: string;
  readonly partitions: Partition[];
}

/** A handler answers a decoded request; null means "send no response" (Produce with acks=0). */
type Handler<K extends ApiKeyNumber> = (
  request: RequestBodies[K],
  header: RequestHeader,
) => ResponseInputs[K] | null | Promise<ResponseInputs[K] | null>;
type Handlers = { [K in ApiKeyNumber]?: Handler<K> };

/** A fixed, non-zero topic id per name, so captures are reproducible and Fetch v13+ can resolve it. */
export function topicIdOf(name: string): string {
  return uuidFromBytes(createHash('md5').update(`gregor-golden/${name}`).digest(), 0);
}

function lastOffsetOf(batch: Buffer): bigint {
  return batch.readBigInt64BE(BatchOffsets.baseOffset) + BigInt(batch.readInt32BE(BatchOffsets.lastOffsetDelta));
}

export class CaptureCluster {
  private readonly options: ClusterOptions;
  private readonly topics = new Map<string, Topic>();
  private readonly topicsById = new Map<string, Topic>();
  /** group → "topic/partition" → committed offset. */
  private readonly commits = new Map<string, Map<string, bigint>>();
  private generation = 0;
  private memberCount = 0;
  readonly handlers: Handlers;

  constructor(options: ClusterOptions) {
    this.options = options;
    this.handlers = {
      [ApiKey.ApiVersions]: () => this.apiVersions(),
      [ApiKey.Metadata]: (r, h) => this.metadata(r, h.apiVersion),
      [ApiKey.Produce]: (r) => this.produce(r),
      [ApiKey.Fetch]: (r) => this.fetch(r),
      [ApiKey.ListOffsets]: (r) => this.listOffsets(r),
      [ApiKey.FindCoordinator]: (r) => this.findCoordinator(r),
      [ApiKey.JoinGroup]: (r, h) => this.joinGroup(r, h),
      [ApiKey.SyncGroup]: (r) => ({
        errorCode: ErrorCode.NONE,
        protocolType: r.protocolType,
        protocolName: r.protocolName,
        assignment: r.assignments.find((a) => a.memberId === r.memberId)?.assignment ?? NO_ASSIGNMENT,
      }),
      [ApiKey.Heartbeat]: () => ({ errorCode: ErrorCode.NONE }),
      [ApiKey.LeaveGroup]: (r) => ({
        errorCode: ErrorCode.NONE,
        members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.NONE })),
      }),
      [ApiKey.OffsetCommit]: (r) => this.offsetCommit(r),
      [ApiKey.OffsetFetch]: (r) => this.offsetFetch(r),
      [ApiKey.CreateTopics]: (r) => ({
        topics: r.topics.map((t) => {
          const topic = this.topic(t.name, t.numPartitions > 0 ? t.numPartitions : undefined);
          const partitions = topic.partitions.length;
          return { name: t.name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: partitions, replicationFactor: 1, configs: [] };
        }),
      }),
      [ApiKey.DescribeConfigs]: (r) => ({
        throttleTimeMs: 0,
        results: r.resources.map((res) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: res.resourceType,
          resourceName: res.resourceName,
          configs: [],
        })),
      }),
    };
  }

  /** The topic, created on first mention (auto.create.topics.enable, as clients expect). */
  topic(name: string, partitions = this.options.partitions): Topic {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      topic = { name, id: topicIdOf(name), partitions: Array.from({ length: partitions }, () => ({ batches: [], nextOffset: 0n })) };
      this.topics.set(name, topic);
      this.topicsById.set(topic.id, topic);
    }
    return topic;
  }

  /** Batches stored for a partition, base offsets assigned; empty when nothing was produced. */
  batches(topic: string, partition: number): readonly Buffer[] {
    return this.topics.get(topic)?.partitions[partition]?.batches ?? [];
  }

  private apiVersions(): ResponseInputs[typeof ApiKey.ApiVersions] {
    const apiKeys = Object.entries(API_INFO).map(([key, info]) => ({
      apiKey: Number(key),
      // librdkafka < 2.11.1 compresses only when Produce v0 is advertised (clients-and-storage.md §2.2).
      minVersion: Number(key) === ApiKey.Produce ? 0 : info.minVersion,
      maxVersion: info.maxVersion,
    }));
    return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 };
  }

  private metadata(r: RequestBodies[typeof ApiKey.Metadata], version: number): ResponseInputs[typeof ApiKey.Metadata] {
    // v0: an empty list means all topics; v1+: null does.
    const all = r.topics === null || (version === 0 && r.topics.length === 0);
    const topics = all
      ? [...this.topics.values()]
      : r.topics!.map((t) => (t.name === null ? this.topicsById.get(t.topicId) : this.topic(t.name)));
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: NODE_ID, host: this.options.host, port: this.options.port, rack: null }],
      clusterId: CLUSTER_ID,
      controllerId: NODE_ID,
      clusterAuthorizedOperations: OPERATIONS_OMITTED,
      topics: topics.map((topic, i) =>
        topic === undefined
          ? { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: r.topics![i]!.topicId, partitions: [] }
          : {
              errorCode: ErrorCode.NONE,
              name: topic.name,
              topicId: topic.id,
              isInternal: false,
              topicAuthorizedOperations: OPERATIONS_OMITTED,
              partitions: topic.partitions.map((_, index) => ({
                errorCode: ErrorCode.NONE,
                partitionIndex: index,
                leaderId: NODE_ID,
                leaderEpoch: 0,
                replicaNodes: [NODE_ID],
                isrNodes: [NODE_ID],
                offlineReplicas: [],
              })),
            },
      ),
    };
  }

  private produce(r: RequestBodies[typeof ApiKey.Produce]): ResponseInputs[typeof ApiKey.Produce] | null {
    const responses = r.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => {
        const partition = this.topic(t.name).partitions[p.index];
        if (partition === undefined) return { index: p.index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1n };
        const records = p.records ?? Buffer.alloc(0);
        const scan = scanBatches(records);
        if (scan.error !== undefined || scan.batches.length === 0) return { index: p.index, errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1n };
        const baseOffset = partition.nextOffset;
        for (const { position, size } of scan.batches) {
          // The CRC starts at the attributes, so rewriting the base offset keeps the batch valid.
          const batch = Buffer.from(records.subarray(position, position + size));
          batch.writeBigInt64BE(partition.nextOffset, BatchOffsets.baseOffset);
          partition.batches.push(batch);
          partition.nextOffset = lastOffsetOf(batch) + 1n;
        }
        return { index: p.index, errorCode: ErrorCode.NONE, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n };
      }),
    }));
    return r.acks === 0 ? null : { responses, throttleTimeMs: 0 };
  }

  private async fetch(r: RequestBodies[typeof ApiKey.Fetch]): Promise<ResponseInputs[typeof ApiKey.Fetch]> {
    let response = this.readFetch(r);
    const empty = response.responses.every((t) => t.partitions.every((p) => p.records.length === 0));
    if (empty && r.maxWaitMs > 0) {
      await this.options.sleep(Math.min(r.maxWaitMs, this.options.emptyFetchWaitMs));
      response = this.readFetch(r);
    }
    return response;
  }

  private readFetch(r: RequestBodies[typeof ApiKey.Fetch]) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      // Session id 0: no incremental fetch sessions, so clients send full requests every time.
      sessionId: 0,
      responses: r.topics.map((t) => {
        // Fetch v13+ names topics by id only.
        const topic = t.topic === '' ? this.topicsById.get(t.topicId) : this.topic(t.topic);
        return {
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => {
            const partition = topic?.partitions[p.partition];
            const errorCode =
              topic === undefined ? ErrorCode.UNKNOWN_TOPIC_ID : partition === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE;
            const highWatermark = partition?.nextOffset ?? -1n;
            // Whole batches from the one holding fetchOffset on; at least one even if over the limit (KIP-74).
            const chosen: Buffer[] = [];
            let bytes = 0;
            for (const batch of partition?.batches ?? []) {
              if (lastOffsetOf(batch) < p.fetchOffset) continue;
              if (chosen.length > 0 && bytes + batch.length > p.partitionMaxBytes) break;
              chosen.push(batch);
              bytes += batch.length;
            }
            return {
              partitionIndex: p.partition,
              errorCode,
              highWatermark,
              lastStableOffset: highWatermark,
              logStartOffset: 0n,
              abortedTransactions: null,
              preferredReadReplica: -1,
              // Never null: librdkafka 2.0.2 fails on "invalid MessageSetSize -1" (KAFKA-18646).
              records: Buffer.concat(chosen),
            };
          }),
        };
      }),
    };
  }

  private listOffsets(r: RequestBodies[typeof ApiKey.ListOffsets]): ResponseInputs[typeof ApiKey.ListOffsets] {
    return {
      throttleTimeMs: 0,
      topics: r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const partition = this.topic(t.name).partitions[p.partitionIndex];
          if (partition === undefined) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          let offset: bigint;
          if (p.timestamp === -1n) offset = partition.nextOffset; // latest
          else if (p.timestamp === -2n || p.timestamp === -4n) offset = 0n; // earliest (local)
          else {
            // By time, at batch granularity: the first batch whose newest record is at or after it.
            const batch = partition.batches.find((b) => b.readBigInt64BE(BatchOffsets.maxTimestamp) >= p.timestamp);
            offset = batch === undefined ? -1n : batch.readBigInt64BE(BatchOffsets.baseOffset);
          }
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp: -1n, offset, leaderEpoch: 0 };
        }),
      })),
    };
  }

  private findCoordinator(r: RequestBodies[typeof ApiKey.FindCoordinator]): ResponseInputs[typeof ApiKey.FindCoordinator] {
    const { host, port } = this.options;
    return {
      throttleTimeMs: 0,
      // v0-3 answer for one key; v4+ (KIP-699) for a batch of keys.
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: NODE_ID,
      host,
      port,
      coordinators: r.coordinatorKeys.map((key) => ({ key, nodeId: NODE_ID, host, port, errorCode: ErrorCode.NONE, errorMessage: null })),
    };
  }

  /** Every join completes at once with the joiner as the only member and leader. */
  private joinGroup(r: RequestBodies[typeof ApiKey.JoinGroup], h: RequestHeader): ResponseInputs[typeof ApiKey.JoinGroup] {
    const memberId = r.memberId !== '' ? r.memberId : `${h.clientId ?? 'member'}-${++this.memberCount}`;
    const protocol = r.protocols[0];
    return {
      throttleTimeMs: 0,
      errorCode: protocol === undefined ? ErrorCode.INCONSISTENT_GROUP_PROTOCOL : ErrorCode.NONE,
      generationId: ++this.generation,
      protocolType: r.protocolType,
      protocolName: protocol?.name ?? null,
      leader: memberId,
      memberId,
      members: [{ memberId, groupInstanceId: r.groupInstanceId, metadata: protocol?.metadata ?? NO_ASSIGNMENT }],
    };
  }

  private offsetCommit(r: RequestBodies[typeof ApiKey.OffsetCommit]): ResponseInputs[typeof ApiKey.OffsetCommit] {
    const commits = this.commits.get(r.groupId) ?? new Map<string, bigint>();
    this.commits.set(r.groupId, commits);
    return {
      throttleTimeMs: 0,
      topics: r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          commits.set(`${t.name}/${p.partitionIndex}`, p.committedOffset);
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      })),
    };
  }

  private offsetFetch(r: RequestBodies[typeof ApiKey.OffsetFetch]): ResponseInputs[typeof ApiKey.OffsetFetch] {
    const lookup = (groupId: string, topics: ReadonlyArray<{ name: string; partitionIndexes: number[] }> | null) =>
      (topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          // No commit: offset -1, empty metadata, no error, as Kafka answers.
          committedOffset: this.commits.get(groupId)?.get(`${t.name}/${partitionIndex}`) ?? -1n,
          committedLeaderEpoch: -1,
          metadata: '',
          errorCode: ErrorCode.NONE,
        })),
      }));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      // v0-7 carry one group at the top level; v8+ a list of groups.
      topics: lookup(r.groupId, r.topics),
      groups: r.groups.map((g) => ({ groupId: g.groupId, topics: lookup(g.groupId, g.topics), errorCode: ErrorCode.NONE })),
    };
  }
}
