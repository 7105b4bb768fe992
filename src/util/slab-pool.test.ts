import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlabPool } from './slab-pool.ts';

test('a slab is handed out again only after it was released', () => {
  const pool = new SlabPool(8 << 20);
  const a = pool.acquire(1 << 20);
  const b = pool.acquire(1 << 20);
  assert.notEqual(a.buffer, b.buffer, 'two leases share a slab');
  assert.equal(a.length, 1 << 20);
  assert.ok(pool.owns(a) && pool.owns(a.subarray(10, 20)));
  assert.ok(pool.release(a.subarray(0, 100)));
  assert.equal(pool.owns(a), false);
  assert.equal(pool.release(a), false, 'a second release must not free the slab twice');
  const c = pool.acquire(900_000);
  assert.equal(c.buffer, a.buffer, 'the released slab of the same size class is reused');
  assert.equal(c.length, 900_000);
  assert.equal(pool.stats.reused, 1);
  assert.notEqual(pool.acquire(1 << 20).buffer, b.buffer, 'b is still leased');
});

test('small and huge lengths are ordinary allocations, and idle slabs are bounded', () => {
  const pool = new SlabPool(2 << 20);
  const small = pool.acquire(1000);
  assert.equal(pool.owns(small), false);
  assert.equal(pool.release(small), false);
  assert.equal(pool.owns(pool.acquire(64 << 20)), false);
  const leases = [pool.acquire(1 << 20), pool.acquire(1 << 20), pool.acquire(1 << 20)];
  for (const l of leases) assert.ok(pool.release(l));
  assert.equal(pool.freeBytes, 2 << 20, 'keeps only up to maxFreeBytes');
});
