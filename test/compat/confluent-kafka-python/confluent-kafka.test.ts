import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../../src/broker/index.ts';
import { runPythonJson } from '../helpers/run-process.ts';

/**
 * confluent-kafka-python 1.7.0 on librdkafka 2.0.2 (Debian 12) against an in-process broker:
 * AdminClient create/describe/alter (CreateTopics v4, DescribeConfigs v1, AlterConfigs v0), a
 * Producer per codec with delivery reports (Produce v7), an assign()ed Consumer (Fetch v11).
 */

const CLIENT = new URL('./client.py', import.meta.url);
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** librdkafka's ConfigSource values. */
const DYNAMIC_TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;

type Configs = Record<string, [string | null, boolean, number]>;
interface SentRecord {
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
  timestamp?: number;
}
interface Report {
  error: string | null;
  key: string | null;
  partition: number;
  /** null when the broker sent no response (acks=0). */
  offset: number | null;
}
interface Consumed {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
  timestamp: [number, number];
}

/** A fixed CreateTime (2023-11-14) on every record, so the check covers the timestamp too. */
const BASE_TS = 1_700_000_000_000;

function records(tag: string, n: number): SentRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    // Every 10th key and 7th value null: the wire's -1 lengths must survive the round trip.
    key: i % 10 === 3 ? null : `${tag}-key-${i}`,
    value: i % 7 === 5 ? null : `${tag} value ${i} ${'xyz'.repeat(i % 50)}`,
    // No null header values: confluent-kafka-python 1.7.0's consumer frees Py_None once too often
    // for them and the interpreter aborts at exit ("none_dealloc"); empty ones are fine.
    headers: i % 4 === 0 ? [] : [['seq', String(i)], ['tag', tag], ['empty', '']],
    timestamp: BASE_TS + i,
  }));
}

describe('confluent-kafka-python', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker();
  });
  after(() => broker?.close());

  const run = <T>(input: Record<string, unknown>): Promise<T> => runPythonJson<T>(CLIENT, { bootstrap: broker.bootstrap, ...input });

  test('AdminClient: create_topics, describe_configs, alter_configs read-modify-write', async () => {
    const out = await run<{ again: string; partitions: number[]; leaders: number[]; before: Configs; after: Configs; replaced: Configs; missing: string }>({
      step: 'admin',
      topic: 'ck-admin',
    });
    assert.equal(out.again, 'TOPIC_ALREADY_EXISTS');
    assert.deepEqual(out.partitions, [0, 1]);
    assert.deepEqual(out.leaders, [broker.nodeId]);
    const overrides = (c: Configs): Record<string, string | null> =>
      Object.fromEntries(Object.entries(c).filter(([, v]) => v[2] === DYNAMIC_TOPIC_CONFIG).map(([k, v]) => [k, v[0]]));
    assert.deepEqual(overrides(out.before), { 'retention.ms': '3600000' });
    assert.deepEqual(out.before['cleanup.policy'], ['delete', true, DEFAULT_CONFIG]);
    assert.ok(Object.keys(out.before).length >= 20, 'DescribeConfigs returns the full list, defaults included');
    assert.deepEqual(overrides(out.after), { 'retention.ms': '3600000', 'cleanup.policy': 'compact', 'max.message.bytes': '200000' });
    assert.deepEqual(overrides(out.replaced), { 'cleanup.policy': 'delete' }, 'AlterConfigs replaces the whole override set');
    assert.equal(out.replaced['retention.ms']?.[1], true, 'retention.ms is back to its default');
    assert.equal(out.missing, 'UNKNOWN_TOPIC_OR_PART');
  });

  for (const codec of CODECS) {
    test(`Producer (${codec}): delivery reports give consecutive offsets; an assigned Consumer reads every record back`, async () => {
      const topic = `ck-${codec}`;
      const sent = records(codec, 300);
      const produced = await run<{ left: number; reports: Report[] }>({ step: 'produce', topic, codec, records: sent });
      assert.equal(produced.left, 0, 'flush delivered everything');
      assert.deepEqual(
        produced.reports.map((r) => [r.error, r.partition, r.offset, r.key]),
        sent.map((r, i) => [null, 0, i, r.key]),
      );
      const consumed = await run<{ records: Consumed[]; errors: string[] }>({ step: 'consume', topic });
      assert.deepEqual(consumed.errors, []);
      assert.deepEqual(
        consumed.records,
        // Timestamp type 1 is CreateTime.
        sent.map((r, i) => ({ offset: i, key: r.key, value: r.value, headers: r.headers, timestamp: [1, r.timestamp] })),
      );
    });
  }

  test('acks=1 and acks=0 producers: every record lands once, in order', async () => {
    const one = records('acks1', 100);
    const byOne = await run<{ left: number; reports: Report[] }>({ step: 'produce', topic: 'ck-acks', codec: 'none', acks: 1, records: one });
    assert.deepEqual(byOne.reports.map((r) => r.offset), one.map((_, i) => i));
    const zero = records('acks0', 100);
    const byZero = await run<{ left: number; reports: Report[] }>({ step: 'produce', topic: 'ck-acks', codec: 'gzip', acks: 0, records: zero });
    assert.equal(byZero.left, 0);
    // acks=0 gets no response, so librdkafka reports no offset.
    assert.deepEqual(byZero.reports.map((r) => [r.error, r.offset]), zero.map(() => [null, null]));
    // Nothing acknowledges acks=0 writes: wait until the broker has appended them.
    let consumed: Consumed[] = [];
    for (let attempt = 0; attempt < 20 && consumed.length < 200; attempt++) {
      consumed = (await run<{ records: Consumed[] }>({ step: 'consume', topic: 'ck-acks' })).records;
    }
    assert.deepEqual(
      consumed.map((r) => [r.offset, r.key, r.value]),
      [...one, ...zero].map((r, i) => [i, r.key, r.value]),
    );
  });

  test('offsets_for_times: the first offset at or after each timestamp, -1 past the last record', async () => {
    const sent = records('times', 50).map((r, i) => ({ ...r, timestamp: BASE_TS + 1000 * i }));
    const produced = await run<{ left: number }>({ step: 'produce', topic: 'ck-times', codec: 'none', records: sent });
    assert.equal(produced.left, 0);
    // librdkafka sends one ListOffsets per call, one partition entry per requested timestamp.
    for (const [ts, want] of [[BASE_TS - 5, 0], [BASE_TS, 0], [BASE_TS + 1, 1], [BASE_TS + 17_000, 17], [BASE_TS + 17_500, 18], [BASE_TS + 49_000, 49], [BASE_TS + 49_001, -1]] as const) {
      const out = await run<{ offsets: [number, string | null][] }>({ step: 'offsets_for_times', topic: 'ck-times', timestamps: [ts] });
      assert.deepEqual(out.offsets, [[want, null]], `timestamp ${ts}`);
    }
  });
});
