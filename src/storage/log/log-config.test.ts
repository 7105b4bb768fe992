import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LOG_CONFIG, LONG_MAX_AS_NUMBER, logConfig, logConfigFromProperties } from './log-config.ts';

test("defaults are Kafka's", () => {
  assert.equal(DEFAULT_LOG_CONFIG['segment.bytes'], 1073741824);
  assert.equal(DEFAULT_LOG_CONFIG['segment.ms'], 604800000);
  assert.equal(DEFAULT_LOG_CONFIG['retention.ms'], 604800000);
  assert.equal(DEFAULT_LOG_CONFIG['retention.bytes'], -1);
  assert.equal(DEFAULT_LOG_CONFIG['cleanup.policy'], 'delete');
  assert.equal(DEFAULT_LOG_CONFIG['flush.messages'], LONG_MAX_AS_NUMBER);
  assert.equal(DEFAULT_LOG_CONFIG['index.interval.bytes'], 4096);
  assert.equal(DEFAULT_LOG_CONFIG['segment.index.bytes'], 10485760);
  assert.equal(DEFAULT_LOG_CONFIG['min.cleanable.dirty.ratio'], 0.5);
  assert.equal(DEFAULT_LOG_CONFIG['delete.retention.ms'], 86400000);
  assert.equal(DEFAULT_LOG_CONFIG['file.delete.delay.ms'], 60000);
  assert.equal(DEFAULT_LOG_CONFIG['message.timestamp.type'], 'CreateTime');
});

test('properties parse, Long.MAX_VALUE included, and bad values are refused', () => {
  const c = logConfigFromProperties({ 'segment.bytes': '1024', 'flush.ms': '9223372036854775807', 'cleanup.policy': 'delete, compact', 'unrelated.name': 'x' });
  assert.equal(c['segment.bytes'], 1024);
  assert.equal(c['flush.ms'], LONG_MAX_AS_NUMBER);
  assert.equal(c['cleanup.policy'], 'compact,delete');
  assert.throws(() => logConfigFromProperties({ 'segment.bytes': 'lots' }), { code: 'INVALID_CONFIG' });
  assert.throws(() => logConfig({ 'segment.bytes': 3_000_000_000 }), { code: 'INVALID_CONFIG' });
  assert.throws(() => logConfig({ 'min.cleanable.dirty.ratio': 2 }), { code: 'INVALID_CONFIG' });
  assert.throws(() => logConfigFromProperties({ 'cleanup.policy': 'shred' }), { code: 'INVALID_CONFIG' });
});
