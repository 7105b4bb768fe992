import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../compat/helpers/broker-process.ts';
import { kcatConsume } from '../compat/helpers/kcat.ts';
import { startAckedProducer, valueOf, type ProducerRun } from '../compat/helpers/acked-producer.ts';

/**
 * kill -9 under a real client's load: confluent-kafka-python (librdkafka 2.0.2) produces with
 * acks=all to `gregor server` running as a child process and reports each delivery (key -> offset).
 * The broker is SIGKILLed twice mid-stream and restarted on the same data directory and port; the
 * producer rides through on its retries. At the end every acknowledged record must be in the
 * partition at exactly the offset it was acknowledged at. Unacknowledged records may be missing or
 * duplicated (the producer is not idempotent): that is the contract of acks without idempotence.
 */

const TOPIC = 'durable';
const COUNT = 6000;
/** Acknowledgement counts at which the broker is killed. */
const KILL_AT = [1500, 3500];
/**
 * Small segments and a dense offset index, so the kills land across segment rolls and recovery
 * rebuilds indexes of several segments, not one.
 */
const STORAGE = ['log.segment.bytes=16384', 'log.index.interval.bytes=1024'];

/**
 * With log.flush.on.ack.all=true (Gregor's default for single-replica partitions) acks=all waits for
 * fsync; with false (Kafka's behaviour) only for the page cache, which a process crash does not lose
 * either: both must keep every acknowledged record through kill -9.
 */
for (const flushOnAck of ['true', 'false']) {
  test(`every record acknowledged to acks=all survives two kill -9s of the broker, at its acknowledged offset (log.flush.on.ack.all=${flushOnAck})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gregor-kill9-'));
    const overrides = [...STORAGE, `log.flush.on.ack.all=${flushOnAck}`];
    let broker: BrokerProcess | undefined;
    let producer: ProducerRun | undefined;
    try {
      broker = await startBrokerProcess(dir, 0, overrides);
      const { port, bootstrap } = broker;
      producer = startAckedProducer(bootstrap, { topic: TOPIC, count: COUNT });
      const killedAt: number[] = [];
      for (const n of KILL_AT) {
        await producer.acked(n);
        assert.ok(producer.acks.size < COUNT, 'the producer was still going when the broker was killed');
        await broker.kill9();
        killedAt.push(producer.acks.size);
        broker = await startBrokerProcess(dir, port, overrides);
        // The restart took the unclean path: no clean-shutdown marker, so the log was recovered.
        assert.match(broker.output(), /not shut down cleanly/);
      }
      const left = await producer.finished;
      assert.equal(left, 0, 'every record was delivered after the restarts');
      assert.deepEqual(producer.errors, []);
      assert.deepEqual(producer.repeated, [], 'no record was reported delivered twice');
      assert.equal(producer.acks.size, COUNT);

      const offsets = [...producer.acks.values()];
      assert.equal(new Set(offsets).size, offsets.length, 'no offset was acknowledged for two records');

      const stored = await kcatConsume(bootstrap, TOPIC);
      const byOffset = new Map(stored.map((r) => [r.offset, r]));
      assert.deepEqual(stored.map((r) => r.offset), stored.map((_, i) => i), 'offsets are contiguous from 0');
      for (const [key, offset] of producer.acks) {
        const r = byOffset.get(offset);
        if (r?.key !== key || r.payload !== valueOf(Number(key.slice(1)))) {
          const held = r === undefined ? 'nothing' : `${r.key} ${r.payload?.slice(0, 30)}`;
          assert.fail(`acknowledged ${key} -> offset ${offset}, but the log holds ${held} there (kills at ${killedAt.join(', ')} acks)`);
        }
      }
      const segments = (await readdir(join(dir, `${TOPIC}-0`))).filter((f) => f.endsWith('.log'));
      assert.ok(segments.length > 3, `the partition rolled through several segments (${segments.length})`);
      if (process.env['GREGOR_KILL9_DEBUG'] === '1') console.error(`killed at ${killedAt.join(', ')} acks; ${stored.length} records stored for ${COUNT} sent, ${segments.length} segments\n${broker.output()}`);
      assert.equal(await broker.stop(), 0);
      broker = undefined;
    } finally {
      producer?.kill();
      if (broker !== undefined) await broker.kill9();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
