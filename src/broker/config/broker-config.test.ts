import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BrokerConfig, ConfigError, ConfigSource, envToProperty, loadBrokerConfig, parseProperties } from './index.ts';

test('defaults are Kafka defaults, with Gregor single-node listener, data dir and node id', () => {
  const c = new BrokerConfig();
  assert.equal(c.nodeId, 1);
  assert.deepEqual(c.listeners(), [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 }]);
  assert.deepEqual(c.logDirs, ['./data']);
  assert.equal(c.int('num.partitions'), 1);
  assert.equal(c.bool('auto.create.topics.enable'), true);
  assert.equal(c.int('message.max.bytes'), 1048588);
  assert.equal(c.int('socket.request.max.bytes'), 104857600);
  assert.equal(c.int('connections.max.idle.ms'), 600000);
  assert.equal(c.raw('log.flush.interval.messages'), '9223372036854775807');
  assert.equal(c.int('log.flush.interval.messages'), Number.MAX_SAFE_INTEGER);
});

test('broker properties become topic defaults through their synonyms (LogConfig)', () => {
  const c = new BrokerConfig({ 'log.retention.hours': '1', 'log.segment.bytes': '1048576', 'message.max.bytes': '2000000' });
  const t = c.topicConfig({});
  assert.equal(t['retention.ms'], '3600000');
  assert.equal(t['segment.bytes'], '1048576');
  assert.equal(t['max.message.bytes'], '2000000');
  assert.equal(t['segment.ms'], '604800000');
  assert.equal(t['cleanup.policy'], 'delete');
  // log.retention.ms wins over minutes and hours; a topic override wins over all.
  const c2 = new BrokerConfig({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '5' });
  assert.equal(c2.topicConfig({})['retention.ms'], '5');
  assert.equal(c2.topicConfig({ 'retention.ms': '7' })['retention.ms'], '7');
  assert.equal(new BrokerConfig({ 'log.retention.hours': '-1' }).topicConfig({})['retention.ms'], '-1');
  assert.equal(new BrokerConfig({ 'log.roll.hours': '2' }).topicConfig({})['segment.ms'], '7200000');
});

test('describeTopic reports the source and the synonyms in precedence order', () => {
  const c = new BrokerConfig({ 'log.retention.minutes': '3' });
  const d = c.describeTopic({ 'retention.ms': '42' }).find((e) => e.name === 'retention.ms');
  assert.ok(d);
  assert.equal(d.value, '42');
  assert.equal(d.source, ConfigSource.topicConfig);
  assert.deepEqual(d.synonyms.map((s) => [s.name, s.value, s.source]), [
    ['retention.ms', '42', ConfigSource.topicConfig],
    ['log.retention.minutes', '3', ConfigSource.staticBrokerConfig],
    ['log.retention.hours', '168', ConfigSource.defaultConfig],
  ]);
  const seg = c.describeTopic({}).find((e) => e.name === 'segment.bytes');
  assert.equal(seg?.source, ConfigSource.defaultConfig);
  const fromBroker = c.describeTopic({}).find((e) => e.name === 'retention.ms');
  assert.equal(fromBroker?.value, '180000');
  assert.equal(fromBroker?.source, ConfigSource.staticBrokerConfig);
});

test('unknown or invalid properties fail with a message naming them', () => {
  assert.throws(() => new BrokerConfig({ 'log.retension.ms': '1' }), /unknown broker property 'log.retension.ms'/);
  assert.throws(() => new BrokerConfig({ 'num.partitions': '0' }), /num.partitions: 0 is below the minimum 1/);
  assert.throws(() => new BrokerConfig({ 'num.partitions': 'many' }), /num.partitions: expected an integer/);
  assert.throws(() => new BrokerConfig({ 'auto.create.topics.enable': 'yes' }), /expected true or false/);
  assert.throws(() => new BrokerConfig({ 'compression.type': 'brotli' }), /compression.type: 'brotli' is not one of/);
  assert.throws(() => new BrokerConfig({ 'log.segment.bytes': '3000000000' }), /out of range for a int/);
  assert.throws(() => new BrokerConfig({ listeners: 'localhost:9092' }), /not NAME:\/\/host:port/);
  assert.throws(() => new BrokerConfig().topicConfig({ 'retention.msx': '1' }), /Unknown topic config name: retention.msx/);
  assert.throws(() => new BrokerConfig().topicConfig({ 'min.cleanable.dirty.ratio': '2' }), ConfigError);
});

test('broker.id (ZooKeeper-era name) wins over node.id when set; log.dir is the fallback of log.dirs', () => {
  assert.equal(new BrokerConfig({ 'broker.id': '7', 'node.id': '3' }).nodeId, 7);
  assert.deepEqual(new BrokerConfig({ 'log.dir': '/x' }).logDirs, ['/x']);
  assert.deepEqual(new BrokerConfig({ 'log.dirs': '/a, /b' }).logDirs, ['/a', '/b']);
});

test('properties files follow java.util.Properties syntax', () => {
  const entries = parseProperties(
    ['# comment', '! also a comment', 'a=1', 'b : 2', 'c 3', '  d=x\\', '    y', 'e=tab\\there', 'f=\\u0041', 'g='].join('\n'),
  );
  assert.deepEqual(
    entries.map((e) => [e.key, e.value, e.line]),
    [
      ['a', '1', 3],
      ['b', '2', 4],
      ['c', '3', 5],
      ['d', 'xy', 6],
      ['e', 'tab\there', 8],
      ['f', 'A', 9],
      ['g', '', 10],
    ],
  );
});

test('file < environment < overrides, and errors say where the bad value came from', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-config-'));
  try {
    const file = join(dir, 'server.properties');
    await writeFile(file, 'num.partitions=2\nlog.retention.hours=5\nlog.dirs=/tmp/a\n');
    const config = await loadBrokerConfig({
      file,
      env: { GREGOR_CFG_NUM_PARTITIONS: '3', GREGOR_CFG_LOG_DIRS: '/tmp/b', PATH: '/bin' },
      overrides: ['num.partitions=4'],
    });
    assert.equal(config.int('num.partitions'), 4);
    assert.deepEqual(config.logDirs, ['/tmp/b']);
    assert.equal(config.int('log.retention.hours'), 5);
    await writeFile(file, 'num.partitions=2\nbogus.thing=1\n');
    await assert.rejects(loadBrokerConfig({ file }), /unknown broker property 'bogus.thing' \(from .*server.properties:2\)/);
    await assert.rejects(loadBrokerConfig({ overrides: ['num.partitions'] }), /expected key=value/);
    await assert.rejects(loadBrokerConfig({ env: { GREGOR_CFG_NUM_PARTITIONS: '-1' } }), /environment GREGOR_CFG_NUM_PARTITIONS/);
    await assert.rejects(loadBrokerConfig({ file: join(dir, 'missing.properties') }), /cannot read/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('environment names map to properties as in Kafka Docker images', () => {
  assert.equal(envToProperty('LOG_RETENTION_MS'), 'log.retention.ms');
  assert.equal(envToProperty('SOME__UNDERSCORE'), 'some_underscore');
  assert.equal(envToProperty('A___B'), 'a-b');
});
