import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientError, KafkaError } from './errors.ts';
import { backoffMs, withRetries } from './retry.ts';

test('backoff grows exponentially up to the cap, jitter within ±20%', () => {
  const mid = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffMs(a, { initialBackoffMs: 100, maxBackoffMs: 1000 }, mid)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffMs(0, { initialBackoffMs: 100 }, () => 0), 80);
  assert.equal(backoffMs(0, { initialBackoffMs: 100 }, () => 1), 120);
});

test('retries retriable errors, calling beforeRetry, and gives up after `retries`', async () => {
  let calls = 0;
  const refreshed: number[] = [];
  const result = await withRetries(
    async () => {
      if (++calls < 3) throw new KafkaError(6, 'produce');
      return 'ok';
    },
    { retries: 5, initialBackoffMs: 1, beforeRetry: (_e, a) => void refreshed.push(a) },
  );
  assert.equal(result, 'ok');
  assert.deepEqual(refreshed, [0, 1]);
  calls = 0;
  await assert.rejects(withRetries(async () => { calls++; throw new KafkaError(6, 'x'); }, { retries: 2, initialBackoffMs: 1 }), /NOT_LEADER_OR_FOLLOWER/);
  assert.equal(calls, 3);
});

test('does not retry non-retriable errors', async () => {
  let calls = 0;
  await assert.rejects(withRetries(async () => { calls++; throw new ClientError('X', 'no'); }, { initialBackoffMs: 1 }), /no/);
  await assert.rejects(withRetries(async () => { calls++; throw new KafkaError(36, 'create'); }, { initialBackoffMs: 1 }), /TOPIC_ALREADY_EXISTS/);
  assert.equal(calls, 2);
});
