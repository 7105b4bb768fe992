import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { gregor, runGregor } from './cli-support.ts';

/** The seed walkthrough of the README's CLI section, plus topics describe/alter/delete and usage errors. */

let broker: RunningBroker;
let bs: string[];

before(async () => {
  broker = await startBroker();
  bs = ['--bootstrap-server', broker.bootstrap];
});
after(async () => {
  await broker?.close();
});

test('seed walkthrough: create a topic, list it, produce two lines from stdin, consume them from the beginning', async () => {
  const created = await gregor(['topics', 'create', ...bs, '--topic', 'test', '--partitions', '1', '--replication-factor', '1']);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'Created topic test.\n');

  const listed = await gregor(['topics', 'list', ...bs]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(listed.stdout.split('\n').includes('test'), listed.stdout);

  // The real process, reading its stdin, as a user's pipe would feed it.
  const produced = await runGregor(['produce', ...bs, '--topic', 'test'], 'hello\nworld\n');
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stderr, /2 records sent to test, 0 failed/);

  const consumed = await gregor(['consume', ...bs, '--topic', 'test', '--from-beginning', '--max-messages', '2']);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.equal(consumed.stdout, 'hello\nworld\n');
  assert.match(consumed.stderr, /Processed a total of 2 messages/);
});

test('topics describe shows partitions, leader, replicas, isr and only the configs that differ from defaults', async () => {
  assert.equal((await gregor(['topics', 'create', ...bs, '--topic', 'described', '--partitions', '2', '--config', 'retention.ms=60000'])).code, 0);
  const d = await gregor(['topics', 'describe', ...bs, '--topic', 'described']);
  assert.equal(d.code, 0, d.stderr);
  const [head, ...parts] = d.stdout.trimEnd().split('\n');
  assert.match(head!, /^Topic: described\tTopicId: \S+\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention\.ms=60000$/);
  assert.deepEqual(parts, [
    `\tTopic: described\tPartition: 0\tLeader: ${broker.nodeId}\tReplicas: ${broker.nodeId}\tIsr: ${broker.nodeId}`,
    `\tTopic: described\tPartition: 1\tLeader: ${broker.nodeId}\tReplicas: ${broker.nodeId}\tIsr: ${broker.nodeId}`,
  ]);

  const altered = await gregor(['topics', 'alter', ...bs, '--topic', 'described', '--partitions', '3', '--config', 'max.message.bytes=2000', '--delete-config', 'retention.ms']);
  assert.equal(altered.code, 0, altered.stderr);
  const again = await gregor(['topics', 'describe', ...bs, '--topic', 'described']);
  assert.match(again.stdout, /PartitionCount: 3\tReplicationFactor: 1\tConfigs: max\.message\.bytes=2000\n/);
  assert.match(again.stdout, /Partition: 2\t/);

  const deleted = await gregor(['topics', 'delete', ...bs, '--topic', 'described']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const listed = await gregor(['topics', 'list', ...bs]);
  assert.ok(!listed.stdout.split('\n').includes('described'));
  const missing = await gregor(['topics', 'describe', ...bs, '--topic', 'described']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such topic: described/);
});

test('broker-side refusals exit 1 with the Kafka error name; caller mistakes exit 2 before connecting', async () => {
  const dup = await gregor(['topics', 'create', ...bs, '--topic', 'test']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /cannot create topic test: TOPIC_ALREADY_EXISTS/);
  assert.equal((await gregor(['topics', 'create', ...bs, '--topic', 'test', '--if-not-exists'])).code, 0);
  const shrink = await gregor(['topics', 'alter', ...bs, '--topic', 'test', '--partitions', '1']);
  assert.equal(shrink.code, 1);
  assert.match(shrink.stderr, /INVALID_PARTITIONS/);

  // Nothing listens on port 9 of 127.0.0.1: a usage error must be found without trying.
  const usage: Array<[string[], RegExp]> = [
    [['topics'], /an action is required/],
    [['topics', 'frob'], /unknown action 'frob'/],
    [['topics', 'create', '--bootstrap-server', '127.0.0.1:9'], /--topic is required/],
    [['topics', 'create', '--bootstrap-server', '127.0.0.1:9', '--topic', 't', '--partitions', 'many'], /--partitions expects an integer/],
    [['topics', 'list', '--bootstrap-server', '127.0.0.1:9', '--config', 'a=b'], /--config does not apply to 'list'/],
    [['topics', 'create', '--bootstrap-server', 'nohost', '--topic', 't'], /'nohost' is not host:port/],
    [['produce', '--bootstrap-server', '127.0.0.1:9', '--topic', 't', '--compression', 'brotli'], /--compression expects one of none, gzip, snappy, lz4, zstd/],
    [['produce', '--bootstrap-server', '127.0.0.1:9', '--topic', 't', '--property', 'parse.kye=true'], /unknown --property 'parse\.kye'/],
    [['consume', '--bootstrap-server', '127.0.0.1:9', '--topic', 't', '--format', 'xml'], /--format expects one of value, key-value, json/],
    [['consume', '--bootstrap-server', '127.0.0.1:9', '--topic', 't', '--offset', '5'], /--offset needs --partition/],
    [['consume', '--bootstrap-server', '127.0.0.1:9', '--topic', 't', '--group', 'g', '--partition', '0'], /cannot be used with --group/],
    [['groups', 'reset-offsets', '--bootstrap-server', '127.0.0.1:9', '--group', 'g', '--topic', 't'], /exactly one of --to-earliest/],
    [['perf', 'produce', '--bootstrap-server', '127.0.0.1:9', '--topic', 't'], /--num-records is required/],
    [['dump-log'], /a segment file is required/],
  ];
  for (const [argv, message] of usage) {
    const run = await gregor(argv);
    assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, argv.join(' '));
  }
});

test('every command and action has --help', async () => {
  for (const name of ['topics', 'produce', 'consume', 'groups', 'perf', 'dump-log']) {
    const run = await gregor([name, '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, new RegExp(`^Usage: gregor ${name} `));
  }
  const topics = await gregor(['topics', '--help']);
  for (const action of ['create', 'list', 'describe', 'alter', 'delete']) assert.match(topics.stdout, new RegExp(`^ {2}${action} `, 'm'));
  assert.match(topics.stdout, /--bootstrap-server <servers>/);
  const root = await gregor(['--help']);
  for (const name of ['topics', 'produce', 'consume', 'groups', 'perf', 'dump-log']) assert.match(root.stdout, new RegExp(`^ {2}${name}\\b`, 'm'));
});

test('an unreachable broker is a clear failure (exit 1), not a stack trace', async () => {
  const run = await gregor(['topics', 'list', '--bootstrap-server', '127.0.0.1:9']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^gregor topics: .*127\.0\.0\.1:9/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});
