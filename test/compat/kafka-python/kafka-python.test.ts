import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { ApiKey, type ProduceRequest } from '../../../src/protocol/messages/index.ts';
import { Attributes, BATCH_HEADER_SIZE, Compression, readBatchHeader } from '../../../src/protocol/records/index.ts';
import { createTopic } from '../groups/fixtures.ts';
import { kcatConsume, kcatProduce } from '../helpers/kcat.ts';
import { runPythonJson } from '../helpers/run-process.ts';

/**
 * kafka-python 2.0.2 (Debian 12) against an in-process broker. Its bootstrap probe (ApiVersions v0,
 * then Metadata v0 on the same connection) infers a Kafka release from the advertised ranges; then
 * it uses fixed versions: Produce v7, Fetch v4, ListOffsets v1, Metadata v1.
 */

const CLIENT = new URL('./client.py', import.meta.url);
const BASE_TS = 1_700_000_000_000;

interface SentRecord {
  key: string | null;
  value: string;
  headers: Array<[string, string]>;
  timestamp: number;
}
interface Consumed {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string]>;
  timestamp: number;
  timestamp_type: number;
  extra?: true;
}

function records(tag: string, n: number): SentRecord[] {
  // kafka-python refuses a record with neither key nor value and header values that are not bytes,
  // so nulls appear only as keys here.
  return Array.from({ length: n }, (_, i) => ({
    key: i % 9 === 4 ? null : `${tag}-k${i}`,
    value: `${tag} value ${i} ${'0123456789'.repeat(i % 30)}`,
    headers: i % 3 === 0 ? [] : [['i', String(i)], ['tag', tag], ['empty', '']],
    timestamp: BASE_TS + i * 10,
  }));
}

describe('kafka-python', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker();
  });
  after(() => broker?.close());

  const produce = (topic: string, codec: string, sent: SentRecord[], acks: string | number = 'all') =>
    runPythonJson<{ api_version: number[]; offsets: number[]; partitions: number[] }>(CLIENT, { bootstrap: broker.bootstrap, step: 'produce', topic, codec, acks, records: sent });
  const consume = (topic: string, expected: number) =>
    runPythonJson<{ records: Consumed[]; end_offset: number }>(CLIENT, { bootstrap: broker.bootstrap, step: 'consume', topic, expected });
  const expectedRecords = (sent: SentRecord[], from = 0): Consumed[] =>
    // timestamp_type 0 is CreateTime.
    sent.map((r, i) => ({ offset: from + i, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, timestamp_type: 0 }));

  // snappy, lz4 and zstd through the python3-snappy, python3-lz4 and python3-zstandard peers.
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    test(`KafkaProducer (${codec}) gets every offset; KafkaConsumer with assign + seek_to_beginning reads exactly what was sent`, async () => {
      const topic = `kp-${codec}`;
      const sent = records(codec, 250);
      // The codec of every batch the client sent: kafka-python silently needs its codec's module.
      const codecs = new Set<number>();
      const removeWatch = broker.intercept(
        ({ request }) => {
          for (const t of (request as ProduceRequest).topicData) {
            for (const p of t.partitionData) {
              if (t.name === topic && p.records !== null && p.records.length >= BATCH_HEADER_SIZE) codecs.add(readBatchHeader(p.records).attributes & Attributes.compressionMask);
            }
          }
          return undefined;
        },
        { apiKey: ApiKey.Produce },
      );
      const produced = await produce(topic, codec, sent).finally(removeWatch);
      assert.deepEqual([...codecs], [Compression[codec]], 'every batch used the codec asked for');
      // The probe succeeded and saw a modern broker (Produce v8 advertised => "2.4"; DescribeAcls v2 would say 2.5).
      assert.ok(produced.api_version.length === 3 && (produced.api_version[0] ?? 0) >= 2, `inferred ${produced.api_version.join('.')}`);
      assert.deepEqual(produced.partitions, [0]);
      assert.deepEqual(produced.offsets, sent.map((_, i) => i));
      const consumed = await consume(topic, sent.length);
      assert.deepEqual(consumed.records, expectedRecords(sent));
      assert.equal(consumed.end_offset, sent.length);
    });
  }

  test('acks=1 appends after acks=all on the same partition, offsets continue', async () => {
    const first = records('all', 50);
    const second = records('one', 50);
    assert.deepEqual((await produce('kp-acks', 'gzip', first)).offsets, first.map((_, i) => i));
    assert.deepEqual((await produce('kp-acks', 'none', second, 1)).offsets, second.map((_, i) => 50 + i));
    const consumed = await consume('kp-acks', 100);
    assert.deepEqual(consumed.records, [...expectedRecords(first), ...expectedRecords(second, 50)]);
  });

  test('records kafka-python wrote read back through librdkafka (kcat), and the reverse', async () => {
    const sent = records('cross', 30);
    await produce('kp-cross', 'gzip', sent);
    const byKcat = await kcatConsume(broker.bootstrap, 'kp-cross');
    assert.deepEqual(
      byKcat.map((r) => [r.offset, r.key, r.payload, r.ts]),
      sent.map((r, i) => [i, r.key, r.value, r.timestamp]),
    );
    await kcatProduce(broker.bootstrap, 'kp-cross', 'from:kcat\nalso:kcat\n', ['-z', 'gzip', '-H', 'via=kcat']);
    const consumed = await consume('kp-cross', 32);
    assert.deepEqual(
      consumed.records.slice(30).map((r) => [r.offset, r.key, r.value, r.headers]),
      [
        [30, 'from', 'kcat', [['via', 'kcat']]],
        [31, 'also', 'kcat', [['via', 'kcat']]],
      ],
    );
    assert.equal(consumed.records.length, 32);
  });

  test('metadata and offsets by time: topics, partitions_for_topic, offsets_for_times, beginning and end offsets', async () => {
    const sent = records('times', 30);
    await produce('kp-times', 'none', sent);
    await createTopic(broker, 'kp-three', 3);
    // records() spaces timestamps 10 ms apart from BASE_TS.
    const timestamps = [BASE_TS - 1, BASE_TS, BASE_TS + 5, BASE_TS + 120, BASE_TS + 290, BASE_TS + 291];
    const out = await runPythonJson<{ topics: string[]; partitions: number[]; beginning: number; end: number; times: ([number, number] | null)[] }>(CLIENT, {
      bootstrap: broker.bootstrap,
      step: 'lookup',
      topic: 'kp-three',
      timestamps: [],
    });
    assert.ok(out.topics.includes('kp-times') && out.topics.includes('kp-three'), out.topics.join(','));
    assert.deepEqual(out.partitions, [0, 1, 2]);
    assert.deepEqual([out.beginning, out.end], [0, 0]);
    const times = await runPythonJson<{ partitions: number[]; beginning: number; end: number; times: ([number, number] | null)[] }>(CLIENT, {
      bootstrap: broker.bootstrap,
      step: 'lookup',
      topic: 'kp-times',
      timestamps,
    });
    assert.deepEqual(times.partitions, [0]);
    assert.deepEqual([times.beginning, times.end], [0, 30]);
    assert.deepEqual(times.times, [[0, BASE_TS], [0, BASE_TS], [1, BASE_TS + 10], [12, BASE_TS + 120], [29, BASE_TS + 290], null]);
  });
});
