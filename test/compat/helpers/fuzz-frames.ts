import { buildBatch, Compression } from '../../../src/protocol/records/index.ts';
import { ApiKey, encodeRequestFrame, type ApiKeyNumber, type RequestInputs } from '../../../src/protocol/messages/index.ts';

/**
 * Request frames for fuzzing a broker over TCP: a seeded generator (so a failure can be replayed)
 * and a corpus of well-formed requests that are harmless to serve (they name only the fuzz topic and
 * group, create nothing but in validate-only mode) to truncate, mutate and corrupt.
 */

/** mulberry32: small, fast, and good enough to pick fuzz cases reproducibly. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
}

/** One encoded request: the whole frame (size prefix included) and the correlation id it carries. */
export interface CorpusFrame {
  readonly apiKey: ApiKeyNumber;
  readonly version: number;
  readonly correlationId: number;
  readonly frame: Buffer;
}

/** Offset of the first body byte in a frame: size, api key, version, correlation id, client id. */
export function bodyOffset(frame: Buffer): number {
  return 4 + 2 + 2 + 4 + 2 + frame.readInt16BE(12);
}

function encode<K extends ApiKeyNumber>(apiKey: K, version: number, correlationId: number, body: RequestInputs[K]): CorpusFrame {
  return { apiKey, version, correlationId, frame: Buffer.concat(encodeRequestFrame(apiKey, version, correlationId, 'gregor-fuzz', body)) };
}

/** A valid single-batch records field for the fuzz topic. */
export function validBatch(random: Random, count = 3): Buffer {
  const codecs = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];
  return buildBatch({
    compression: random.pick(codecs),
    records: Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`fz-${i}`), value: random.bytes(random.int(0, 40)) })),
  });
}

export function produceFrame(correlationId: number, version: number, topic: string, records: Buffer, acks: number): CorpusFrame {
  return encode(ApiKey.Produce, version, correlationId, { acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
}

/** Served version range per API key, as the broker's ApiVersions advertises it. */
export type VersionRanges = ReadonlyMap<number, { readonly min: number; readonly max: number }>;

/** Where the corpus may point: everything it names is the fuzzer's own. */
export interface CorpusTarget {
  /** An existing topic the fuzz may read, write and trim. */
  readonly topic: string;
  readonly topicId: string;
  /** A consumer group only the fuzz uses. */
  readonly group: string;
}

/**
 * Well-formed requests for every served API the fuzzer may reshape, at every served version, each
 * harmless to serve: reads, writes to the fuzz topic, validate-only admin calls, the fuzz group.
 * APIs the broker does not advertise are left out, so the corpus follows what is served.
 */
export function corpus(random: Random, target: CorpusTarget, ranges: VersionRanges, firstCorrelationId: number): CorpusFrame[] {
  const { topic, topicId, group } = target;
  let id = firstCorrelationId;
  const out: CorpusFrame[] = [];
  const add = <K extends ApiKeyNumber>(apiKey: K, body: (v: number) => RequestInputs[K], from = 0): void => {
    const range = ranges.get(apiKey);
    if (range === undefined) return;
    // v0-2 of Produce are advertised for old clients' feature checks only; not served.
    for (let v = Math.max(range.min, from); v <= range.max; v++) out.push(encode(apiKey, v, id++, body(v)));
  };
  add(ApiKey.ApiVersions, () => ({ clientSoftwareName: 'gregor-fuzz', clientSoftwareVersion: '1.0' }));
  add(ApiKey.Metadata, (v) => ({ topics: [{ name: topic, ...(v >= 10 ? { topicId } : {}) }], allowAutoTopicCreation: false }));
  add(ApiKey.ListOffsets, () => ({ replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: random.pick([-1n, -2n, 0n]) }] }] }));
  add(ApiKey.Fetch, () => ({
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 64 * 1024,
    topics: [{ topic, topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 16 * 1024 }] }],
  }));
  add(ApiKey.Produce, () => ({ acks: random.pick([1, -1]), timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: validBatch(random) }] }] }), 3);
  add(ApiKey.DescribeConfigs, () => ({ resources: [{ resourceType: 2, resourceName: topic, configurationKeys: null }] }));
  // From v1 only: v0 has no validate_only, and a mutated partition count there would really be created.
  add(
    ApiKey.CreateTopics,
    () => ({ topics: [{ name: `${topic}-validate`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: true }),
    1,
  );
  add(ApiKey.AlterConfigs, () => ({ resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'retention.ms', value: '86400000' }] }], validateOnly: true }));
  add(ApiKey.IncrementalAlterConfigs, () => ({
    resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: 0, value: '86400000' }] }],
    validateOnly: true,
  }));
  add(ApiKey.DeleteRecords, () => ({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 1000 }));
  add(ApiKey.OffsetForLeaderEpoch, () => ({ replicaId: -1, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] }));
  add(ApiKey.DescribeLogDirs, () => ({ topics: [{ topic, partitions: [0] }] }));
  add(ApiKey.DescribeCluster, () => ({ includeClusterAuthorizedOperations: false, endpointType: 1 }));
  add(ApiKey.FindCoordinator, () => ({ key: group, keyType: 0, coordinatorKeys: [group] }));
  add(ApiKey.JoinGroup, () => ({
    groupId: group,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: random.bytes(12) }],
  }));
  add(ApiKey.SyncGroup, () => ({ groupId: group, generationId: 1, memberId: 'fuzz-member', protocolType: 'consumer', protocolName: 'range', assignments: [] }));
  add(ApiKey.Heartbeat, () => ({ groupId: group, generationId: 1, memberId: 'fuzz-member' }));
  add(ApiKey.LeaveGroup, () => ({ groupId: group, memberId: 'fuzz-member', members: [{ memberId: 'fuzz-member' }] }));
  add(ApiKey.OffsetCommit, () => ({
    groupId: group,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    retentionTimeMs: -1n,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: BigInt(random.int(0, 100)), committedMetadata: 'fuzz' }] }],
  }));
  add(ApiKey.OffsetFetch, () => ({
    groupId: group,
    topics: [{ name: topic, partitionIndexes: [0] }],
    groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [0] }] }],
  }));
  add(ApiKey.DescribeGroups, () => ({ groups: [group] }));
  add(ApiKey.ListGroups, () => ({ statesFilter: [], typesFilter: [] }));
  add(ApiKey.OffsetDelete, () => ({ groupId: group, topics: [{ name: topic, partitions: [{ partitionIndex: 0 }] }] }));
  add(ApiKey.DeleteGroups, () => ({ groupsNames: [`${group}-gone`] }));
  return out;
}

/** Ways to break a record batch that Kafka reports as CORRUPT_MESSAGE (2), never by closing. */
export function corruptBatch(random: Random, batch: Buffer): Buffer {
  const b = Buffer.from(batch);
  switch (random.int(0, 2)) {
    case 0: {
      // A flipped byte in the CRC-32C-covered part (attributes onwards, offset 21) or in the CRC itself.
      const at = random.int(17, b.length - 1);
      b[at] = (b[at] as number) ^ (1 << random.int(0, 7));
      return b;
    }
    case 1:
      // Cut short: batchLength promises more bytes than there are.
      return b.subarray(0, random.int(61, b.length - 1));
    default:
      // batchLength larger than the bytes sent.
      b.writeInt32BE(b.readInt32BE(8) + random.int(1, 1000), 8);
      return b;
  }
}
