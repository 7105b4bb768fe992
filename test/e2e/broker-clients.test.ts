import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';

/**
 * Real clients against the broker core: librdkafka (kcat, confluent-kafka-python), kafkajs and
 * kafka-python, each doing the admin and metadata calls they make first. The processes run
 * asynchronously so the in-process broker keeps serving them.
 */
const run = promisify(execFile);
/** Debian's interpreter, where python3-confluent-kafka and python3-kafka are installed. */
const PYTHON = '/usr/bin/python3';

describe('third-party clients', () => {
  let broker: RunningBroker;

  before(async () => {
    broker = await startBroker();
  });
  after(() => broker.close());

  test('kcat -L lists the broker (as controller) and auto-creates the topic it asks for', async () => {
    const { stdout } = await run('kcat', ['-L', '-b', broker.bootstrap, '-t', 'kcat-topic', '-m', '10'], { timeout: 30_000 });
    assert.match(stdout, new RegExp(`broker 1 at 127\\.0\\.0\\.1:${broker.port} \\(controller\\)`));
    assert.match(stdout, /topic "kcat-topic" with 1 partitions:/);
    assert.match(stdout, /partition 0, leader 1, replicas: 1, isrs: 1/);
    const all = await run('kcat', ['-L', '-b', broker.bootstrap, '-m', '10'], { timeout: 30_000 });
    assert.match(all.stdout, /topic "kcat-topic"/);
  });

  test('kafkajs admin: createTopics, fetchTopicMetadata, describeConfigs, createPartitions, deleteTopics', async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'gregor-e2e', logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '120000' }] }] }), true);
      assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs' }] }), false, 'already exists');
      const md = await admin.fetchTopicMetadata({ topics: ['kjs'] });
      assert.deepEqual(md.topics[0]?.partitions.map((p) => [p.partitionId, p.leader]).sort(), [[0, 1], [1, 1], [2, 1]]);
      const configs = await admin.describeConfigs({ resources: [{ type: 2, name: 'kjs' }], includeSynonyms: false });
      const entries = configs.resources[0]?.configEntries ?? [];
      assert.equal(entries.find((e) => e.configName === 'retention.ms')?.configValue, '120000');
      assert.equal(entries.find((e) => e.configName === 'cleanup.policy')?.isDefault, true);
      await admin.createPartitions({ topicPartitions: [{ topic: 'kjs', count: 4 }] });
      const cluster = await admin.describeCluster();
      assert.equal(cluster.controller, 1);
      assert.equal(cluster.clusterId, broker.clusterId);
      await admin.deleteTopics({ topics: ['kjs'] });
      assert.ok(!(await admin.listTopics()).includes('kjs'));
    } finally {
      await admin.disconnect();
    }
  });

  test('@platformatic/kafka admin (flexible versions only: ApiVersions v3, Metadata 9+, CreateTopics 7, DeleteTopics 6)', async () => {
    const admin = new Admin({ clientId: 'gregor-e2e', bootstrapBrokers: [broker.bootstrap] });
    try {
      const [created] = await admin.createTopics({ topics: ['plat'], partitions: 2, replicas: 1 });
      assert.equal(created?.partitions, 2);
      assert.equal(created?.configuration['retention.ms'], '604800000');
      const md = await admin.metadata({ topics: ['plat'] });
      assert.equal(md.id, broker.clusterId);
      assert.equal(md.controllerId, 1);
      assert.equal(md.topics.get('plat')?.partitionsCount, 2);
      assert.equal(md.topics.get('plat')?.id, created?.id);
      await admin.deleteTopics({ topics: ['plat'] });
      assert.equal(broker.services.metadata.topic('plat'), undefined);
    } finally {
      await admin.close();
    }
  });

  test('confluent-kafka-python AdminClient: create_topics, describe_configs, alter_configs', async () => {
    const script = `
import sys
from confluent_kafka.admin import AdminClient, NewTopic, ConfigResource
a = AdminClient({'bootstrap.servers': sys.argv[1]})
for t, f in a.create_topics([NewTopic('ck', 2, 1, config={'cleanup.policy': 'compact'})]).items():
    f.result()
for r, f in a.describe_configs([ConfigResource('topic', 'ck')]).items():
    c = f.result()
    print('before', len(c), c['cleanup.policy'].value, c['retention.ms'].value)
for r, f in a.alter_configs([ConfigResource('topic', 'ck', set_config={'retention.ms': '5000', 'cleanup.policy': 'compact'})]).items():
    f.result()
for r, f in a.describe_configs([ConfigResource('topic', 'ck')]).items():
    c = f.result()
    print('after', c['cleanup.policy'].value, c['retention.ms'].value)
for t, f in a.create_topics([NewTopic('ck', 1, 1)]).items():
    try:
        f.result()
    except Exception as e:
        print('again', e.args[0].name())
print('topics', sorted(a.list_topics(timeout=10).topics))
`;
    const { stdout } = await run(PYTHON, ['-c', script, broker.bootstrap], { timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^before \d+ compact 604800000$/);
    assert.equal(lines[1], 'after compact 5000');
    assert.equal(lines[2], 'again TOPIC_ALREADY_EXISTS');
    assert.match(lines[3] ?? '', /'ck'/);
  });

  test("kafka-python's bootstrap probe (ApiVersions v0 + Metadata v0) succeeds and KafkaAdminClient lists topics", async () => {
    const script = `
import sys
from kafka.admin import KafkaAdminClient, NewTopic
a = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=10000)
print('version', a.config['api_version'])
a.create_topics([NewTopic('kp', 1, 1)])
print('topics', sorted(a.list_topics()))
a.close()
`;
    const { stdout } = await run(PYTHON, ['-c', script, broker.bootstrap], { timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^version \(\d+, \d+, \d+\)$/);
    assert.match(lines[1] ?? '', /'kp'/);
  });
});
