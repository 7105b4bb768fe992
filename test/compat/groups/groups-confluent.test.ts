import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { runPythonJson } from '../helpers/run-process.ts';
import { committedOffsets, createTopic, produceToPartitions } from './fixtures.ts';

/**
 * confluent-kafka-python 1.7.0 (librdkafka 2.0.2) group members: JoinGroup v5, SyncGroup v3,
 * Heartbeat v3, OffsetCommit v7, OffsetFetch v7, LeaveGroup v1, and static membership (KIP-345).
 */

const SCRIPT = new URL('./confluent_groups.py', import.meta.url);

interface Run {
  done: boolean;
  assignments: number[][];
  records: [number, number, string][];
  committed: [number, number][];
}

const consume = (input: Record<string, unknown>) => runPythonJson<Run>(SCRIPT, input, 60_000);

describe('confluent-kafka-python consumer groups', () => {
  let broker: RunningBroker;
  before(async () => {
    // The default 3 s initial delay lets both members join generation 1 together.
    broker = await startBroker();
  });
  after(() => broker?.close());

  test('two members split a 4-partition topic and commit; a third run resumes from the commits', async () => {
    await createTopic(broker, 'confluent-split', 4);
    const first = await produceToPartitions(broker, 'confluent-split', 4, 6, 'first');
    const base = { bootstrap: broker.bootstrap, group: 'confluent-split-group', topic: 'confluent-split', want_partitions: 2 };
    const [a, b] = await Promise.all([consume({ ...base, client: 'member-a' }), consume({ ...base, client: 'member-b' })]);
    assert.ok(a.done && b.done, 'both members finished their share');
    const shareA = a.assignments.find((x) => x.length === 2) as number[];
    const shareB = b.assignments.find((x) => x.length === 2) as number[];
    assert.deepEqual([...shareA, ...shareB].sort(), [0, 1, 2, 3], 'range assignment split the partitions between the members');
    const seen = [...a.records, ...b.records].map((r) => r[2]);
    assert.deepEqual([...new Set(seen)].sort(), [...first].sort());
    assert.deepEqual([...(await committedOffsets(broker, 'confluent-split-group'))].sort(), [0, 1, 2, 3].map((p) => [`confluent-split:${p}`, 6n]));

    const second = await produceToPartitions(broker, 'confluent-split', 4, 2, 'second');
    const c = await consume({ ...base, client: 'member-c', want_partitions: 4 });
    assert.ok(c.done);
    assert.deepEqual(c.records.map((r) => r[2]).sort(), [...second].sort(), 'only what was produced after the commits');
    assert.deepEqual(c.committed, [0, 1, 2, 3].map((p) => [p, 8]));
  });

  test('a static member (group.instance.id) restarting gets its partitions back without a rebalance', async () => {
    await createTopic(broker, 'confluent-static', 2);
    await produceToPartitions(broker, 'confluent-static', 2, 3, 'before');
    const base = { bootstrap: broker.bootstrap, group: 'confluent-static-group', topic: 'confluent-static', instance: 'static-1', want_partitions: 2, session_ms: 30_000 };
    const first = await consume(base);
    assert.ok(first.done);
    assert.equal(first.records.length, 6);
    const group = broker.services.groups.describe('confluent-static-group');
    // librdkafka does not leave on close when static: the member stays, the group stays Stable.
    assert.equal(group.state, 'Stable');
    assert.deepEqual(group.members.map((m) => m.groupInstanceId), ['static-1']);
    const generation = broker.services.groups.groups.get('confluent-static-group')?.generationId;

    const later = await produceToPartitions(broker, 'confluent-static', 2, 2, 'after');
    const second = await consume(base);
    assert.ok(second.done);
    assert.deepEqual(second.assignments, [[0, 1]]);
    assert.deepEqual(second.records.map((r) => r[2]).sort(), [...later].sort());
    assert.equal(broker.services.groups.groups.get('confluent-static-group')?.generationId, generation, 'same generation: no rebalance');
    const after = broker.services.groups.describe('confluent-static-group');
    assert.equal(after.members.length, 1);
    assert.notEqual(after.members[0]?.memberId, group.members[0]?.memberId, 'the restarted process got a new member id');
  });
});
