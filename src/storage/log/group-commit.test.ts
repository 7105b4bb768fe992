import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommit } from './group-commit.ts';

test('waiters arriving during a pass share the next one; none is left behind', async () => {
  let release: () => void = () => {};
  let passes = 0;
  const gc = new GroupCommit(
    () => {
      passes++;
      return new Promise<void>((r) => (release = r));
    },
    (e) => e,
  );
  const first = gc.wait();
  await new Promise((r) => setImmediate(r));
  assert.equal(passes, 1);
  const during = Array.from({ length: 10 }, () => gc.wait());
  release();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.equal(passes, 2, 'ten waiters, one more pass');
  release();
  await Promise.all(during);
  // A waiter added right as the loop ends is still served.
  const late = gc.wait();
  await new Promise((r) => setImmediate(r));
  release();
  await late;
  assert.equal(gc.passes, 3);
  await gc.idle();
});

test('a failed pass rejects its waiters and every later one', async () => {
  const gc = new GroupCommit(() => Promise.reject(new Error('EIO')), () => new Error('log failed'));
  await assert.rejects(gc.wait(), /log failed/);
  await assert.rejects(gc.wait(), /log failed/);
});
