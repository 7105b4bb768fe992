import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../compat/helpers/broker-process.ts';
import { kcatConsume } from '../compat/helpers/kcat.ts';
import { PYTHON } from '../compat/helpers/run-process.ts';

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
const PRODUCER_BOUND_MS = 150_000;

/** One line per delivery report ("ack <key> <offset>" / "err <key> <name>"), then "done <left>". */
const PRODUCER_SCRIPT = `
import json, sys, time
from confluent_kafka import Producer
req = json.load(sys.stdin)
producer = Producer({
    "bootstrap.servers": req["bootstrap"],
    "client.id": "gregor-idempotence-kill9",
    "enable.idempotence": True,
    "compression.type": "lz4",
    "linger.ms": 5,
    "message.timeout.ms": 90000,
    "reconnect.backoff.ms": 20,
    "reconnect.backoff.max.ms": 200,
})
def report(err, msg):
    key = msg.key().decode()
    if err is not None:
        print("err %s %s" % (key, err.name()), flush=True)
    else:
        print("ack %s %d" % (key, msg.offset()), flush=True)
for i in range(req["count"]):
    while True:
        try:
            producer.produce(req["topic"], partition=0, key=("k%d" % i).encode(), value=("value-%d" % i).encode(), on_delivery=report)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)
    if i % 20 == 19:
        time.sleep(0.005)
print("done %d" % producer.flush(120), flush=True)
`;

interface ProducerRun {
  readonly acks: Map<string, number>;
  readonly errors: string[];
  readonly repeated: string[];
  kill(): void;
  acked(n: number): Promise<void>;
  readonly finished: Promise<number>;
}

function startProducer(bootstrap: string): ProducerRun {
  const child = spawn(PYTHON, ['-c', PRODUCER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(JSON.stringify({ bootstrap, topic: TOPIC, count: COUNT }));
  const acks = new Map<string, number>();
  const errors: string[] = [];
  const repeated: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let done: number | undefined;
  let stderr = '';
  let buffered = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    buffered += s;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [kind, a, b] = line.split(' ');
      if (kind === 'ack' && a !== undefined && b !== undefined) {
        if (acks.has(a)) repeated.push(a);
        acks.set(a, Number(b));
      } else if (kind === 'err') errors.push(line);
      else if (kind === 'done') done = Number(a);
    }
    for (const w of waiters.filter((w) => acks.size >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const finished = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), PRODUCER_BOUND_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && done !== undefined) resolve(done);
      else reject(new Error(`producer ended with ${signal ?? code} after ${acks.size} acks: ${stderr.slice(-3000)}`));
      for (const w of waiters.splice(0)) w.resolve();
    });
  });
  finished.catch(() => undefined);
  return {
    acks,
    errors,
    repeated,
    kill: () => child.kill('SIGKILL'),
    finished,
    acked: (n) => (acks.size >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

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
    producer = startProducer(bootstrap);
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
      assert.equal(r.payload, `value-${key.slice(1)}`);
    }
    assert.equal(await broker.stop(), 0);
    broker = undefined;
  } finally {
    producer?.kill();
    if (broker !== undefined) await broker.kill9();
    await rm(dir, { recursive: true, force: true });
  }
});
