import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from './clock.ts';

test('ManualClock fires due timers in time order, including ones scheduled while advancing', () => {
  const clock = new ManualClock(100);
  const fired: string[] = [];
  clock.schedule(50, () => fired.push(`a@${clock.now()}`));
  const b = clock.schedule(10, () => fired.push(`b@${clock.now()}`));
  clock.schedule(20, () => {
    fired.push(`c@${clock.now()}`);
    clock.schedule(5, () => fired.push(`d@${clock.now()}`));
  });
  b.cancel();
  clock.advance(40);
  assert.deepEqual(fired, ['c@120', 'd@125']);
  assert.equal(clock.now(), 140);
  clock.advance(10);
  assert.deepEqual(fired, ['c@120', 'd@125', 'a@150']);
  assert.equal(clock.pendingTimers(), 0);
});
