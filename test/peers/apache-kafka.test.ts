import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KAFKA_VERSION } from '../../scripts/peers/apache-kafka.ts';
import { describeJavaClient, runJavaClient } from '../compat/java/java-client.ts';
import { runKafkaTool, startApacheKafka, type RunningApacheKafka } from './apache-kafka.ts';
import { describeResult, runProcess } from './run-process.ts';

// The harness proves itself against Apache Kafka: if these fail, a compat failure against Gregor
// says nothing about Gregor. One broker for the whole file (crashed and restarted once); the steps
// build on each other.
let kafka: RunningApacheKafka;
let restarted: RunningApacheKafka | undefined;
const topic = 'harness-self-test';

before(async () => {
  kafka = await startApacheKafka();
});

after(async () => {
  // The restarted broker uses the first one's data folder, which the first one's close() removes.
  await restarted?.close();
  await kafka?.close();
});

test(`Apache Kafka ${KAFKA_VERSION} starts and kcat lists broker 1`, async () => {
  assert.match(kafka.bootstrap, /^127\.0\.0\.1:\d+$/);
  assert.ok(kafka.pid > 0);
  const r = await runProcess('kcat', ['-b', kafka.bootstrap, '-L', '-m', '30'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, describeResult('kcat -L', r));
  assert.match(r.stdout, new RegExp(String.raw`broker 1 at ${kafka.bootstrap.replace(/\./g, '\\.')}`));
});

test('kafka-topics creates a topic and describes it', async () => {
  const create = await runKafkaTool(
    'kafka-topics',
    ['--bootstrap-server', kafka.bootstrap, '--create', '--topic', topic, '--partitions', '2', '--replication-factor', '1'],
    { timeoutMs: 60_000 },
  );
  assert.equal(create.code, 0, describeResult('kafka-topics --create', create));
  assert.match(create.stdout, new RegExp(`Created topic ${topic}`));
  const describe = await runKafkaTool('kafka-topics', ['--bootstrap-server', kafka.bootstrap, '--describe', '--topic', topic], { timeoutMs: 60_000 });
  assert.equal(describe.code, 0, describeResult('kafka-topics --describe', describe));
  assert.match(describe.stdout, /PartitionCount: 2/);
});

test('the Java client produces 10 records and kafka-console-consumer reads them back', async () => {
  const produced = await runJavaClient(['produce', kafka.bootstrap, topic, '10', '--acks', 'all', '--compression', 'lz4']);
  assert.equal(produced.code, 0, describeJavaClient(produced));
  assert.equal(produced.lines.length, 10);
  // Every acknowledged record has a real offset, and the offsets of each partition are 0, 1, 2, …
  const byPartition = new Map<number, number[]>();
  for (const line of produced.lines) {
    const list = byPartition.get(line['partition'] as number) ?? [];
    list.push(line['offset'] as number);
    byPartition.set(line['partition'] as number, list);
  }
  for (const offsets of byPartition.values()) assert.deepEqual([...offsets].sort((a, b) => a - b), offsets.map((_, i) => i));

  const consumed = await runKafkaTool(
    'kafka-console-consumer',
    ['--bootstrap-server', kafka.bootstrap, '--topic', topic, '--from-beginning', '--max-messages', '10',
      '--timeout-ms', '60000', '--formatter-property', 'print.key=true', '--formatter-property', 'key.separator=='],
    { timeoutMs: 90_000 },
  );
  assert.equal(consumed.code, 0, describeResult('kafka-console-consumer', consumed));
  const got = consumed.stdout.trim().split('\n').sort();
  const want = Array.from({ length: 10 }, (_, i) => `key-${i}=value-${i}`).sort();
  assert.deepEqual(got, want);
});

test('kill9() crashes the broker; a restart on the same log dir still has the records', async () => {
  await kafka.kill9();
  assert.throws(() => process.kill(kafka.pid, 0), { code: 'ESRCH' });
  restarted = await startApacheKafka({ logDir: kafka.logDir });
  assert.equal(restarted.clusterId, kafka.clusterId);
  const offsets = await runKafkaTool('kafka-get-offsets', ['--bootstrap-server', restarted.bootstrap, '--topic', topic], { timeoutMs: 60_000 });
  assert.equal(offsets.code, 0, describeResult('kafka-get-offsets', offsets));
  // Lines are topic:partition:offset; the end offsets add up to the 10 records produced above.
  assert.equal(offsets.stdout.trim().split('\n').reduce((sum, line) => sum + Number(line.split(':')[2]), 0), 10);
});

test('close() stops the JVM', async () => {
  const broker = restarted ?? kafka;
  await broker.close();
  // Signal 0 only asks whether the process exists.
  assert.throws(() => process.kill(broker.pid, 0), { code: 'ESRCH' });
});
