import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { ApiKey, type ProduceRequest } from '../../../src/protocol/messages/index.ts';
import { BATCH_HEADER_SIZE, readBatchHeader } from '../../../src/protocol/records/index.ts';
import { headerPairs, kcatConsume, kcatMetadata, kcatOffsetForTime, kcatProduce } from '../helpers/kcat.ts';

/**
 * kcat 1.7.1 (librdkafka 2.0.2) against an in-process broker: metadata, produce and consume with
 * every codec, null keys, headers, offsets for times, a 1 MiB record and 20,000 small ones.
 * librdkafka 2.0.2 speaks Produce v7, Fetch v11, ListOffsets v2 and Metadata v4 here.
 */

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** Room for a 1 MiB record plus batch overhead, and a limit a 4 MiB record exceeds. */
const MAX_MESSAGE_BYTES = 3 * 1024 * 1024;
/** Client-side limits above the broker's, so the broker is the one that refuses. */
const BIG_CLIENT = ['-X', `message.max.bytes=${8 * 1024 * 1024}`, '-X', `fetch.message.max.bytes=${8 * 1024 * 1024}`];

describe('kcat', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker({ properties: { 'message.max.bytes': String(MAX_MESSAGE_BYTES), 'num.partitions': '3' } });
  });
  after(() => broker?.close());

  test('-L names this broker as controller and lists an auto-created topic with its partitions', async () => {
    const listing = await kcatMetadata(broker.bootstrap, 'kc-meta');
    assert.match(listing, new RegExp(`1 brokers:\\n\\s+broker 1 at 127\\.0\\.0\\.1:${broker.port} \\(controller\\)`));
    assert.match(listing, /topic "kc-meta" with 3 partitions:/);
    for (const p of [0, 1, 2]) assert.match(listing, new RegExp(`partition ${p}, leader 1, replicas: 1, isrs: 1`));
  });

  test('every codec: keyed records with headers read back with their offsets, keys, values and headers', async () => {
    const records = (codec: string) => Array.from({ length: 40 }, (_, i) => ({ key: `${codec}-k${i}`, value: `${codec} value ${i} ${'abc'.repeat(i)}` }));
    // One topic per codec, produced side by side, then one mixed topic produced codec after codec.
    await Promise.all(
      CODECS.map((codec) =>
        kcatProduce(broker.bootstrap, `kc-${codec}`, records(codec).map((r) => `${r.key}:${r.value}\n`).join(''), ['-z', codec, '-H', `codec=${codec}`, '-H', 'empty=']),
      ),
    );
    for (const codec of CODECS) {
      const got = await kcatConsume(broker.bootstrap, `kc-${codec}`);
      assert.deepEqual(
        got.map((r) => [r.offset, r.key, r.payload, headerPairs(r)]),
        records(codec).map((r, i) => [i, r.key, r.value, [['codec', codec], ['empty', '']]]),
        `codec ${codec}`,
      );
      assert.ok(got.every((r) => r.tstype === 'create' && r.partition === 0));
    }
    for (const codec of CODECS) {
      await kcatProduce(broker.bootstrap, 'kc-mixed', records(codec).map((r) => `${r.key}:${r.value}\n`).join(''), ['-z', codec]);
    }
    const mixed = await kcatConsume(broker.bootstrap, 'kc-mixed');
    assert.deepEqual(
      mixed.map((r) => [r.offset, r.key, r.payload]),
      CODECS.flatMap((codec) => records(codec)).map((r, i) => [i, r.key, r.value]),
    );
  });

  test('null keys and null values (-Z) stay null, distinct from empty', async () => {
    await kcatProduce(broker.bootstrap, 'kc-nulls', ':v-null-key\nk-null-value:\nk:v\n', ['-Z']);
    const got = await kcatConsume(broker.bootstrap, 'kc-nulls');
    assert.deepEqual(
      got.map((r) => [r.offset, r.key, r.payload]),
      [
        [0, null, 'v-null-key'],
        [1, 'k-null-value', null],
        [2, 'k', 'v'],
      ],
    );
  });

  test('-Q finds, for each produced timestamp, the first offset at or after it; -1 past the last', async () => {
    // Three separate runs, so the records carry at least a few distinct CreateTimes.
    for (const run of [0, 1, 2]) {
      await kcatProduce(broker.bootstrap, 'kc-times', Array.from({ length: 5 }, (_, i) => `r${run}:${i}\n`).join(''), ['-z', 'gzip']);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const got = await kcatConsume(broker.bootstrap, 'kc-times');
    assert.equal(got.length, 15);
    const stamps = [...new Set(got.map((r) => r.ts))];
    assert.ok(stamps.length >= 2, `records carry distinct timestamps: ${stamps.join(',')}`);
    // ListOffsets semantics: the earliest offset whose timestamp is >= the one asked for.
    const expected = (ts: number): number => got.find((r) => r.ts >= ts)?.offset ?? -1;
    for (const ts of [...stamps, stamps[0]! - 1, 0]) {
      assert.equal(await kcatOffsetForTime(broker.bootstrap, 'kc-times', ts), expected(ts), `timestamp ${ts}`);
    }
    const last = Math.max(...stamps);
    assert.equal(await kcatOffsetForTime(broker.bootstrap, 'kc-times', last + 1), -1);
    // The consumer's s@ start does the same lookup.
    const later = stamps[1]!;
    const tail = await kcatConsume(broker.bootstrap, 'kc-times', [], `s@${later}`);
    assert.deepEqual(tail.map((r) => r.offset), got.filter((r) => r.offset >= expected(later)).map((r) => r.offset));
  });

  test('a 1 MiB record goes in and comes back byte for byte; one above message.max.bytes is refused', async () => {
    // A pattern rather than one repeated byte, so a shifted or truncated read cannot pass.
    const big = Array.from({ length: 1024 * 1024 }, (_, i) => String.fromCharCode(97 + ((i * 7 + (i >> 10)) % 26))).join('');
    await kcatProduce(broker.bootstrap, 'kc-big', `before:small\nbig:${big}\nafter:small\n`, BIG_CLIENT);
    const got = await kcatConsume(broker.bootstrap, 'kc-big', BIG_CLIENT);
    assert.deepEqual(got.map((r) => [r.offset, r.key, r.payload?.length]), [[0, 'before', 5], [1, 'big', big.length], [2, 'after', 5]]);
    assert.ok(got[1]?.payload === big, 'the 1 MiB value is unchanged');

    const tooBig = 'z'.repeat(4 * 1024 * 1024);
    await assert.rejects(kcatProduce(broker.bootstrap, 'kc-big', `huge:${tooBig}\n`, BIG_CLIENT), /too large/i);
    const after = await kcatConsume(broker.bootstrap, 'kc-big', BIG_CLIENT);
    assert.equal(after.length, 3, 'the refused record was not stored');
  });

  test('20,000 small records come back in order, none lost or repeated', async () => {
    const n = 20_000;
    const input = Array.from({ length: n }, (_, i) => `k${i}:value-${i}\n`).join('');
    await kcatProduce(broker.bootstrap, 'kc-many', input, ['-z', 'lz4', '-X', 'batch.num.messages=500']);
    const got = await kcatConsume(broker.bootstrap, 'kc-many');
    assert.equal(got.length, n);
    for (let i = 0; i < n; i++) {
      const r = got[i]!;
      if (r.offset !== i || r.key !== `k${i}` || r.payload !== `value-${i}`) assert.fail(`record ${i}: offset ${r.offset} key ${r.key} value ${r.payload}`);
    }
  });

  // kcat exits when its only broker connection drops ("all brokers down" is fatal to it), so lost
  // responses are injected with the Java client and confluent-kafka-python (test/e2e/idempotence-*);
  // here librdkafka's idempotent producer runs its normal path: InitProducerId, then up to five
  // pipelined batches a connection with consecutive sequences.
  test('enable.idempotence: one producer id, consecutive sequences over pipelined batches, each record once', async () => {
    const n = 5000;
    const batches: { producerId: bigint; epoch: number; baseSequence: number; count: number }[] = [];
    const removeWatch = broker.intercept(
      ({ request }) => {
        for (const t of (request as ProduceRequest).topicData) {
          for (const p of t.partitionData) {
            if (p.records === null || p.records.length < BATCH_HEADER_SIZE) continue;
            const h = readBatchHeader(p.records);
            batches.push({ producerId: h.producerId, epoch: h.producerEpoch, baseSequence: h.baseSequence, count: h.lastOffsetDelta + 1 });
          }
        }
        return undefined;
      },
      { apiKey: ApiKey.Produce },
    );
    try {
      const input = Array.from({ length: n }, (_, i) => `i${i}:value-${i}\n`).join('');
      await kcatProduce(broker.bootstrap, 'kc-idempotent', input, ['-X', 'enable.idempotence=true', '-X', 'batch.num.messages=100', '-X', 'linger.ms=5']);
    } finally {
      removeWatch();
    }
    assert.ok(batches.length >= n / 100, `${batches.length} batches`);
    assert.equal(new Set(batches.map((b) => `${b.producerId}/${b.epoch}`)).size, 1, 'one producer id and epoch');
    assert.ok(batches[0]!.producerId >= 0n, 'the producer id came from InitProducerId');
    let next = 0;
    for (const b of [...batches].sort((x, y) => x.baseSequence - y.baseSequence)) {
      assert.equal(b.baseSequence, next, 'sequences follow on from batch to batch');
      next += b.count;
    }
    assert.equal(next, n);
    const got = await kcatConsume(broker.bootstrap, 'kc-idempotent');
    assert.deepEqual(
      got.map((r) => [r.offset, r.key]),
      Array.from({ length: n }, (_, i) => [i, `i${i}`]),
      'each record once, in order',
    );
  });
});
