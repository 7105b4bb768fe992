import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runKafkaTool } from '../../peers/kafka-tools.ts';
import { describeResult } from '../../peers/run-process.ts';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';

// Apache Kafka's own CLI tools against each compat target: the commands an operator types first.
// See test/peers/target.ts for the targets.
const TIMEOUT = { timeoutMs: 90_000 };

for (const name of compatTargets()) {
  describe(`Kafka CLI tools against ${name}`, () => {
    let target: Target;
    const topic = 'cli-compat';
    const b = (): string[] => ['--bootstrap-server', target.bootstrap];

    before(async () => {
      target = await startTarget(name);
    });
    after(async () => {
      await target?.close();
    });

    test('kafka-topics: create, list, describe', async () => {
      const created = await runKafkaTool('kafka-topics', [...b(), '--create', '--topic', topic, '--partitions', '2', '--replication-factor', '1'], TIMEOUT);
      assert.equal(created.code, 0, describeResult('kafka-topics --create', created));
      const listed = await runKafkaTool('kafka-topics', [...b(), '--list'], TIMEOUT);
      assert.equal(listed.code, 0, describeResult('kafka-topics --list', listed));
      assert.ok(listed.stdout.split('\n').includes(topic), listed.stdout);
      const described = await runKafkaTool('kafka-topics', [...b(), '--describe', '--topic', topic], TIMEOUT);
      assert.equal(described.code, 0, describeResult('kafka-topics --describe', described));
      assert.match(described.stdout, /PartitionCount: 2\s+ReplicationFactor: 1/);
      assert.equal(described.stdout.match(/Partition: \d+\s+Leader: 1/g)?.length, 2);
    });

    test('kafka-topics --alter adds partitions; --describe shows them', async () => {
      const grown = 'cli-grown';
      const created = await runKafkaTool('kafka-topics', [...b(), '--create', '--topic', grown, '--partitions', '1', '--replication-factor', '1'], TIMEOUT);
      assert.equal(created.code, 0, describeResult('kafka-topics --create', created));
      const altered = await runKafkaTool('kafka-topics', [...b(), '--alter', '--topic', grown, '--partitions', '3'], TIMEOUT);
      assert.equal(altered.code, 0, describeResult('kafka-topics --alter', altered));
      const shrink = await runKafkaTool('kafka-topics', [...b(), '--alter', '--topic', grown, '--partitions', '2'], TIMEOUT);
      assert.notEqual(shrink.code, 0, 'partitions cannot be removed');
      assert.match(shrink.stdout + shrink.stderr, /InvalidPartitionsException|can only be increased/i);
      const described = await runKafkaTool('kafka-topics', [...b(), '--describe', '--topic', grown], TIMEOUT);
      assert.equal(described.code, 0, describeResult('kafka-topics --describe', described));
      assert.match(described.stdout, /PartitionCount: 3\s+ReplicationFactor: 1/);
    });

    test('kafka-configs: alter a topic config and read it back', async () => {
      const entity = ['--entity-type', 'topics', '--entity-name', topic];
      const altered = await runKafkaTool('kafka-configs', [...b(), '--alter', ...entity, '--add-config', 'retention.ms=7200000'], TIMEOUT);
      assert.equal(altered.code, 0, describeResult('kafka-configs --alter', altered));
      const described = await runKafkaTool('kafka-configs', [...b(), '--describe', ...entity], TIMEOUT);
      assert.equal(described.code, 0, describeResult('kafka-configs --describe', described));
      assert.match(described.stdout, /retention\.ms=7200000/);
    });

    test('kafka-console-producer writes keyed lines; kafka-get-offsets counts them', async () => {
      const input = Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
      const produced = await runKafkaTool(
        'kafka-console-producer',
        [...b(), '--topic', topic, '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:',
          ...Object.entries(target.producerProperties).flatMap(([k, v]) => ['--command-property', `${k}=${v}`])],
        { ...TIMEOUT, input },
      );
      assert.equal(produced.code, 0, describeResult('kafka-console-producer', produced));
      const offsets = await runKafkaTool('kafka-get-offsets', [...b(), '--topic', topic, '--time', 'latest'], TIMEOUT);
      assert.equal(offsets.code, 0, describeResult('kafka-get-offsets', offsets));
      // Lines are topic:partition:offset.
      const total = offsets.stdout.trim().split('\n').reduce((sum, line) => sum + Number(line.split(':')[2]), 0);
      assert.equal(total, 10);
    });

    test('kafka-console-consumer reads them back in a group; kafka-consumer-groups shows no lag', async () => {
      const consumed = await runKafkaTool(
        'kafka-console-consumer',
        [...b(), '--topic', topic, '--group', 'cli-compat-group', '--from-beginning', '--max-messages', '10', '--timeout-ms', '60000',
          '--formatter-property', 'print.key=true', '--formatter-property', 'key.separator=:'],
        TIMEOUT,
      );
      assert.equal(consumed.code, 0, describeResult('kafka-console-consumer', consumed));
      assert.deepEqual(consumed.stdout.trim().split('\n').sort(), Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).sort());

      const groups = await runKafkaTool('kafka-consumer-groups', [...b(), '--describe', '--group', 'cli-compat-group'], TIMEOUT);
      assert.equal(groups.code, 0, describeResult('kafka-consumer-groups --describe', groups));
      // Columns: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG …, one row per partition.
      const rows = groups.stdout.split('\n').filter((l) => l.startsWith('cli-compat-group'));
      assert.equal(rows.length, 2, groups.stdout);
      for (const row of rows) assert.equal(row.trim().split(/\s+/)[5], '0', row);
    });

    test('kafka-console-producer with each --compression-codec; kafka-get-offsets --time finds the first offset of a run', async () => {
      const codecTopic = 'cli-codecs';
      const created = await runKafkaTool('kafka-topics', [...b(), '--create', '--topic', codecTopic, '--partitions', '1', '--replication-factor', '1'], TIMEOUT);
      assert.equal(created.code, 0, describeResult('kafka-topics --create', created));
      const codecs = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
      const startedAt = new Map<string, number>();
      for (const codec of codecs) {
        startedAt.set(codec, Date.now());
        const input = Array.from({ length: 5 }, (_, i) => `${codec}-${i}`).join('\n') + '\n';
        const produced = await runKafkaTool(
          'kafka-console-producer',
          [...b(), '--topic', codecTopic, '--compression-codec', codec,
            ...Object.entries(target.producerProperties).flatMap(([k, v]) => ['--command-property', `${k}=${v}`])],
          { ...TIMEOUT, input },
        );
        assert.equal(produced.code, 0, describeResult(`kafka-console-producer --compression-codec ${codec}`, produced));
      }
      // The records carry CreateTime from the producer's clock, this machine's: the lz4 run began
      // after the snappy run had ended, so its first record (offset 10) is the first at or after that time.
      const byTime = await runKafkaTool('kafka-get-offsets', [...b(), '--topic', codecTopic, '--time', String(startedAt.get('lz4'))], TIMEOUT);
      assert.equal(byTime.code, 0, describeResult('kafka-get-offsets --time', byTime));
      assert.equal(byTime.stdout.trim(), `${codecTopic}:0:10`);
      const consumed = await runKafkaTool('kafka-console-consumer', [...b(), '--topic', codecTopic, '--from-beginning', '--max-messages', '20', '--timeout-ms', '60000'], TIMEOUT);
      assert.equal(consumed.code, 0, describeResult('kafka-console-consumer', consumed));
      assert.deepEqual(consumed.stdout.trim().split('\n'), codecs.flatMap((c) => Array.from({ length: 5 }, (_, i) => `${c}-${i}`)));
    });

    test('kafka-console-consumer with group.protocol=consumer (KIP-848); kafka-consumer-groups describes the consumer group', async () => {
      const consumed = await runKafkaTool(
        'kafka-console-consumer',
        [...b(), '--topic', topic, '--group', 'cli-848-group', '--from-beginning', '--max-messages', '10', '--timeout-ms', '60000',
          '--command-property', 'group.protocol=consumer', '--formatter-property', 'print.key=true', '--formatter-property', 'key.separator=:'],
        TIMEOUT,
      );
      assert.equal(consumed.code, 0, describeResult('kafka-console-consumer group.protocol=consumer', consumed));
      assert.deepEqual(consumed.stdout.trim().split('\n').sort(), Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).sort());
      // The console consumer commits on close; the tool reads the group through ConsumerGroupDescribe
      // and OffsetFetch and shows its type.
      const listed = await runKafkaTool('kafka-consumer-groups', [...b(), '--list', '--type'], TIMEOUT);
      assert.equal(listed.code, 0, describeResult('kafka-consumer-groups --list --type', listed));
      assert.match(listed.stdout, /^cli-848-group\s+Consumer\s*$/im);
      const groups = await runKafkaTool('kafka-consumer-groups', [...b(), '--describe', '--group', 'cli-848-group'], TIMEOUT);
      assert.equal(groups.code, 0, describeResult('kafka-consumer-groups --describe', groups));
      const rows = groups.stdout.split('\n').filter((l) => l.startsWith('cli-848-group'));
      assert.equal(rows.length, 2, groups.stdout);
      for (const row of rows) assert.equal(row.trim().split(/\s+/)[5], '0', row);
    });
  });
}
