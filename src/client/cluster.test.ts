import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, needsMetadataRefresh, parseBrokerList } from './cluster.ts';
import { ConnectionError, KafkaError, RequestTimeoutError } from './errors.ts';

test('parses bootstrap lists, including IPv6 in brackets', () => {
  assert.deepEqual(parseBrokerList(['127.0.0.1:9092', ' kafka-1:19092 ', '[::1]:9093']), [
    { host: '127.0.0.1', port: 9092 },
    { host: 'kafka-1', port: 19092 },
    { host: '::1', port: 9093 },
  ]);
  assert.throws(() => parseBrokerList([]), /no bootstrap brokers/);
  assert.throws(() => parseBrokerList(['localhost']), /not host:port/);
});

test('stale-metadata errors and connection failures trigger a refresh; others do not', () => {
  assert.equal(needsMetadataRefresh(new KafkaError(6, 'produce')), true);
  assert.equal(needsMetadataRefresh(new KafkaError(3, 'fetch')), true);
  assert.equal(needsMetadataRefresh(new ConnectionError('gone')), true);
  assert.equal(needsMetadataRefresh(new RequestTimeoutError('slow')), true);
  assert.equal(needsMetadataRefresh(new KafkaError(36, 'create')), false);
});

test('a closed cluster refuses new work', async () => {
  const cluster = new Cluster({ brokers: ['127.0.0.1:1'], clientId: 't' });
  cluster.close();
  await assert.rejects(cluster.anyBroker(), (e: { code?: string }) => e.code === 'CLIENT_CLOSED');
});
