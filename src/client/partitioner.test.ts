import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DefaultPartitioner, murmur2, partitionForKey, toPositive } from './partitioner.ts';

/**
 * Expected values were printed by Apache Kafka's own org.apache.kafka.common.utils.Utils.murmur2
 * and toPositive (kafka-clients 4.3.0, run with `java -cp kafka-clients.jar`), for UTF-8 keys:
 * [key, murmur2, partition of 3, of 7, of 100]. "21", "foobar", "abc" and the two long strings are
 * also the cases of Kafka's UtilsTest.testMurmur2.
 */
const JAVA: ReadonlyArray<[string, number, number, number, number]> = [
  ['', 275646681, 0, 2, 81],
  ['a', -1563381124, 1, 5, 24],
  ['ab', 316155434, 2, 0, 34],
  ['abc', 479470107, 0, 4, 7],
  ['21', -973932308, 0, 3, 40],
  ['foobar', -790332482, 0, 0, 66],
  ['key-0', 29210041, 1, 0, 41],
  ['key-1', 193331640, 0, 5, 40],
  ['key-2', 852269702, 2, 4, 2],
  ['user-42', 1459644460, 1, 1, 60],
  ['a-little-bit-long-string', -985981536, 2, 1, 12],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 2, 3, 77],
  ['ключ', 2122343024, 2, 4, 24],
  ['日本', -700811021, 0, 1, 27],
];

describe('murmur2 partitioning (parity with the Java client)', () => {
  for (const [key, hash, p3, p7, p100] of JAVA) {
    test(`key ${JSON.stringify(key)}`, () => {
      const bytes = Buffer.from(key, 'utf8');
      assert.equal(murmur2(bytes), hash);
      assert.equal(partitionForKey(bytes, 3), p3);
      assert.equal(partitionForKey(bytes, 7), p7);
      assert.equal(partitionForKey(bytes, 100), p100);
    });
  }

  test('toPositive clears the sign bit instead of negating (INT_MIN stays in range)', () => {
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(-1), 0x7fffffff);
  });

  test('the default partitioner hashes keys', () => {
    const p = new DefaultPartitioner(() => 0.99);
    assert.equal(p.partition({ topic: 't', key: Buffer.from('key-2'), numPartitions: 3, availablePartitions: [0, 1, 2] }), 2);
  });
});

describe('sticky partitioning of keyless records (KIP-480)', () => {
  test('keyless records stay on one partition until its batch closes, then move to another', () => {
    const rolls = [0.1, 0.1, 0.9];
    const p = new DefaultPartitioner(() => rolls.shift() ?? 0.5);
    const input = { topic: 't', key: null, numPartitions: 4, availablePartitions: [0, 1, 2, 3] };
    const first = p.partition(input);
    assert.equal(first, 0);
    for (let i = 0; i < 10; i++) assert.equal(p.partition(input), first);
    p.onNewBatch('t', first);
    const second = p.partition(input);
    assert.notEqual(second, first, 'the partition whose batch just closed is not chosen again');
    p.onNewBatch('t', 3); // not the sticky partition: no change
    assert.equal(p.partition(input), second);
  });

  test('prefers partitions that have a leader', () => {
    const p = new DefaultPartitioner(() => 0);
    assert.equal(p.partition({ topic: 't', key: null, numPartitions: 4, availablePartitions: [2] }), 2);
  });
});
