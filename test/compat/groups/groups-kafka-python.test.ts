import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { runPythonJson } from '../helpers/run-process.ts';
import { createTopic, produceToPartitions } from './fixtures.ts';

/**
 * kafka-python 2.0.2 KafkaConsumer(group_id=...): FindCoordinator v0, JoinGroup v2, SyncGroup v1,
 * Heartbeat v1, OffsetCommit v2, OffsetFetch v1, LeaveGroup v1; and its committed() reading the
 * offsets back after the broker restarted on the same data directory.
 */

const SCRIPT = new URL('./kafka_python_groups.py', import.meta.url);

interface ConsumeResult {
  records: [number, number, string][];
  assignment: number[];
  committed: [number, number | null][];
}

describe('kafka-python consumer group', () => {
  let dir: string;
  let broker: RunningBroker | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-kafka-python-groups-'));
  });
  after(async () => {
    await broker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('subscribe, consume, commit; committed() is the same after a broker restart', async () => {
    const properties = { 'log.dirs': dir, 'group.initial.rebalance.delay.ms': '0' };
    broker = await startBroker({ properties });
    await createTopic(broker, 'kp-groups', 2);
    const values = await produceToPartitions(broker, 'kp-groups', 2, 4, 'kp');
    const run = await runPythonJson<ConsumeResult>(SCRIPT, { step: 'consume', bootstrap: broker.bootstrap, group: 'kp-group', topic: 'kp-groups', count: 8 });
    assert.deepEqual(run.records.map((r) => r[2]).sort(), [...values].sort());
    assert.deepEqual(run.assignment, [0, 1]);
    assert.deepEqual(run.committed, [[0, 4], [1, 4]]);
    // A partition never committed reads back as None (offset -1 on the wire).
    const fresh = await runPythonJson<{ committed: [number, number | null][] }>(SCRIPT, { step: 'committed', bootstrap: broker.bootstrap, group: 'kp-other', topic: 'kp-groups' });
    assert.deepEqual(fresh.committed, [[0, null], [1, null]]);
    await broker.close();

    broker = await startBroker({ properties });
    const reread = await runPythonJson<{ committed: [number, number | null][] }>(SCRIPT, { step: 'committed', bootstrap: broker.bootstrap, group: 'kp-group', topic: 'kp-groups' });
    assert.deepEqual(reread.committed, [[0, 4], [1, 4]]);
    assert.equal(broker.services.groups.describe('kp-group').state, 'Empty');
  });
});
