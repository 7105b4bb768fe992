import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { createClient } from '../../src/client/index.ts';
import { gregor } from './cli-support.ts';

/** `gregor dump-log` on segments the broker wrote, and `gregor perf produce|consume` on a small count. */

let broker: RunningBroker;
let bs: string[];
let scratch: string;

before(async () => {
  broker = await startBroker({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
  bs = ['--bootstrap-server', broker.bootstrap];
  scratch = await mkdtemp(join(tmpdir(), 'gregor-cli-tools-'));
});
after(async () => {
  await broker?.close();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

async function segmentOf(topic: string): Promise<string> {
  const dir = join(broker.logDirs[0]!, `${topic}-0`);
  const logs = (await readdir(dir)).filter((f) => f.endsWith('.log'));
  assert.deepEqual(logs, ['00000000000000000000.log']);
  return join(dir, logs[0]!);
}

test('dump-log prints each batch of a segment the broker wrote, and with --print-data each record', async () => {
  assert.equal((await gregor(['topics', 'create', ...bs, '--topic', 'dumped', '--partitions', '1'])).code, 0);
  const client = createClient({ brokers: [broker.bootstrap], clientId: 'dump-test' });
  await client.producer().send({ topic: 'dumped', messages: [{ key: 'k0', value: 'plain', timestamp: 1000 }] });
  await client.producer({ compression: 'gzip' }).send({
    topic: 'dumped',
    messages: [
      { key: 'k1', value: 'zipped one', headers: { trace: 'abc' }, timestamp: 2000 },
      { key: null, value: Buffer.from([0, 1, 2, 255]), timestamp: 3000 },
    ],
  });
  await client.close();
  const segment = await segmentOf('dumped');

  const headers = await gregor(['dump-log', segment]);
  assert.equal(headers.code, 0, headers.stderr);
  const lines = headers.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `Dumping ${segment}`);
  assert.equal(lines[1], 'Log starting offset: 0');
  assert.match(lines[2]!, /^baseOffset: 0 lastOffset: 0 count: 1 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false position: 0 baseTimestamp: 1000 CreateTime: 1000 size: (\d+) magic: 2 compresscodec: none crcValid: true$/);
  const firstSize = Number(/size: (\d+)/.exec(lines[2]!)![1]);
  assert.match(lines[3]!, new RegExp(`^baseOffset: 1 lastOffset: 2 count: 2 .* position: ${firstSize} baseTimestamp: 2000 CreateTime: 3000 size: \\d+ magic: 2 compresscodec: gzip crcValid: true$`));
  assert.match(lines[4]!, /^2 batches, \d+ bytes$/);
  assert.equal(lines.length, 5);

  const data = await gregor(['dump-log', '--print-data', segment]);
  assert.equal(data.code, 0, data.stderr);
  const records = data.stdout.split('\n').filter((l) => l.startsWith('| '));
  assert.deepEqual(records, [
    '| offset: 0 CreateTime: 1000 keySize: 2 valueSize: 5 sequence: -1 headerKeys: [] key: k0 payload: plain',
    '| offset: 1 CreateTime: 2000 keySize: 2 valueSize: 10 sequence: -1 headerKeys: [trace] key: k1 payload: zipped one headers: trace=abc',
    '| offset: 2 CreateTime: 3000 keySize: -1 valueSize: 4 sequence: -1 headerKeys: [] key: null payload: 0x000102ff',
  ]);
  // Kafka's flag names work too.
  assert.deepEqual(await gregor(['dump-log', '--files', segment, '--print-data-log']), data);
});

test('dump-log reports a CRC mismatch and a truncated tail, and exits 1', async () => {
  const segment = await segmentOf('dumped');
  const bytes = await readFile(segment);
  const corrupt = join(scratch, '00000000000000000000.log');
  // Flip a byte of the first batch's record data (after its 61-byte header).
  const flipped = Buffer.from(bytes);
  flipped[65] = flipped[65]! ^ 0xff;
  await writeFile(corrupt, flipped);
  const crc = await gregor(['dump-log', corrupt]);
  assert.equal(crc.code, 1);
  assert.match(crc.stdout, /^baseOffset: 0 .* crcValid: false$/m);
  assert.match(crc.stdout, /^baseOffset: 1 .* crcValid: true$/m);

  const torn = join(scratch, 'torn.log');
  await copyFile(segment, torn);
  await truncate(torn, bytes.length - 5);
  const cut = await gregor(['dump-log', torn]);
  assert.equal(cut.code, 1);
  assert.match(cut.stdout, /^baseOffset: 0 .* crcValid: true$/m);
  assert.match(cut.stdout, /^Found \d+ bytes at position \d+ that end inside a batch \(truncated tail\)$/m);

  const missing = await gregor(['dump-log', join(scratch, 'nope.log')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*nope\.log: ENOENT/);
});

test('perf produce prints progress lines and Kafka\'s summary line; perf consume reads the records back', async () => {
  assert.equal((await gregor(['topics', 'create', ...bs, '--topic', 'perf', '--partitions', '2'])).code, 0);
  // Throttled to 2000 records/s, 1000 records take at least ~0.5 s: several 100 ms progress windows.
  const produced = await gregor(['perf', 'produce', ...bs, '--topic', 'perf', '--num-records', '1000', '--record-size', '64', '--throughput', '2000', '--acks', '1', '--compression', 'lz4', '--linger-ms', '5', '--batch-size', '8192', '--reporting-interval', '100']);
  assert.equal(produced.code, 0, produced.stderr);
  const lines = produced.stdout.trimEnd().split('\n');
  const summary = lines.pop()!;
  assert.match(summary, /^1000 records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/);
  assert.ok(lines.length >= 2, produced.stdout);
  for (const line of lines) assert.match(line, /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/);
  // The throttle holds: records/s cannot exceed the cap by much.
  assert.ok(Number(/records sent, ([\d.]+) records\/sec/.exec(summary)![1]) < 2500, summary);
  const fast = await gregor(['perf', 'produce', ...bs, '--topic', 'perf', '--num-records', '4000', '--record-size', '100', '--throughput', '-1']);
  assert.equal(fast.code, 0, fast.stderr);
  assert.match(fast.stdout, /^4000 records sent, /m);

  const consumed = await gregor(['perf', 'consume', ...bs, '--topic', 'perf', '--messages', '5000', '--timeout', '5000', '--reporting-interval', '100']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const [header, row, ...rest] = consumed.stdout.trimEnd().split('\n');
  assert.equal(header, 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  assert.deepEqual(rest, []);
  const cells = row!.split(', ');
  assert.equal(cells.length, 10);
  assert.match(cells[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}$/);
  assert.equal(cells[4], '5000');
  // 1000 × 64 + 4000 × 100 bytes of values.
  assert.equal(cells[2], ((1000 * 64 + 4000 * 100) / 1024 / 1024).toFixed(4));

  const short = await gregor(['perf', 'consume', ...bs, '--topic', 'perf', '--messages', '6000', '--timeout', '300', '--hide-header']);
  assert.equal(short.code, 0, short.stderr);
  assert.match(short.stderr, /Exiting before consuming the expected number of messages: timeout \(300 ms\) exceeded/);
  assert.equal(short.stdout.split('\n')[0]!.split(', ')[4], '5000');
});
