import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { ApiKey, ErrorCode } from '../../src/protocol/messages/index.ts';
import { ZERO_UUID } from '../../src/protocol/wire/index.ts';
import { RawClient } from './broker-raw-client.ts';

/** The admin and metadata handlers over the wire, at old (non-flexible) and new (flexible) versions. */

const TOPIC = 2;
const BROKER = 4;

describe('metadata and admin handlers', () => {
  let broker: RunningBroker;
  let c: RawClient;

  before(async () => {
    broker = await startBroker();
    c = await RawClient.connect(broker.port);
  });
  after(async () => {
    c.close();
    await broker.close();
  });

  test('ApiVersions lists the served APIs with the ranges of the compatibility notes', async () => {
    const body = await c.request(ApiKey.ApiVersions, 0, {});
    const ranges = new Map(body.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    assert.deepEqual(ranges.get(ApiKey.ApiVersions), [0, 4]);
    assert.deepEqual(ranges.get(ApiKey.Metadata), [0, 12]);
    assert.deepEqual(ranges.get(ApiKey.CreateTopics), [0, 7]);
    assert.deepEqual(ranges.get(ApiKey.DeleteTopics), [0, 6]);
    assert.deepEqual(ranges.get(ApiKey.DescribeConfigs), [0, 4]);
    assert.deepEqual(ranges.get(ApiKey.AlterConfigs), [0, 2]);
    assert.deepEqual(ranges.get(ApiKey.CreatePartitions), [0, 3]);
    assert.deepEqual(ranges.get(ApiKey.IncrementalAlterConfigs), [0, 1]);
    assert.deepEqual(ranges.get(ApiKey.DescribeCluster), [0, 1]);
    assert.deepEqual(ranges.get(ApiKey.DescribeLogDirs), [1, 4]);
    const bad = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: '-bad name', clientSoftwareVersion: '1' });
    assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('Metadata names this broker as the only broker and the controller, with a stable cluster id', async () => {
    const v12 = await c.request(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    assert.deepEqual(v12.brokers.map((b) => [b.nodeId, b.host, b.port, b.rack]), [[1, '127.0.0.1', broker.port, null]]);
    assert.equal(v12.controllerId, 1);
    assert.equal(v12.clusterId, broker.clusterId);
    assert.match(broker.clusterId, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(v12.topics, []);
  });

  test('Metadata auto-creates: implicitly for v0-3, by flag from v4, never when the flag is false', async () => {
    const v1 = await c.request(ApiKey.Metadata, 1, { topics: [{ name: 'auto-v1' }] });
    assert.equal(v1.topics[0]?.errorCode, ErrorCode.NONE);
    assert.deepEqual(v1.topics[0]?.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes, p.isrNodes]), [[0, 1, [1], [1]]]);
    const off = await c.request(ApiKey.Metadata, 4, { topics: [{ name: 'auto-off' }], allowAutoTopicCreation: false });
    assert.equal(off.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const on = await c.request(ApiKey.Metadata, 9, { topics: [{ name: 'auto-v9' }], allowAutoTopicCreation: true });
    assert.equal(on.topics[0]?.errorCode, ErrorCode.NONE);
    assert.equal(on.topics[0]?.partitions[0]?.leaderEpoch, 0);
    const invalid = await c.request(ApiKey.Metadata, 9, { topics: [{ name: 'bad/name' }], allowAutoTopicCreation: true });
    assert.equal(invalid.topics[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  test('Metadata v0 empty list and v1+ null list mean all topics; v10+ carries topic ids and looks them up', async () => {
    await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'listed', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
    const v0 = await c.request(ApiKey.Metadata, 0, { topics: [] });
    assert.ok(v0.topics.some((t) => t.name === 'listed' && t.partitions.length === 2));
    const v1 = await c.request(ApiKey.Metadata, 1, { topics: null });
    assert.deepEqual(v1.topics.map((t) => t.name).sort(), v0.topics.map((t) => t.name).sort());
    const v1none = await c.request(ApiKey.Metadata, 1, { topics: [] });
    assert.deepEqual(v1none.topics, []);
    const v12 = await c.request(ApiKey.Metadata, 12, { topics: [{ name: 'listed' }], includeTopicAuthorizedOperations: false });
    const id = v12.topics[0]?.topicId ?? ZERO_UUID;
    assert.notEqual(id, ZERO_UUID);
    assert.equal(v12.topics[0]?.topicAuthorizedOperations, -2147483648);
    const byId = await c.request(ApiKey.Metadata, 12, { topics: [{ name: null, topicId: id }] });
    assert.equal(byId.topics[0]?.name, 'listed');
    const unknownId = await c.request(ApiKey.Metadata, 12, { topics: [{ name: null, topicId: '11111111-2222-4333-8444-555555555555' }] });
    assert.equal(unknownId.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    const ops = await c.request(ApiKey.Metadata, 8, { topics: [{ name: 'listed' }], includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
    assert.ok((ops.topics[0]?.topicAuthorizedOperations ?? 0) > 0);
    assert.ok(ops.clusterAuthorizedOperations > 0);
  });

  test('CreateTopics validates names, counts, configs and duplicates, and honours validate_only', async () => {
    const r = await c.request(ApiKey.CreateTopics, 7, {
      topics: [
        { name: 'ok.topic', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [{ name: 'retention.ms', value: '60000' }] },
        { name: 'ok_topic', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'a'.repeat(250), numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: '..', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'bad config', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'zero', numPartitions: 0, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'rf3', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] },
        { name: 'cfg', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.mss', value: '1' }] },
        { name: 'cfgval', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'shred' }] },
        { name: 'dup', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'dup', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'manual', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [1] }], configs: [] },
        { name: 'manual-bad', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [9] }], configs: [] },
      ],
      timeoutMs: 1000,
    });
    const byName = (name: string, i = 0) => r.topics.filter((t) => t.name === name)[i];
    assert.equal(byName('ok.topic')?.errorCode, ErrorCode.NONE);
    assert.equal(byName('ok.topic')?.numPartitions, 1);
    assert.equal(byName('ok.topic')?.replicationFactor, 1);
    assert.notEqual(byName('ok.topic')?.topicId, ZERO_UUID);
    assert.equal(byName('ok.topic')?.configs?.find((x) => x.name === 'retention.ms')?.value, '60000');
    assert.equal(byName('ok_topic')?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, "'.' and '_' collide");
    assert.equal(byName('a'.repeat(250))?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(byName('..')?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(byName('bad config')?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(byName('zero')?.errorCode, ErrorCode.INVALID_PARTITIONS);
    assert.equal(byName('rf3')?.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
    assert.equal(byName('cfg')?.errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(byName('cfgval')?.errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(byName('dup', 0)?.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(byName('dup', 1)?.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(byName('manual')?.errorCode, ErrorCode.NONE);
    assert.equal(byName('manual')?.numPartitions, 2);
    assert.equal(byName('manual-bad')?.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const again = await c.request(ApiKey.CreateTopics, 2, { topics: [{ name: 'ok.topic', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
    assert.equal(again.topics[0]?.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    const dry = await c.request(ApiKey.CreateTopics, 4, {
      topics: [{ name: 'dry-run', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: true,
    });
    assert.equal(dry.topics[0]?.errorCode, ErrorCode.NONE);
    assert.equal(broker.services.metadata.topic('dry-run'), undefined);
  });

  test('DeleteTopics by name (v1) and by id (v6); a re-created topic gets a new id', async () => {
    const create = async (name: string): Promise<string> =>
      (await c.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 })).topics[0]?.topicId ?? '';
    await create('del-by-name');
    const byName = await c.request(ApiKey.DeleteTopics, 1, { topicNames: ['del-by-name', 'never-existed'], timeoutMs: 1000 });
    assert.deepEqual(byName.responses.map((x) => [x.name, x.errorCode]), [
      ['del-by-name', ErrorCode.NONE],
      ['never-existed', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    assert.equal(broker.services.logs.getLog('del-by-name', 0), undefined);
    const firstId = await create('del-by-id');
    assert.ok(broker.services.logs.getLog('del-by-id', 0));
    const byId = await c.request(ApiKey.DeleteTopics, 6, { topics: [{ name: null, topicId: firstId }, { name: null, topicId: '11111111-2222-4333-8444-555555555555' }], timeoutMs: 1000 });
    assert.deepEqual(byId.responses.map((x) => [x.name, x.errorCode]), [
      ['del-by-id', ErrorCode.NONE],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    const secondId = await create('del-by-id');
    assert.notEqual(secondId, firstId);
  });

  test('CreatePartitions answers per topic', async () => {
    await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'grow', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
    const r = await c.request(ApiKey.CreatePartitions, 0, {
      topics: [
        { name: 'grow', count: 3, assignments: null },
        { name: 'missing', count: 3, assignments: null },
        { name: 'ok.topic', count: 1, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.deepEqual(r.results.map((x) => [x.name, x.errorCode]), [
      ['grow', ErrorCode.NONE],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['ok.topic', ErrorCode.INVALID_PARTITIONS],
    ]);
    assert.equal(broker.services.metadata.topic('grow')?.partitions.length, 3);
    assert.ok(broker.services.logs.getLog('grow', 2));
  });

  test('DescribeConfigs returns the full list with sources and synonyms; v0 uses is_default', async () => {
    const v4 = await c.request(ApiKey.DescribeConfigs, 4, {
      resources: [
        { resourceType: TOPIC, resourceName: 'ok.topic', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'missing', configurationKeys: null },
        { resourceType: BROKER, resourceName: '1', configurationKeys: ['num.partitions'] },
        { resourceType: BROKER, resourceName: '2', configurationKeys: null },
      ],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const [topic, missing, brokerRes, otherBroker] = v4.results;
    assert.ok(topic && missing && brokerRes && otherBroker);
    assert.ok(topic.configs.length >= 25, `full topic config list, got ${topic.configs.length}`);
    const retention = topic.configs.find((x) => x.name === 'retention.ms');
    assert.equal(retention?.value, '60000');
    assert.equal(retention?.configSource, 1);
    assert.equal(retention?.configType, 5);
    assert.deepEqual(retention?.synonyms.map((s) => s.name), ['retention.ms', 'log.retention.hours']);
    assert.equal(typeof retention?.documentation, 'string');
    const segment = topic.configs.find((x) => x.name === 'segment.bytes');
    assert.equal(segment?.configSource, 5);
    assert.equal(missing.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.deepEqual(brokerRes.configs.map((x) => [x.name, x.value, x.readOnly]), [['num.partitions', '1', true]]);
    assert.equal(otherBroker.errorCode, ErrorCode.INVALID_REQUEST);
    const v0 = await c.request(ApiKey.DescribeConfigs, 0, { resources: [{ resourceType: TOPIC, resourceName: 'ok.topic', configurationKeys: ['retention.ms', 'segment.bytes'] }] });
    assert.deepEqual(v0.results[0]?.configs.map((x) => [x.name, x.isDefault]), [['retention.ms', false], ['segment.bytes', true]]);
  });

  test('AlterConfigs replaces the override set; IncrementalAlterConfigs edits it', async () => {
    const alter = await c.request(ApiKey.AlterConfigs, 0, {
      resources: [
        { resourceType: TOPIC, resourceName: 'ok.topic', configs: [{ name: 'cleanup.policy', value: 'compact' }] },
        { resourceType: TOPIC, resourceName: 'missing', configs: [] },
        { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.partitions', value: '3' }] },
      ],
      validateOnly: false,
    });
    assert.deepEqual(alter.responses.map((x) => x.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST]);
    assert.deepEqual(broker.services.metadata.topic('ok.topic')?.configs, { 'cleanup.policy': 'compact' });
    assert.equal(broker.services.logs.getLog('ok.topic', 0)?.config['cleanup.policy'], 'compact');
    const bad = await c.request(ApiKey.AlterConfigs, 2, {
      resources: [{ resourceType: TOPIC, resourceName: 'ok.topic', configs: [{ name: 'segment.bytes', value: '1' }] }],
      validateOnly: false,
    });
    assert.equal(bad.responses[0]?.errorCode, ErrorCode.INVALID_CONFIG);
    const inc = await c.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'ok.topic',
          configs: [
            { name: 'cleanup.policy', configOperation: 2, value: 'delete' },
            { name: 'retention.ms', configOperation: 0, value: '1234' },
          ],
        },
      ],
      validateOnly: false,
    });
    assert.equal(inc.responses[0]?.errorCode, ErrorCode.NONE);
    assert.deepEqual(broker.services.metadata.topic('ok.topic')?.configs, { 'cleanup.policy': 'compact,delete', 'retention.ms': '1234' });
    const del = await c.request(ApiKey.IncrementalAlterConfigs, 0, {
      resources: [{ resourceType: TOPIC, resourceName: 'ok.topic', configs: [{ name: 'retention.ms', configOperation: 1, value: null }, { name: 'segment.ms', configOperation: 2, value: '1' }] }],
      validateOnly: false,
    });
    assert.equal(del.responses[0]?.errorCode, ErrorCode.INVALID_REQUEST, 'APPEND on a non-list config');
  });

  test('DescribeCluster and DescribeLogDirs', async () => {
    const cluster = await c.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    assert.equal(cluster.errorCode, ErrorCode.NONE);
    assert.equal(cluster.clusterId, broker.clusterId);
    assert.equal(cluster.controllerId, 1);
    assert.deepEqual(cluster.brokers.map((b) => [b.brokerId, b.port]), [[1, broker.port]]);
    const controllers = await c.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    assert.equal(controllers.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
    const dirs = await c.request(ApiKey.DescribeLogDirs, 4, { topics: [{ topic: 'grow', partitions: [0, 2] }] });
    assert.equal(dirs.results.length, 1);
    assert.deepEqual(dirs.results[0]?.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex).sort()]), [['grow', [0, 2]]]);
    assert.ok((dirs.results[0]?.totalBytes ?? 0n) > 0n);
  });
});

test('topics, ids and the cluster id survive a restart on the same log dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-restart-'));
  try {
    const first = await startBroker({ properties: { 'log.dirs': dir } });
    const c1 = await RawClient.connect(first.port);
    const created = await c1.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'durable', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '999' }] }], timeoutMs: 1000 });
    c1.close();
    await first.close();
    const second = await startBroker({ properties: { 'log.dirs': dir } });
    try {
      assert.equal(second.clusterId, first.clusterId);
      const c2 = await RawClient.connect(second.port);
      const md = await c2.request(ApiKey.Metadata, 12, { topics: [{ name: 'durable' }], allowAutoTopicCreation: false });
      assert.equal(md.topics[0]?.topicId, created.topics[0]?.topicId);
      assert.equal(md.topics[0]?.partitions.length, 2);
      assert.equal(second.services.logs.getLog('durable', 1)?.config['retention.ms'], 999);
      c2.close();
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
