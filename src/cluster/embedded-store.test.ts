import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { ZERO_UUID, uuidToBase64 } from '../protocol/wire/index.ts';
import { EMBEDDED_METADATA_FILE, EmbeddedMetadataStore, ensureMetaProperties, MetadataError, randomClusterId, randomUuid } from './index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gregor-meta-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('topics survive a reopen with the same ids, partitions, leaders, epochs and configs', async () => {
  const store = await EmbeddedMetadataStore.open(dir, 'cluster-a');
  await store.registerBroker({ nodeId: 1, host: 'h', port: 1, rack: null });
  const t = await store.createTopic({ name: 'orders', assignments: [[1], [1]], configs: { 'retention.ms': '1000' } });
  await store.addPartitions('orders', [[1]]);
  await store.setTopicConfigs('orders', { 'cleanup.policy': 'compact' });
  await store.close();

  const again = await EmbeddedMetadataStore.open(dir, 'cluster-a');
  const loaded = again.topic('orders');
  assert.ok(loaded);
  assert.equal(loaded.topicId, t.topicId);
  assert.equal(again.topicById(t.topicId)?.name, 'orders');
  assert.deepEqual(loaded.partitions.map((p) => [p.partition, p.leader, p.leaderEpoch, p.replicas, p.isr]), [
    [0, 1, 0, [1], [1]],
    [1, 1, 0, [1], [1]],
    [2, 1, 0, [1], [1]],
  ]);
  assert.deepEqual(loaded.configs, { 'cleanup.policy': 'compact' });
  // Registrations are ephemeral, like ZooKeeper's /brokers/ids.
  assert.deepEqual(again.brokers(), []);
  assert.equal(again.controllerId(), -1);
  await again.close();
});

test('a re-created topic gets a new id; ids are random, non-zero and never start with "-" in base64', async () => {
  const store = await EmbeddedMetadataStore.open(dir, 'c');
  const first = await store.createTopic({ name: 't', assignments: [[1]], configs: {} });
  await assert.rejects(store.createTopic({ name: 't', assignments: [[1]], configs: {} }), (e) => e instanceof MetadataError && e.code === 'TOPIC_ALREADY_EXISTS');
  assert.equal((await store.deleteTopic('t'))?.topicId, first.topicId);
  assert.equal(await store.deleteTopic('t'), undefined);
  assert.equal(store.topicById(first.topicId), undefined);
  const second = await store.createTopic({ name: 't', assignments: [[1]], configs: {} });
  assert.notEqual(second.topicId, first.topicId);
  for (let i = 0; i < 200; i++) {
    const id = randomUuid();
    assert.notEqual(id, ZERO_UUID);
    assert.ok(!uuidToBase64(id).startsWith('-'));
  }
  await store.close();
});

test('concurrent creates of one name: exactly one wins', async () => {
  const store = await EmbeddedMetadataStore.open(dir, 'c');
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => store.createTopic({ name: 'race', assignments: [[1]], configs: {} })));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  await store.close();
});

test('the file is replaced atomically and refuses another cluster id', async () => {
  const store = await EmbeddedMetadataStore.open(dir, 'c1');
  await store.createTopic({ name: 'x', assignments: [[1]], configs: {} });
  await store.close();
  assert.deepEqual((await readdir(dir)).sort(), [EMBEDDED_METADATA_FILE]);
  const state = JSON.parse(await readFile(join(dir, EMBEDDED_METADATA_FILE), 'utf8')) as { clusterId: string };
  assert.equal(state.clusterId, 'c1');
  await assert.rejects(EmbeddedMetadataStore.open(dir, 'c2'), /belongs to cluster c1/);
  await writeFile(join(dir, EMBEDDED_METADATA_FILE), '{ torn');
  await assert.rejects(EmbeddedMetadataStore.open(dir, 'c1'), /not valid JSON/);
});

test('meta.properties: a stable 22-character cluster id, and the node id is checked', async () => {
  const first = await ensureMetaProperties(dir, 3);
  assert.match(first.clusterId, /^[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(await ensureMetaProperties(dir, 3), first);
  const text = await readFile(join(dir, 'meta.properties'), 'utf8');
  assert.match(text, /^version=1$/m);
  assert.match(text, new RegExp(`^cluster.id=${first.clusterId}$`, 'm'));
  assert.match(text, /^node.id=3$/m);
  await assert.rejects(ensureMetaProperties(dir, 4), /belongs to node.id 3/);
  await assert.rejects(ensureMetaProperties(dir, 3, randomClusterId()), /belongs to cluster/);
});
