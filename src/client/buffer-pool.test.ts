import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from './buffer-pool.ts';

test('reserve waits while the pool is full and resumes in FIFO order on release', async () => {
  const pool = new BufferPool(100);
  await pool.reserve(60, 10_000);
  const order: string[] = [];
  const big = pool.reserve(80, 10_000).then(() => order.push('big'));
  const small = pool.reserve(10, 10_000).then(() => order.push('small'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'small waits behind big even though it would fit');
  assert.equal(pool.waiting, 2);
  pool.release(60);
  await Promise.all([big, small]);
  assert.deepEqual(order, ['big', 'small']);
  assert.equal(pool.used, 90);
});

test('a record larger than the pool still goes through an empty pool', async () => {
  const pool = new BufferPool(10);
  await pool.reserve(50, 10);
  assert.equal(pool.used, 10);
  pool.release(50);
  assert.equal(pool.used, 0);
});

test('fails with BUFFER_EXHAUSTED after maxBlockMs and on abort', async () => {
  const pool = new BufferPool(10);
  await pool.reserve(10, 10);
  await assert.rejects(pool.reserve(1, 5), (e: { code?: string }) => e.code === 'BUFFER_EXHAUSTED');
  const ac = new AbortController();
  const p = pool.reserve(1, 10_000, ac.signal);
  ac.abort();
  await assert.rejects(p, (e: { code?: string }) => e.code === 'ABORTED');
  assert.equal(pool.waiting, 0);
});
