import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { createClient, type Client } from '../../src/client/index.ts';
import { gregor, runGregor, spawnGregor } from './cli-support.ts';

/** The console producer's line format and the console consumer's output formats, partitions and limits. */

let broker: RunningBroker;
let client: Client;
let bs: string[];

before(async () => {
  broker = await startBroker();
  client = createClient({ brokers: [broker.bootstrap], clientId: 'cli-pc-test' });
  bs = ['--bootstrap-server', broker.bootstrap];
});
after(async () => {
  await client?.close();
  await broker?.close();
});

async function topic(name: string, partitions = 1): Promise<void> {
  const r = await gregor(['topics', 'create', ...bs, '--topic', name, '--partitions', String(partitions)]);
  assert.equal(r.code, 0, r.stderr);
}

interface JsonRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
}

async function consumeJson(name: string, ...extra: string[]): Promise<JsonRecord[]> {
  const r = await gregor(['consume', ...bs, '--topic', name, '--from-beginning', '--format', 'json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonRecord);
}

test('parse.key and parse.headers follow the console producer syntax; every codec round-trips', async () => {
  await topic('parsed');
  const input = 'h1:v1,h2:v2\tk1:hello\n\tk2:no headers\nh3:\tk3:empty header value\nh4:x\tNULL:null key\n';
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const r = await gregor(
      ['produce', ...bs, '--topic', 'parsed', '--compression', codec, '--acks', '1', '--property', 'parse.key=true', '--property', 'key.separator=:', '--property', 'parse.headers=true', '--property', 'null.marker=NULL'],
      { input },
    );
    assert.equal(r.code, 0, `${codec}: ${r.stderr}`);
    assert.match(r.stderr, /4 records sent to parsed, 0 failed/);
  }
  const records = await consumeJson('parsed', '--max-messages', '20');
  assert.equal(records.length, 20);
  for (let i = 0; i < 20; i += 4) {
    assert.deepEqual(
      records.slice(i, i + 4).map((r) => [r.offset, r.key, r.value, r.headers]),
      [
        [i, 'k1', 'hello', [{ key: 'h1', value: 'v1' }, { key: 'h2', value: 'v2' }]],
        [i + 1, 'k2', 'no headers', []],
        [i + 2, 'k3', 'empty header value', [{ key: 'h3', value: '' }]],
        [i + 3, null, 'null key', [{ key: 'h4', value: 'x' }]],
      ],
    );
  }
  assert.ok(records.every((r) => r.topic === 'parsed' && r.partition === 0 && r.timestamp > 0));
});

test('a line that does not parse stops the producer with exit 1 after sending the lines before it', async () => {
  await topic('bad-line');
  const r = await gregor(['produce', ...bs, '--topic', 'bad-line', '--property', 'parse.key=true'], { input: 'a\tb\nno separator here\nc\td\n' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no key separator found on line number 2/);
  assert.match(r.stderr, /1 records sent to bad-line/);
  assert.deepEqual((await consumeJson('bad-line', '--timeout-ms', '500')).map((x) => x.value), ['b']);
});

test('value, key-value and print.* properties format like Kafka\'s DefaultMessageFormatter', async () => {
  await topic('formats');
  const producer = client.producer();
  await producer.send({ topic: 'formats', messages: [{ key: 'k', value: 'v', headers: { a: '1' }, timestamp: 1000 }, { key: null, value: null, timestamp: 2000 }] });
  await producer.close();
  const run = async (...args: string[]): Promise<string> => {
    const r = await gregor(['consume', ...bs, '--topic', 'formats', '--from-beginning', '--max-messages', '2', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  assert.equal(await run(), 'v\nnull\n');
  assert.equal(await run('--format', 'key-value'), 'k\tv\nnull\tnull\n');
  assert.equal(
    await run('--property', 'print.key=true', '--property', 'print.timestamp=true', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.headers=true', '--property', 'key.separator= | '),
    'CreateTime:1000 | Partition:0 | Offset:0 | a:1 | k | v\nCreateTime:2000 | Partition:0 | Offset:1 | NO_HEADERS | null | null\n',
  );
  assert.equal(await run('--format', 'key-value', '--property', 'print.value=false', '--property', 'null.literal=-'), 'k\n-\n');
});

test('--partition with --offset reads one partition from an offset; --timeout-ms ends an idle consumer', async () => {
  await topic('parts', 3);
  const producer = client.producer();
  for (const partition of [0, 1, 2]) {
    await producer.send({ topic: 'parts', messages: Array.from({ length: 4 }, (_, i) => ({ value: `p${partition}-${i}`, partition })) });
  }
  await producer.close();
  const one = await gregor(['consume', ...bs, '--topic', 'parts', '--partition', '1', '--offset', '2', '--timeout-ms', '500']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'p1-2\np1-3\n');
  assert.match(one.stderr, /Processed a total of 2 messages/);
  const all = await gregor(['consume', ...bs, '--topic', 'parts', '--from-beginning', '--timeout-ms', '500']);
  assert.equal(all.stdout.split('\n').filter((l) => l !== '').sort().join(','), ['p0', 'p1', 'p2'].flatMap((p) => [0, 1, 2, 3].map((i) => `${p}-${i}`)).join(','));
  // Without --from-beginning a consumer starts at the end: nothing old is printed.
  const latest = await gregor(['consume', ...bs, '--topic', 'parts', '--timeout-ms', '300']);
  assert.equal(latest.stdout, '');
  const noPartition = await gregor(['consume', ...bs, '--topic', 'parts', '--partition', '7', '--offset', '0']);
  assert.equal(noPartition.code, 1);
  assert.match(noPartition.stderr, /topic parts has no partition 7/);
});

test('read_committed consumption works through the console consumer', async () => {
  await topic('iso');
  await gregor(['produce', ...bs, '--topic', 'iso'], { input: 'one\ntwo\n' });
  const r = await gregor(['consume', ...bs, '--topic', 'iso', '--from-beginning', '--isolation-level', 'read_committed', '--max-messages', '2']);
  assert.equal(r.stdout, 'one\ntwo\n');
});

test('the producer process flushes and exits 0 on SIGINT with stdin still open; so does a consumer without a group', async () => {
  await topic('interrupted');
  const producer = spawnGregor(['produce', ...bs, '--topic', 'interrupted']);
  let stderr = '';
  producer.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) => producer.on('close', resolve));
  producer.stdin.write('first\nsecond\n');
  // Wait until both records are readable, then interrupt the still-open producer.
  const seen = await gregor(['consume', ...bs, '--topic', 'interrupted', '--from-beginning', '--max-messages', '2']);
  assert.equal(seen.stdout, 'first\nsecond\n');
  producer.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /2 records sent to interrupted, 0 failed/);

  const consumer = spawnGregor(['consume', ...bs, '--topic', 'interrupted', '--from-beginning']);
  let out = '';
  let err = '';
  consumer.stdout.setEncoding('utf8');
  consumer.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const consumerExited = new Promise<number | null>((resolve) => consumer.on('close', resolve));
  await new Promise<void>((resolve) =>
    consumer.stdout.on('data', (t: string) => {
      out += t;
      if (out === 'first\nsecond\n') resolve();
    }),
  );
  consumer.kill('SIGINT');
  assert.equal(await consumerExited, 0, err);
  assert.match(err, /Processed a total of 2 messages/);
});

test('produce to a missing topic without auto-creation reports the failure and exits 1', async () => {
  const b = await startBroker({ properties: { 'auto.create.topics.enable': 'false' } });
  try {
    const r = await runGregor(['produce', '--bootstrap-server', b.bootstrap, '--topic', 'nope'], 'x\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
    assert.match(r.stderr, /0 records sent to nope, 1 failed/);
  } finally {
    await b.close();
  }
});

test('--include subscribes a group consumer to every topic the pattern matches', async () => {
  // 'parts' (12 records) and 'iso' (2) exist from the tests above; 'parsed' does not match.
  const r = await gregor(['consume', ...bs, '--include', 'par?ts|iso', '--group', 'pattern', '--from-beginning', '--format', 'json', '--max-messages', '14']);
  assert.equal(r.code, 0, r.stderr);
  const records = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonRecord);
  assert.deepEqual(new Set(records.map((x) => x.topic)), new Set(['parts', 'iso']));
  assert.equal(new Set(records.map((x) => `${x.topic}:${x.partition}:${x.offset}`)).size, 14);
  const without = await gregor(['consume', ...bs, '--include', 'parts']);
  assert.equal(without.code, 2);
  assert.match(without.stderr, /--include needs --group/);
});
