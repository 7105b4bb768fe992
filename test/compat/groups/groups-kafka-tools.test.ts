import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker } from '../../../src/broker/index.ts';
import { offsetsPartitionFor } from '../../../src/coordinator/index.ts';
import { runKafkaTool } from '../../peers/kafka-tools.ts';
import { describeResult } from '../../peers/run-process.ts';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';
import { committedOffsets, createTopic, produceToPartitions } from './fixtures.ts';

/**
 * Apache Kafka 4.x's own group tooling. kafka-consumer-groups (Java AdminClient: ListGroups,
 * DescribeGroups, OffsetFetch, OffsetCommit for --reset-offsets, OffsetDelete, DeleteGroups) runs the
 * same flow against each compat target; kafka-dump-log --offsets-decoder reads Gregor's
 * `__consumer_offsets` segment files, which proves they hold Kafka's record formats.
 */

const TIMEOUT = { timeoutMs: 90_000 };
const TOPIC = 'tools-groups';
const GROUP = 'tools-group';

for (const name of compatTargets()) {
  describe(`kafka-consumer-groups against ${name}`, () => {
    let target: Target;
    before(async () => {
      target = await startTarget(name);
    });
    after(() => target?.close());

    test('list, describe --state, --reset-offsets (--to-offset, --to-earliest, --to-latest), --delete-offsets, --delete', async () => {
      const groups = (...args: string[]) => runKafkaTool('kafka-consumer-groups', ['--bootstrap-server', target.bootstrap, ...args], TIMEOUT);
      await createTopic(target, TOPIC, 2);
      await produceToPartitions(target, TOPIC, 2, 5, 'v');
      const consumed = await runKafkaTool(
        'kafka-console-consumer',
        ['--bootstrap-server', target.bootstrap, '--topic', TOPIC, '--group', GROUP, '--from-beginning', '--max-messages', '10', '--timeout-ms', '60000'],
        TIMEOUT,
      );
      assert.equal(consumed.code, 0, describeResult('kafka-console-consumer', consumed));
      assert.deepEqual([...(await committedOffsets(target, GROUP))].sort(), [[`${TOPIC}:0`, 5n], [`${TOPIC}:1`, 5n]]);

      const list = await groups('--list');
      assert.equal(list.code, 0, describeResult('--list', list));
      assert.ok(list.stdout.split('\n').map((l) => l.trim()).includes(GROUP), list.stdout);

      const state = await groups('--describe', '--group', GROUP, '--state');
      assert.equal(state.code, 0, describeResult('--describe --state', state));
      // Columns: GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS
      const stateRow = state.stdout.split('\n').find((l) => l.startsWith(GROUP)) ?? '';
      assert.deepEqual(stateRow.trim().split(/\s+/).slice(-2), ['Empty', '0'], state.stdout);

      const reset = await groups('--reset-offsets', '--group', GROUP, '--topic', `${TOPIC}:0`, '--to-offset', '2', '--execute');
      assert.equal(reset.code, 0, describeResult('--reset-offsets', reset));
      assert.deepEqual([...(await committedOffsets(target, GROUP))].sort(), [[`${TOPIC}:0`, 2n], [`${TOPIC}:1`, 5n]]);
      // --to-earliest asks the broker for the log start (ListOffsets, earliest) of every partition.
      const earliest = await groups('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--execute');
      assert.equal(earliest.code, 0, describeResult('--reset-offsets --to-earliest', earliest));
      assert.deepEqual([...(await committedOffsets(target, GROUP))].sort(), [[`${TOPIC}:0`, 0n], [`${TOPIC}:1`, 0n]]);
      const back = await groups('--reset-offsets', '--group', GROUP, '--topic', `${TOPIC}:1`, '--to-latest', '--execute');
      assert.equal(back.code, 0, describeResult('--reset-offsets --to-latest', back));
      assert.deepEqual([...(await committedOffsets(target, GROUP))].sort(), [[`${TOPIC}:0`, 0n], [`${TOPIC}:1`, 5n]]);

      const deleteOffsets = await groups('--delete-offsets', '--group', GROUP, '--topic', `${TOPIC}:1`);
      assert.equal(deleteOffsets.code, 0, describeResult('--delete-offsets', deleteOffsets));
      assert.deepEqual([...(await committedOffsets(target, GROUP))], [[`${TOPIC}:0`, 0n]]);

      const deleted = await groups('--delete', '--group', GROUP);
      assert.equal(deleted.code, 0, describeResult('--delete', deleted));
      assert.match(deleted.stdout, /Deletion of requested consumer groups \('tools-group'\) was successful/);
      const after = await groups('--list');
      assert.ok(!after.stdout.split('\n').map((l) => l.trim()).includes(GROUP), after.stdout);
    });
  });
}

describe("kafka-dump-log --offsets-decoder reads Gregor's __consumer_offsets", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-dump-offsets-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /**
   * A Gregor broker on `dir` gets a topic of 3 records that Kafka's console consumer reads in `group`
   * (with `consumerArgs`); then kafka-dump-log decodes the group's __consumer_offsets partition.
   */
  async function consumeThenDump(group: string, topic: string, consumerArgs: readonly string[] = []): Promise<string> {
    const broker = await startBroker({ properties: { 'log.dirs': dir, 'group.initial.rebalance.delay.ms': '0' } });
    try {
      await createTopic(broker, topic, 1);
      await produceToPartitions(broker, topic, 1, 3, 'v');
      const consumed = await runKafkaTool(
        'kafka-console-consumer',
        ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--group', group, '--from-beginning', '--max-messages', '3', '--timeout-ms', '60000', ...consumerArgs],
        TIMEOUT,
      );
      assert.equal(consumed.code, 0, describeResult('kafka-console-consumer', consumed));
    } finally {
      await broker.close();
    }
    const partition = offsetsPartitionFor(group, 50);
    const dump = await runKafkaTool('kafka-dump-log', ['--offsets-decoder', '--files', join(dir, `__consumer_offsets-${partition}`, '00000000000000000000.log')], TIMEOUT);
    assert.equal(dump.code, 0, describeResult('kafka-dump-log', dump));
    assert.doesNotMatch(dump.stdout, /isvalid: false|Error|Exception/);
    return dump.stdout;
  }

  test('group metadata and offset commits decode with the JSON schemas Kafka ships', async () => {
    const dump = await consumeThenDump(GROUP, TOPIC);
    assert.match(dump, /key: \{"type":"2","data":\{"group":"tools-group"\}\} payload: \{"version":"3","data":\{"protocolType":"consumer","generation":1,"protocol":"[a-z]+"/);
    assert.match(dump, /"subscription":\{"topics":\["tools-groups"\]/);
    assert.match(dump, /key: \{"type":"1","data":\{"group":"tools-group","topic":"tools-groups","partition":0\}\} payload: \{"version":"3","data":\{"offset":3,/);
  });

  test('KIP-848 group records decode too, with the current assignment\'s assignment epochs (KIP-1251)', async () => {
    const dump = await consumeThenDump('tools-848-group', 'tools-848', ['--command-property', 'group.protocol=consumer']);
    // Type 8 is ConsumerGroupCurrentMemberAssignment: the member held partition 0 since its first epoch.
    assert.match(dump, /key: \{"type":"8","data":\{"groupId":"tools-848-group","memberId":"[^"]+"\}\} payload: \{"version":"0","data":\{"memberEpoch":1,"previousMemberEpoch":0,"state":0,"assignedPartitions":\[\{"topicId":"[^"]+","partitions":\[0\],"assignmentEpochs":\[1\]\}\]/);
    assert.match(dump, /key: \{"type":"3","data":\{"groupId":"tools-848-group"\}\}/);
  });
});
