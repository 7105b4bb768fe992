import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { runProcess } from '../helpers/run-process.ts';
import { committedOffsets, createTopic, produceToPartitions } from './fixtures.ts';

/**
 * kcat 1.7.1 (librdkafka 2.0.2) balanced consumer, `kcat -G group topic`: FindCoordinator v2,
 * JoinGroup v5 with the MEMBER_ID_REQUIRED round trip, SyncGroup v3, Heartbeat v3, OffsetCommit v7,
 * OffsetFetch v7, LeaveGroup v1. Broker defaults (50 offsets partitions, 3 s initial rebalance delay).
 */

/** Reads what the group has not consumed yet, to the end of every partition (-e), committing as it goes. */
async function kcatGroupConsume(bootstrap: string, group: string, topic: string): Promise<string[]> {
  const { stdout } = await runProcess(
    'kcat',
    // Not `-o beginning`: with -G kcat would apply it to every assignment and ignore the commits.
    ['-b', bootstrap, '-G', group, topic, '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%s\\n', '-X', 'auto.commit.interval.ms=100', '-m', '20'],
    { timeoutMs: 60_000 },
  );
  return stdout.split('\n').filter((l) => l !== '');
}

describe('kcat balanced consumer (-G)', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker();
  });
  after(() => broker?.close());

  test('consumes every partition, commits, and a second run resumes after the commits', async () => {
    await createTopic(broker, 'kcat-groups', 3);
    const first = await produceToPartitions(broker, 'kcat-groups', 3, 5, 'first');
    const consumed = await kcatGroupConsume(broker.bootstrap, 'kcat-group', 'kcat-groups');
    assert.deepEqual(consumed.sort(), [...first].sort());
    const offsets = await committedOffsets(broker, 'kcat-group');
    assert.deepEqual([...offsets].sort(), [['kcat-groups:0', 5n], ['kcat-groups:1', 5n], ['kcat-groups:2', 5n]]);

    const second = await produceToPartitions(broker, 'kcat-groups', 3, 2, 'second');
    const resumed = await kcatGroupConsume(broker.bootstrap, 'kcat-group', 'kcat-groups');
    assert.deepEqual(resumed.sort(), [...second].sort());
    const d = broker.services.groups.describe('kcat-group');
    assert.equal(d.state, 'Empty', 'kcat left the group on exit');
    assert.equal(d.protocolType, 'consumer');
  });
});
