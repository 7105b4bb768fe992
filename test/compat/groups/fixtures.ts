import assert from 'node:assert/strict';
import { ApiKey, ErrorCode } from '../../../src/protocol/messages/index.ts';
import { buildBatch } from '../../../src/protocol/records/index.ts';
import { RawClient } from '../../e2e/broker-raw-client.ts';

/** Test data for the group tests, written over the wire with the raw client (no peer involved). */

/** A running broker of any kind: Gregor's RunningBroker or a compat Target. */
export interface Listening {
  readonly port: number;
}

export async function createTopic(broker: Listening, name: string, partitions: number): Promise<void> {
  const client = await RawClient.connect(broker.port);
  try {
    const r = await client.request(ApiKey.CreateTopics, 4, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE);
  } finally {
    client.close();
  }
}

/** Appends `values` to each partition as `<prefix>-p<partition>-<i>`; returns every value written. */
export async function produceToPartitions(broker: Listening, topic: string, partitions: number, perPartition: number, prefix: string): Promise<string[]> {
  const client = await RawClient.connect(broker.port);
  const all: string[] = [];
  try {
    for (let p = 0; p < partitions; p++) {
      const values = Array.from({ length: perPartition }, (_, i) => `${prefix}-p${p}-${i}`);
      all.push(...values);
      // Apache Kafka needs a moment after CreateTopics before the new partitions have a leader.
      for (let attempt = 0; ; attempt++) {
        const records = buildBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
        const r = await client.request(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: p, records }] }] });
        const code = r.responses[0]?.partitionResponses[0]?.errorCode;
        if (attempt < 50 && (code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.LEADER_NOT_AVAILABLE || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        assert.equal(code, ErrorCode.NONE);
        break;
      }
    }
  } finally {
    client.close();
  }
  return all;
}

/** OffsetFetch v8 for one group: partition → committed offset (only partitions with a commit). */
export async function committedOffsets(broker: Listening, group: string): Promise<Map<string, bigint>> {
  const client = await RawClient.connect(broker.port);
  try {
    const r = await client.request(ApiKey.OffsetFetch, 8, { groups: [{ groupId: group, topics: null }], requireStable: false });
    const out = new Map<string, bigint>();
    for (const t of r.groups[0]?.topics ?? []) for (const p of t.partitions) out.set(`${t.name}:${p.partitionIndex}`, p.committedOffset);
    return out;
  } finally {
    client.close();
  }
}
