import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../compat/helpers/broker-process.ts';
import { kcatConsume } from '../compat/helpers/kcat.ts';
import { startAckedProducer, valueOf, type ProducerRun } from '../compat/helpers/acked-producer.ts';

/**
 * Exactly-once delivery into the log through kill -9 (issue #6): confluent-kafka-python 1.7
 * (librdkafka 2.0.2) with enable.idempotence=True produces to `gregor server` in a child process,
 * which is SIGKILLed twice mid-stream and restarted on the same data directory and port. Batches
 * written but not acknowledged before a kill are resent by the client with the same sequence
 * numbers; the restarted broker, whose producer state is rebuilt from the log's batch headers, must
 * answer them with their original offsets. At the end the partition holds every record exactly once,
 * each at the offset it was acknowledged at (kill9-durability.test.ts runs the non-idempotent case,
 * where duplicates are allowed).
 */

const TOPIC = 'idem-kill9';
const COUNT = 5000;
const KILL_AT = [1200, 3000];

test('an idempotent producer through two kill -9s of the broker: every record stored exactly once, at its acknowledged offset', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-idem-kill9-'));
  // Kafka's own durability (page cache only) makes unacknowledged-but-written batches, the case
  // duplicate detection exists for, as likely as possible.
  const overrides = ['log.segment.bytes=32768', 'log.flush.on.ack.all=false'];
  let broker: BrokerProcess | undefined;
  let producer: ProducerRun | undefined;
  try {
    broker = await startBrokerProcess(dir, 0, overrides);
    const { port, bootstrap } = broker;
    producer = startAckedProducer(bootstrap, { topic: TOPIC, count: COUNT, idempotence: true });
    for (const n of KILL_AT) {
      await producer.acked(n);
      assert.ok(producer.acks.size < COUNT, 'the producer was still going when the broker was killed');
      await broker.kill9();
      broker = await startBrokerProcess(dir, port, overrides);
    }
    const left = await producer.finished;
    assert.equal(left, 0, 'every record was delivered after the restarts');
    assert.deepEqual(producer.errors, []);
    assert.deepEqual(producer.repeated, []);
    assert.equal(producer.acks.size, COUNT);

    const stored = await kcatConsume(bootstrap, TOPIC);
    // Counted one by one: each key exactly once, nothing else in the partition.
    const counts = new Map<string, number>();
    for (const r of stored) counts.set(r.key ?? '', (counts.get(r.key ?? '') ?? 0) + 1);
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
    assert.deepEqual(duplicated, [], 'no record is stored twice');
    assert.equal(stored.length, COUNT);
    const byOffset = new Map(stored.map((r) => [r.offset, r]));
    for (const [key, offset] of producer.acks) {
      const r = byOffset.get(offset);
      assert.equal(r?.key, key, `acknowledged ${key} at offset ${offset}`);
      assert.equal(r.payload, valueOf(Number(key.slice(1))));
    }
    assert.equal(await broker.stop(), 0);
    broker = undefined;
  } finally {
    producer?.kill();
    if (broker !== undefined) await broker.kill9();
    await rm(dir, { recursive: true, force: true });
  }
});
