import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runKafkaTool } from '../../peers/kafka-tools.ts';
import { describeResult } from '../../peers/run-process.ts';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';
import { describeJavaClient, runJavaProgram } from './java-client.ts';

/**
 * KIP-848 with a client we did not write: the Java consumer with `group.protocol=consumer` (its
 * AsyncKafkaConsumer: ConsumerGroupHeartbeat, OffsetCommit/OffsetFetch v9 with member epochs) and
 * Admin's describeConsumerGroups (ConsumerGroupDescribe), then Kafka's kafka-consumer-groups tool.
 * The flow is ConsumerProtocolFlow.java; the same flow runs against Apache Kafka 4.3, which proves
 * the assertions. Heartbeats every second (both brokers allow it with the min bound lowered) keep
 * the reconciliation rounds short.
 */
const FLOW = fileURLToPath(new URL('ConsumerProtocolFlow.java', import.meta.url));
const FAST_HEARTBEATS = { 'group.consumer.heartbeat.interval.ms': '1000', 'group.consumer.min.heartbeat.interval.ms': '1000' };

type Owners = Record<string, number[]>;

for (const name of compatTargets()) {
  describe(`Java consumer group.protocol=consumer against ${name}`, () => {
    let target: Target;
    before(async () => {
      target = await startTarget(name, FAST_HEARTBEATS);
    });
    after(async () => {
      await target?.close();
    });

    test('2 then 3 members share 6 partitions, a leaver hands over, commits survive into a new member; the tool describes the group', async () => {
      const r = await runJavaProgram(FLOW, 'ConsumerProtocolFlow', [target.bootstrap, 'kip848', 'kip848-group'], { timeoutMs: 150_000 });
      assert.equal(r.code, 0, describeJavaClient(r));
      const phase = (p: string): Record<string, unknown> => {
        const line = r.lines.find((l) => l['phase'] === p);
        assert.ok(line !== undefined, `no ${p} line:\n${describeJavaClient(r)}`);
        return line;
      };
      const sizes = (p: string): number[] =>
        Object.values(phase(p)['owners'] as Owners)
          .map((ps) => ps.length)
          .sort();
      const partitionsOf = (p: string): number[] =>
        Object.values(phase(p)['owners'] as Owners)
          .flat()
          .sort();
      // Uniform assignor: balanced, each partition exactly once.
      assert.deepEqual(sizes('two-members'), [3, 3]);
      assert.deepEqual(sizes('three-members'), [2, 2, 2]);
      assert.deepEqual(partitionsOf('three-members'), [0, 1, 2, 3, 4, 5]);
      assert.equal(phase('consumed')['distinct'], 60);
      const described = phase('describe');
      assert.equal(described['type'], 'Consumer');
      assert.equal(described['state'], 'Stable');
      const members = described['members'] as { partitions: number; memberEpoch: number }[];
      assert.deepEqual(members.map((m) => m.partitions).sort(), [2, 2, 2]);
      for (const m of members) assert.equal(m.memberEpoch, described['groupEpoch']);
      assert.equal(described['assignmentEpoch'], described['groupEpoch']);
      // c3 left: c1 and c2 own everything between them again.
      assert.deepEqual(Object.keys(phase('after-leave')['owners'] as Owners).sort(), ['c1', 'c2']);
      assert.deepEqual(sizes('after-leave'), [3, 3]);
      assert.deepEqual(phase('committed')['offsets'], { '0': 10, '1': 10, '2': 10, '3': 10, '4': 10, '5': 10 });
      // The new member starts at the committed offsets: only the 6 records produced afterwards.
      assert.deepEqual(phase('restart-consumed')['values'], [0, 1, 2, 3, 4, 5].map((p) => `after-${p}-0`));
      assert.equal(phase('done')['overlaps'], 0);

      // Kafka's own tool sees a consumer-protocol group with the committed offsets and no lag.
      const listed = await runKafkaTool('kafka-consumer-groups', ['--bootstrap-server', target.bootstrap, '--list', '--type'], { timeoutMs: 60_000 });
      assert.equal(listed.code, 0, describeResult('kafka-consumer-groups --list --type', listed));
      assert.match(listed.stdout, /kip848-group\s+Consumer/i);
      const tool = await runKafkaTool('kafka-consumer-groups', ['--bootstrap-server', target.bootstrap, '--describe', '--group', 'kip848-group'], { timeoutMs: 60_000 });
      assert.equal(tool.code, 0, describeResult('kafka-consumer-groups --describe', tool));
      const rows = tool.stdout.split('\n').filter((l) => /^kip848-group\s+kip848\s+\d/.test(l));
      assert.equal(rows.length, 6, tool.stdout);
      for (const row of rows) {
        const [, , , current, end, lag] = row.trim().split(/\s+/);
        assert.deepEqual([current, end, lag], ['11', '11', '0'], row);
      }
    });
  });
}
