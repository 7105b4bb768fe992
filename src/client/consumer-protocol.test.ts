import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignmentMap, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.ts';

test('subscription bytes: int16 version 1, topics, user data, owned partitions', () => {
  const bytes = encodeSubscription(['a', 'b'], new Map([['a', [0, 2]]]));
  // Version 1, then int32 count 2 of int16-length strings (ConsumerProtocolSubscription v1 is not flexible).
  assert.deepEqual([...bytes.subarray(0, 8)], [0, 1, 0, 0, 0, 2, 0, 1]);
  const s = decodeSubscription(bytes);
  assert.deepEqual(s.topics, ['a', 'b']);
  assert.deepEqual(s.ownedPartitions.map((o) => [o.topic, o.partitions]), [['a', [0, 2]]]);
});

test('assignment bytes round-trip; empty bytes mean no assignment', () => {
  const bytes = encodeAssignment(new Map([['t', [1, 3]], ['u', [0]]]));
  assert.deepEqual([...assignmentMap(decodeAssignment(bytes))], [['t', [1, 3]], ['u', [0]]]);
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)).assignedPartitions, []);
});

test('a v0 subscription (kafkajs and older clients) decodes', () => {
  // version 0, one topic "x", null user data
  const v0 = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x78, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(decodeSubscription(v0).topics, ['x']);
});
