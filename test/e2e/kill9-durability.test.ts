import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../compat/helpers/broker-process.ts';
import { kcatConsume } from '../compat/helpers/kcat.ts';
import { PYTHON } from '../compat/helpers/run-process.ts';

/**
 * kill -9 under a real client's load: confluent-kafka-python (librdkafka 2.0.2) produces with
 * acks=all to `gregor server` running as a child process and reports each delivery (key -> offset).
 * The broker is SIGKILLed twice mid-stream and restarted on the same data directory and port; the
 * producer rides through on its retries. At the end every acknowledged record must be in the
 * partition at exactly the offset it was acknowledged at. Unacknowledged records may be missing or
 * duplicated (the producer is not idempotent): that is the contract of acks without idempotence.
 */

const PRODUCER = new URL('../compat/confluent-kafka-python/acked-producer.py', import.meta.url).pathname;
const TOPIC = 'durable';
const COUNT = 6000;
/** Acknowledgement counts at which the broker is killed. */
const KILL_AT = [1500, 3500];
const PRODUCER_BOUND_MS = 150_000;
/**
 * Small segments and a dense offset index, so the kills land across segment rolls and recovery
 * rebuilds indexes of several segments, not one.
 */
const STORAGE = ['log.segment.bytes=16384', 'log.index.interval.bytes=1024'];

const valueOf = (i: number): string => `value-${i}-${'x'.repeat(i % 300)}`;

interface ProducerRun {
  readonly acks: Map<string, number>;
  readonly errors: string[];
  /** Keys reported delivered more than once (a client bug if ever non-empty). */
  readonly repeated: string[];
  /** Ends the producer early (when the test fails before it finishes). */
  kill(): void;
  /** Resolves when the producer has received `n` acknowledgements. */
  acked(n: number): Promise<void>;
  /** Resolves with the producer's final "done <left>" count. */
  readonly finished: Promise<number>;
}

function startProducer(bootstrap: string): ProducerRun {
  const child = spawn(PYTHON, [PRODUCER], { stdio: ['pipe', 'pipe', 'pipe'] });
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
  // A failing test must not leave the producer holding the runner open until its own bound.
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
      producer = startProducer(bootstrap);
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
