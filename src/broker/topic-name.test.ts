import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCollisionChars, topicNameError, unifyCollisionChars } from './topic-name.ts';

test("topic names follow Kafka's Topic.validate", () => {
  for (const ok of ['a', 'orders', 'a.b', 'a_b', 'A-Z_0.9', 'x'.repeat(249)]) assert.equal(topicNameError(ok), null, ok);
  for (const bad of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'ä', 'a:b']) assert.notEqual(topicNameError(bad), null, bad);
});

test("'.' and '_' collide", () => {
  assert.equal(hasCollisionChars('a.b'), true);
  assert.equal(hasCollisionChars('ab'), false);
  assert.equal(unifyCollisionChars('a.b_c'), unifyCollisionChars('a_b.c'));
});
