import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker } from '../../src/broker/index.ts';
import { ApiKey, ErrorCode } from '../../src/protocol/messages/index.ts';
import { buildBatch } from '../../src/protocol/records/index.ts';
import { RawClient } from './broker-raw-client.ts';

// Clients may not write to __consumer_offsets: only the group coordinator does (Kafka answers
// INVALID_TOPIC_EXCEPTION), or a stray record could corrupt every group's state on reload.
test('Produce to an internal topic is refused with INVALID_TOPIC_EXCEPTION; ordinary topics are not', async () => {
  const broker = await startBroker({ properties: { 'offsets.topic.num.partitions': '1', 'group.initial.rebalance.delay.ms': '0' } });
  const c = await RawClient.connect(broker.port);
  try {
    await c.request(ApiKey.Metadata, 4, { topics: [{ name: 'plain' }], allowAutoTopicCreation: true });
    // A committed offset makes the coordinator create __consumer_offsets.
    const commit = await c.request(ApiKey.OffsetCommit, 2, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1n,
      topics: [{ name: 'plain', partitions: [{ partitionIndex: 0, committedOffset: 0n, committedMetadata: null }] }],
    });
    assert.equal(commit.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    const produce = (topic: string) =>
      c.request(ApiKey.Produce, 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: buildBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v') }] }) }] }],
      });
    const internal = await produce('__consumer_offsets');
    assert.equal(internal.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    const plain = await produce('plain');
    assert.equal(plain.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
  } finally {
    c.close();
    await broker.close();
  }
});
