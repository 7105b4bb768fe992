import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { createClient } from '../../src/client/index.ts';
import { gregor } from './cli-support.ts';

/** `gregor groups`: describe shows lag per partition, reset-offsets moves committed offsets (dry run unless --execute), delete. */

let broker: RunningBroker;
let bs: string[];

before(async () => {
  broker = await startBroker({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
  bs = ['--bootstrap-server', broker.bootstrap];
  assert.equal((await gregor(['topics', 'create', ...bs, '--topic', 'orders', '--partitions', '2'])).code, 0);
  const client = createClient({ brokers: [broker.bootstrap], clientId: 'groups-test' });
  const producer = client.producer();
  // Six records on partition 0, four on partition 1.
  await producer.send({ topic: 'orders', messages: Array.from({ length: 10 }, (_, i) => ({ value: `order-${i}`, partition: i < 6 ? 0 : 1 })) });
  await client.close();
});
after(async () => {
  await broker?.close();
});

/** `groups describe` rows as {partition: [current, end, lag, consumer]}. */
async function describe(group: string): Promise<Map<number, [string, string, string, string]>> {
  const run = await gregor(['groups', 'describe', ...bs, '--group', group]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('GROUP '));
  assert.match(lines[header]!, /^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID$/);
  const rows = new Map<number, [string, string, string, string]>();
  for (const line of lines.slice(header + 1).filter((l) => l !== '')) {
    const [g, topic, partition, current, end, lag, consumer] = line.split(/\s+/);
    assert.equal(g, group);
    assert.equal(topic, 'orders');
    rows.set(Number(partition), [current!, end!, lag!, consumer!]);
  }
  return rows;
}

const offsetsOf = (rows: Map<number, [string, string, string, string]>): string[] => [0, 1].map((p) => rows.get(p)?.[0] ?? 'missing');

test('groups describe shows the committed offset, log end offset and lag of each partition', async () => {
  const consumed = await gregor(['consume', ...bs, '--topic', 'orders', '--group', 'billing', '--from-beginning', '--max-messages', '3']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const rows = await describe('billing');
  // Three records were printed and committed, from one partition or both; an empty group lists the
  // partitions it has offsets for, as kafka-consumer-groups.sh does.
  assert.ok(rows.size >= 1, 'at least one partition has a committed offset');
  let committed = 0;
  for (const [partition, [current, end, lag, consumer]] of rows) {
    assert.equal(end, partition === 0 ? '6' : '4');
    assert.equal(Number(lag), Number(end) - Number(current));
    assert.equal(consumer, '-', 'no active member');
    committed += Number(current);
  }
  assert.equal(committed, 3);
  const list = await gregor(['groups', 'list', ...bs, '--state']);
  assert.match(list.stdout, /^billing\s+Empty$/m);
});

test('reset-offsets is a dry run unless --execute, clamps to the log, and moves what a consumer reads next', async () => {
  const dry = await gregor(['groups', 'reset-offsets', ...bs, '--group', 'billing', '--topic', 'orders', '--to-earliest']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^GROUP\s+TOPIC\s+PARTITION\s+NEW-OFFSET\nbilling\s+orders\s+0\s+0\nbilling\s+orders\s+1\s+0\n$/);
  assert.match(dry.stderr, /Dry run/);
  const before = offsetsOf(await describe('billing'));
  assert.notDeepEqual(before, ['0', '0']);

  const run = async (...args: string[]): Promise<string[]> => {
    const r = await gregor(['groups', 'reset-offsets', ...bs, '--group', 'billing', ...args, '--execute']);
    assert.equal(r.code, 0, r.stderr);
    return offsetsOf(await describe('billing'));
  };
  assert.deepEqual(await run('--topic', 'orders', '--to-earliest'), ['0', '0']);
  assert.deepEqual((await describe('billing')).get(0)?.[2], '6', 'lag is the whole partition again');
  assert.deepEqual(await run('--topic', 'orders', '--to-offset', '5'), ['5', '4'], 'partition 1 has only 4 records: clamped to its end');
  assert.deepEqual(await run('--all-topics', '--shift-by', '-2'), ['3', '2']);
  assert.deepEqual(await run('--topic', 'orders:1', '--to-latest'), ['3', '4'], 'only partition 1');
  assert.deepEqual(await run('--topic', 'orders', '--to-datetime', '2999-01-01T00:00:00.000'), ['6', '4'], 'nothing that late: the log end');
  assert.deepEqual(await run('--topic', 'orders', '--to-datetime', '2000-01-01T00:00:00Z'), ['0', '0']);
  assert.deepEqual(await run('--topic', 'orders:0', '--to-offset', '5'), ['5', '0']);

  // A consumer of the group now starts at offset 5 of partition 0 and at 0 of partition 1.
  const consumed = await gregor(['consume', ...bs, '--topic', 'orders', '--group', 'billing', '--format', 'json', '--max-messages', '5']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const seen = consumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { partition: number; offset: number; value: string });
  assert.deepEqual(seen.map((r) => `${r.partition}:${r.offset}:${r.value}`).sort(), ['0:5:order-5', '1:0:order-6', '1:1:order-7', '1:2:order-8', '1:3:order-9']);
});

test('an active group cannot be reset or deleted; an empty one can be deleted', async () => {
  const stop = new AbortController();
  const running = gregor(['consume', ...bs, '--topic', 'orders', '--group', 'active', '--from-beginning'], { signal: stop.signal });
  try {
    for (let i = 0; ; i++) {
      const members = await gregor(['groups', 'describe', ...bs, '--group', 'active', '--members']);
      if (/^active\s+\S+\s+\S+\s+gregor-console-consumer\s+2$/m.test(members.stdout)) break;
      if (i > 200) assert.fail(`the consumer did not join: ${members.stdout}`);
      await sleep(50);
    }
    const rows = await describe('active');
    assert.notEqual(rows.get(0)?.[3], '-', 'the member owning partition 0 is shown');
    const reset = await gregor(['groups', 'reset-offsets', ...bs, '--group', 'active', '--topic', 'orders', '--to-earliest', '--execute']);
    assert.equal(reset.code, 1);
    assert.match(reset.stderr, /can only be reset if the group 'active' is inactive, but the current state is Stable/);
    const del = await gregor(['groups', 'delete', ...bs, '--group', 'active']);
    assert.equal(del.code, 1);
    assert.match(del.stderr, /NON_EMPTY_GROUP/);
  } finally {
    stop.abort();
  }
  const result = await running;
  assert.equal(result.code, 0, result.stderr);
  // Stopped (as by Ctrl-C), the consumer committed exactly what it printed.
  const printed = result.stdout.split('\n').filter((l) => l !== '');
  const committed = [...(await describe('active')).values()].reduce((n, [current]) => n + (current === '-' ? 0 : Number(current)), 0);
  assert.equal(committed, printed.length);

  const del = await gregor(['groups', 'delete', ...bs, '--group', 'active', '--group', 'billing']);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout, "Deletion of requested consumer groups ('active', 'billing') was successful.\n");
  const list = await gregor(['groups', 'list', ...bs]);
  assert.doesNotMatch(list.stdout, /^(active|billing)$/m);
  const gone = await gregor(['groups', 'describe', ...bs, '--group', 'billing']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /Consumer group 'billing' does not exist/);
});
