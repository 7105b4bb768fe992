import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { createClient, type Client } from '../../src/client/index.ts';
import { gregor, spawnGregor } from './cli-support.ts';

/**
 * Seed-2 shape: JSON events flow into a topic while `gregor consume --group g --format json` runs as
 * a daemon process; it is stopped with SIGINT mid-stream and a new process takes over. At-least-once:
 * every event is printed by one of the two; a clean SIGINT commits what was printed, so none twice.
 */

let broker: RunningBroker;
let client: Client;
const TOPIC = 'events';
let nextId = 0;

before(async () => {
  // No initial rebalance delay: each daemon is the group's only member, so waiting for more is pointless.
  broker = await startBroker({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
  client = createClient({ brokers: [broker.bootstrap], clientId: 'daemon-test' });
});
after(async () => {
  // A failed assertion must not leave a daemon running (and the test file hanging).
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await client?.close();
  await broker?.close();
});

interface Daemon {
  readonly child: ChildProcessWithoutNullStreams;
  readonly events: Array<{ id: number; partition: number; offset: number }>;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const children: ChildProcessWithoutNullStreams[] = [];

function startDaemon(group = 'g', ...extra: string[]): Daemon {
  const child = spawnGregor(['consume', '--bootstrap-server', broker.bootstrap, '--topic', TOPIC, '--group', group, '--format', 'json', '--from-beginning', ...extra]);
  children.push(child);
  const daemon: Daemon = { child, events: [], stderr: '', exited: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const record = JSON.parse(line) as { topic: string; partition: number; offset: number; value: string; key: string | null; headers: unknown[] };
      assert.equal(record.topic, TOPIC);
      const event = JSON.parse(record.value) as { id: number };
      daemon.events.push({ id: event.id, partition: record.partition, offset: record.offset });
    }
  });
  child.stderr.setEncoding('utf8').on('data', (t: string) => (daemon.stderr += t));
  return daemon;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await sleep(20)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
  }
}

test('a group consumer daemon stopped with SIGINT mid-stream and restarted loses no event', async (t) => {
  assert.equal((await gregor(['topics', 'create', '--bootstrap-server', broker.bootstrap, '--topic', TOPIC, '--partitions', '3'])).code, 0);
  const producer = client.producer();
  const produce = async (n: number): Promise<void> => {
    const messages = Array.from({ length: n }, () => {
      const id = nextId++;
      return { key: `user-${id}`, value: JSON.stringify({ id, type: 'click', at: id * 10 }) };
    });
    await producer.send({ topic: TOPIC, messages });
  };
  await produce(100);

  const first = startDaemon();
  // Keep events coming while the first daemon works, so SIGINT lands mid-stream.
  let producing = true;
  const background = (async () => {
    while (producing) {
      await produce(10);
      await sleep(10);
    }
  })();
  await waitFor('the first daemon to print 150 events', () => first.events.length >= 150);
  first.child.kill('SIGINT');
  assert.equal(await first.exited, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`Processed a total of ${first.events.length} messages`));
  producing = false;
  await background;
  await produce(50);
  const total = nextId;

  const second = startDaemon();
  const seen = (): Set<number> => new Set([...first.events, ...second.events].map((e) => e.id));
  await waitFor(`all ${total} events to be printed`, () => seen().size === total && second.events.length > 0);
  second.child.kill('SIGINT');
  assert.equal(await second.exited, 0, second.stderr);
  await producer.close();

  const all = [...first.events, ...second.events];
  const duplicates = all.length - seen().size;
  t.diagnostic(`events: ${total}, printed by the first daemon: ${first.events.length}, by the second: ${second.events.length}, duplicates: ${duplicates}`);
  assert.deepEqual([...seen()].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i));
  assert.equal(duplicates, 0, 'a clean SIGINT commits exactly what was printed');
  assert.ok(second.events.length > 0 && first.events.length < total, 'the restart happened mid-stream');
  // Within a partition the second daemon continues where the first stopped.
  for (const e of second.events) {
    const last = Math.max(-1, ...first.events.filter((f) => f.partition === e.partition).map((f) => f.offset));
    assert.ok(e.offset > last, `partition ${e.partition}: offset ${e.offset} was already printed`);
  }

  // Both daemons committed what they printed: no lag left.
  const described = await gregor(['groups', 'describe', '--bootstrap-server', broker.bootstrap, '--group', 'g']);
  assert.equal(described.code, 0, described.stderr);
  const rows = described.stdout.split('\n').filter((l) => l.startsWith('g '));
  assert.equal(rows.length, 3, described.stdout);
  for (const row of rows) assert.equal(row.split(/\s+/)[5], '0', row);
});

test('a daemon killed with SIGKILL loses nothing either: its successor re-reads from the last periodic commit', async (t) => {
  // Runs after the test above: the topic holds its events, ids 0..nextId-1.
  const producer = client.producer();
  const admin = client.admin();
  // The broker's minimum session timeout (group.min.session.timeout.ms, 6 s): a killed member's
  // partitions are handed over once it expires, as in Kafka.
  const fastExpiry = ['--consumer-property', 'session.timeout.ms=6000', '--consumer-property', 'heartbeat.interval.ms=500'];
  const first = startDaemon('g-kill', ...fastExpiry);
  let producing = true;
  const background = (async () => {
    while (producing) {
      const messages = Array.from({ length: 5 }, () => ({ key: `user-${nextId}`, value: JSON.stringify({ id: nextId++ }) }));
      await producer.send({ topic: TOPIC, messages });
      await sleep(20);
    }
  })();
  // Kill once a periodic commit has happened and events are still arriving.
  let committed = 0;
  const poll = setInterval(() => void admin.fetchOffsets('g-kill').then((o) => (committed = o.filter((x) => x.offset >= 0n).length), () => undefined), 100);
  await waitFor('a commit of the first daemon', () => committed > 0);
  clearInterval(poll);
  first.child.kill('SIGKILL');
  await first.exited;
  producing = false;
  await background;
  // Events the first daemon cannot have seen, so the second one has work (and its SIGINT handler is in place when it is interrupted).
  await producer.send({ topic: TOPIC, messages: Array.from({ length: 20 }, () => ({ key: `user-${nextId}`, value: JSON.stringify({ id: nextId++ }) })) });
  const total = nextId;

  const second = startDaemon('g-kill', ...fastExpiry);
  const seen = (): Set<number> => new Set([...first.events, ...second.events].map((e) => e.id));
  await waitFor(`all ${total} events to be printed`, () => seen().size === total && second.events.length > 0);
  second.child.kill('SIGINT');
  assert.equal(await second.exited, 0, second.stderr);
  await producer.close();
  await admin.close();
  const duplicates = first.events.length + second.events.length - seen().size;
  t.diagnostic(`events: ${total}, printed before SIGKILL: ${first.events.length}, after: ${second.events.length}, duplicates: ${duplicates}`);
  assert.deepEqual([...seen()].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i));
});
