import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { runKafkaTool } from '../../peers/kafka-tools.ts';
import { describeResult } from '../../peers/run-process.ts';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';
import { kcatConsume } from '../helpers/kcat.ts';
import { runPythonJson } from '../helpers/run-process.ts';
import { describeJavaClient, runJavaClient } from '../java/java-client.ts';

/**
 * Transactions (KIP-98 exactly-once, issue #6) driven by clients we did not write, against each
 * compat target (test/peers/target.ts): a flow that passes against Apache Kafka and fails against
 * Gregor is a Gregor bug. The flows mix committed and deliberately aborted transactions and check,
 * offset by offset, what read_committed and read_uncommitted readers see and which group offsets
 * stick:
 *
 *   - confluent-kafka-python 1.7 (librdkafka 2.0.2): a consume-transform-produce loop with
 *     send_offsets_to_transaction (InitProducerId, AddPartitionsToTxn v0, AddOffsetsToTxn v0,
 *     TxnOffsetCommit, EndTxn; Fetch with isolation_level 1);
 *   - kafkajs 2.2.4: producer.transaction(), send, sendOffsets, commit/abort, and a consumer with its
 *     default readUncommitted: false;
 *   - kcat (librdkafka 2.0.2): -X isolation.level=read_committed against read_uncommitted, and the
 *     last stable offset of an open transaction, which the coordinator aborts once it times out;
 *   - kcat and the Java consumer over two producers' interleaved transactions, one aborted, read in
 *     small fetches (Fetch's aborted_transactions for each range);
 *   - the Java client 4.3 and confluent-kafka-python: a producer fenced by a second one with the same
 *     transactional.id;
 *   - Kafka's kafka-transactions tool (ListTransactions, DescribeTransactions, DescribeProducers) on
 *     an open and then committed kafkajs transaction.
 *
 * The Java exactly-once pipeline through kill -9s of the broker and of itself is
 * eos-pipeline-kill9.test.ts.
 */

const CONFLUENT = new URL('./confluent_transactions.py', import.meta.url);

interface ConfluentResult {
  committed: { after_first: number; after_abort: number; after_third: number };
  errors: string[];
  reprocessed: number[];
  /** [offset, key, value] */
  read_committed: Array<[number, string, string]>;
  read_uncommitted: Array<[number, string, string]>;
}

/** A librdkafka KafkaError as the script reports it: name, fatal, txn_requires_abort. */
type KafkaErrorReport = [string, boolean, boolean];

interface ConfluentFenceResult {
  zombie: { commit: KafkaErrorReport | null; abort: KafkaErrorReport | null };
  read_committed: Array<[number, string, string]>;
  read_uncommitted: Array<[number, string, string]>;
}

/** One kafkajs transaction: its records (all to partition 0), the offsets it commits for a group, and its end. */
interface KafkajsTransaction {
  readonly values: readonly string[];
  readonly commit: boolean;
  readonly groupOffsets?: { readonly groupId: string; readonly topic: string; readonly offset: number };
}

/** Runs `transactions` one after the other with one kafkajs transactional producer. */
async function kafkajsTransactions(kafka: Kafka, transactionalId: string, topic: string, transactions: readonly KafkajsTransaction[]): Promise<void> {
  // kafkajs requires an idempotent producer with one request in flight for transactions.
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const t of transactions) {
      const txn = await producer.transaction();
      // send() resolves on the acks=all Produce response: the records are in the log before the end.
      await txn.send({ topic, acks: -1, messages: t.values.map((value) => ({ key: value, value, partition: 0 })) });
      if (t.groupOffsets !== undefined) {
        const { groupId, topic: source, offset } = t.groupOffsets;
        await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: source, partitions: [{ partition: 0, offset: String(offset) }] }] });
      }
      if (t.commit) await txn.commit();
      else await txn.abort();
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * kafka-transactions (TransactionsCommand) prints tab-separated columns padded with spaces under a
 * header line: one object per row, keyed by the header.
 */
async function kafkaTransactions(bootstrap: string, args: readonly string[]): Promise<Array<Record<string, string>>> {
  const r = await runKafkaTool('kafka-transactions', ['--bootstrap-server', bootstrap, ...args], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, describeResult(`kafka-transactions ${args.join(' ')}`, r));
  const [header, ...rows] = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t').map((c) => c.trim()));
  return rows.map((row) => Object.fromEntries((header ?? []).map((name, i) => [name, row[i] ?? ''])));
}

const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

for (const name of compatTargets()) {
  describe(`transactions against ${name}`, () => {
    let target: Target;
    let kafka: Kafka;
    before(async () => {
      target = await startTarget(name);
      kafka = new Kafka({ clientId: 'gregor-compat-txn', brokers: [target.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    });
    after(async () => {
      await target?.close();
    });

    test('confluent-kafka-python: consume-transform-produce with send_offsets_to_transaction; an aborted transaction is invisible to read_committed and leaves the group offset alone', async () => {
      const out = await runPythonJson<ConfluentResult>(
        CONFLUENT,
        { step: 'pipeline', bootstrap: target.bootstrap, input: 'ck-txn-in', output: 'ck-txn-out', group: 'ck-txn-group', transactional_id: 'ck-txn' },
        120_000,
      );
      assert.deepEqual(out.errors, []);
      // Group offsets move with committed transactions only.
      assert.deepEqual(out.committed, { after_first: 10, after_abort: 10, after_third: 20 });
      assert.deepEqual(out.reprocessed, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'the rewound consumer reads the aborted input again');
      const out0 = (i: number): [string, string] => [`k${i}`, `out-in-${i}`];
      // Output partition: 10 records + commit marker (offset 10), 10 aborted records (11-20) + abort
      // marker (21), 10 records again (22-31) + commit marker (32).
      assert.deepEqual(out.read_committed, [
        ...range('', 10).map((_, i) => [i, ...out0(i)]),
        ...range('', 10).map((_, i) => [22 + i, ...out0(10 + i)]),
      ]);
      assert.deepEqual(out.read_uncommitted, [
        ...range('', 10).map((_, i) => [i, ...out0(i)]),
        ...range('', 10).map((_, i) => [11 + i, ...out0(10 + i)]),
        ...range('', 10).map((_, i) => [22 + i, ...out0(10 + i)]),
      ]);
    });

    test('kafkajs: transaction send + sendOffsets, commit and abort; its default read_committed consumer sees committed records only', async () => {
      const topic = 'kjs-txn';
      const source = 'kjs-txn-source';
      const groupId = 'kjs-txn-offsets';
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: source, numPartitions: 1 }] });
        const committedOffset = async (): Promise<string | undefined> =>
          (await admin.fetchOffsets({ groupId, topics: [source] }))[0]?.partitions.find((p) => p.partition === 0)?.offset;

        await kafkajsTransactions(kafka, 'kjs-txn-1', topic, [
          { values: range('committed', 5), commit: true, groupOffsets: { groupId, topic: source, offset: 5 } },
          { values: range('aborted', 5), commit: false, groupOffsets: { groupId, topic: source, offset: 10 } },
        ]);
        assert.equal(await committedOffset(), '5', 'the aborted transaction did not commit its offsets');
        // A last committed record: once the reader has it, it has passed everything before it.
        await kafkajsTransactions(kafka, 'kjs-txn-1', topic, [{ values: ['last'], commit: true, groupOffsets: { groupId, topic: source, offset: 15 } }]);
        assert.equal(await committedOffset(), '15');
      } finally {
        await admin.disconnect();
      }

      const consumer = kafka.consumer({ groupId: 'kjs-txn-reader', maxWaitTimeInMs: 200 });
      const seen: Array<[string, string]> = [];
      let resolveLast: () => void = () => undefined;
      const last = new Promise<void>((resolve) => (resolveLast = resolve));
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            const value = message.value?.toString() ?? '';
            seen.push([message.offset, value]);
            if (value === 'last') resolveLast();
          },
        });
        const bound = setTimeout(resolveLast, 60_000);
        await last;
        clearTimeout(bound);
      } finally {
        await consumer.disconnect();
      }
      // Offsets: 5 committed (0-4), marker 5, 5 aborted (6-10), marker 11, 'last' 12, marker 13.
      assert.deepEqual(seen, [...range('committed', 5).map((v, i): [string, string] => [String(i), v]), ['12', 'last']]);
    });

    test('kcat: read_committed skips the aborted transaction that read_uncommitted shows', async () => {
      const topic = 'kcat-txn';
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      } finally {
        await admin.disconnect();
      }
      await kafkajsTransactions(kafka, 'kcat-txn-producer', topic, [
        { values: range('c', 3), commit: true },
        { values: range('a', 3), commit: false },
        { values: ['z'], commit: true },
      ]);
      const read = async (isolation: string): Promise<Array<[number, string | null]>> =>
        (await kcatConsume(target.bootstrap, topic, ['-X', `isolation.level=${isolation}`])).map((r) => [r.offset, r.payload]);
      // c-0..2 at 0-2, commit marker 3, a-0..2 at 4-6, abort marker 7, z at 8, commit marker 9.
      assert.deepEqual(await read('read_committed'), [[0, 'c-0'], [1, 'c-1'], [2, 'c-2'], [8, 'z']]);
      assert.deepEqual(await read('read_uncommitted'), [[0, 'c-0'], [1, 'c-1'], [2, 'c-2'], [4, 'a-0'], [5, 'a-1'], [6, 'a-2'], [8, 'z']]);
    });

    test('interleaved transactions of two producers on one partition: read_committed drops only the aborted producer, across many small fetches', async () => {
      const topic = 'interleaved-txn';
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      } finally {
        await admin.disconnect();
      }
      const producers = ['interleaved-aborted', 'interleaved-committed'].map((transactionalId) =>
        kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }),
      );
      const [aborting, committing] = producers as [Producer, Producer];
      const ROUNDS = 20;
      try {
        for (const p of producers) await p.connect();
        const abortTxn = await aborting.transaction();
        const commitTxn = await committing.transaction();
        // One 10-record batch each in turn: offsets 0-9 aborted, 10-19 committed, 20-29 aborted, ...
        for (let round = 0; round < ROUNDS; round++) {
          await abortTxn.send({ topic, messages: range(`a${round}`, 10).map((value) => ({ value, partition: 0 })) });
          await commitTxn.send({ topic, messages: range(`c${round}`, 10).map((value) => ({ value, partition: 0 })) });
        }
        await commitTxn.commit();
        await abortTxn.abort();
      } finally {
        for (const p of producers) await p.disconnect();
      }
      const committed = Array.from({ length: ROUNDS }, (_, round) => range(`c${round}`, 10).map((v, i): [number, string] => [round * 20 + 10 + i, v])).flat();
      const everything = Array.from({ length: ROUNDS }, (_, round) =>
        [...range(`a${round}`, 10), ...range(`c${round}`, 10)].map((v, i): [number, string] => [round * 20 + i, v]),
      ).flat();

      // Fetches of about 1 KB (a few batches each): every response whose range overlaps the aborted
      // transaction must list it in aborted_transactions, by producer id.
      const small = ['--property', 'max.partition.fetch.bytes=1024', '--property', 'fetch.max.bytes=1024'];
      for (const [isolation, want] of [['read_committed', committed], ['read_uncommitted', everything]] as const) {
        const java = await runJavaClient(['read-all', target.bootstrap, topic, '--isolation', isolation, ...small]);
        assert.equal(java.code, 0, describeJavaClient(java));
        assert.deepEqual(java.lines.map((l) => [l['offset'], l['value']]), want, `Java ${isolation}`);
        const kcat = await kcatConsume(target.bootstrap, topic, ['-X', `isolation.level=${isolation}`, '-X', 'message.max.bytes=1024', '-X', 'fetch.max.bytes=1024', '-X', 'fetch.message.max.bytes=1024']);
        assert.deepEqual(kcat.map((r) => [r.offset, r.payload]), want, `kcat ${isolation}`);
      }
    });

    test('LSO: an open transaction holds read_committed readers back; the coordinator aborts it once it outlives transaction.timeout.ms', async () => {
      const topic = 'lso-txn';
      const transactionalId = 'lso-txn-producer';
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      } finally {
        await admin.disconnect();
      }
      const read = async (isolation: string): Promise<Array<[number, string | null]>> =>
        (await kcatConsume(target.bootstrap, topic, ['-X', `isolation.level=${isolation}`])).map((r) => [r.offset, r.payload]);
      const hanging = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 2000, allowAutoTopicCreation: false });
      const plain = kafka.producer({ idempotent: false, allowAutoTopicCreation: false });
      await hanging.connect();
      await plain.connect();
      try {
        const txn = await hanging.transaction();
        await txn.send({ topic, messages: [{ value: 'open', partition: 0 }] });
        await plain.send({ topic, acks: -1, messages: [{ value: 'plain', partition: 0 }] });
        assert.deepEqual(await read('read_uncommitted'), [[0, 'open'], [1, 'plain']]);
        // The last stable offset is the open transaction's first offset: nothing is readable yet,
        // not even the non-transactional record behind it.
        assert.deepEqual(await read('read_committed'), []);

        // The producer never ends its transaction; the coordinator's periodic check
        // (transaction.abort.timed.out.transaction.cleanup.interval.ms) aborts it. Polled, bounded.
        let committed: Array<[number, string | null]> = [];
        for (let attempt = 0; attempt < 120 && committed.length === 0; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          committed = await read('read_committed');
        }
        assert.deepEqual(committed, [[1, 'plain']], 'the timed-out transaction was aborted (abort marker at offset 2)');
        const described = await kafkaTransactions(target.bootstrap, ['describe', '--transactional-id', transactionalId]);
        assert.deepEqual(described.map((r) => r['TransactionState']), ['CompleteAbort']);
        // The coordinator bumped the epoch as it aborted: the producer is fenced.
        await assert.rejects(txn.commit());
      } finally {
        await plain.disconnect();
        await hanging.disconnect();
      }
    });

    test('confluent-kafka-python: a second producer with the same transactional.id fences the first (fatal _FENCED)', async () => {
      const out = await runPythonJson<ConfluentFenceResult>(CONFLUENT, { step: 'fence', bootstrap: target.bootstrap, output: 'ck-fence', transactional_id: 'ck-fence' }, 120_000);
      // librdkafka turns the coordinator's PRODUCER_FENCED (or INVALID_PRODUCER_EPOCH) for the zombie
      // into its local fatal error _FENCED; after that nothing transactional works on it.
      assert.deepEqual(out.zombie.commit, ['_FENCED', true, false], JSON.stringify(out.zombie));
      assert.notEqual(out.zombie.abort, null, JSON.stringify(out.zombie));
      const expected = [[0, 'a', 'a-committed'], [2, 'b', 'b-committed']];
      assert.deepEqual(out.read_committed, expected);
      assert.deepEqual(out.read_uncommitted, expected, 'the zombie wrote nothing');
    });

    test('kafka-transactions tool: list, describe and describe-producers show an open kafkajs transaction, then its commit', async () => {
      const topic = 'tool-txn';
      const transactionalId = 'tool-txn-producer';
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      } finally {
        await admin.disconnect();
      }
      const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      try {
        const first = await producer.transaction();
        await first.send({ topic, messages: [{ value: 'x', partition: 0 }, { value: 'y', partition: 0 }] });
        await first.commit();
        // Left open while the tool looks: x 0, y 1, commit marker 2, then a 3, b 4.
        const open = await producer.transaction();
        await open.send({ topic, messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }] });

        const listed = (await kafkaTransactions(target.bootstrap, ['list'])).filter((r) => r['TransactionalId'] === transactionalId);
        assert.deepEqual(listed.map((r) => [r['Coordinator'], r['TransactionState']]), [['1', 'Ongoing']]);
        const producerId = listed[0]?.['ProducerId'] ?? '';
        assert.match(producerId, /^\d+$/);
        const described = await kafkaTransactions(target.bootstrap, ['describe', '--transactional-id', transactionalId]);
        assert.deepEqual(
          described.map((r) => [r['CoordinatorId'], r['TransactionalId'], r['ProducerId'], r['ProducerEpoch'], r['TransactionState'], r['TransactionTimeoutMs'], r['TopicPartitions']]),
          [['1', transactionalId, producerId, '0', 'Ongoing', '60000', `${topic}-0`]],
        );
        const producers = await kafkaTransactions(target.bootstrap, ['describe-producers', '--topic', topic, '--partition', '0']);
        // Sequences 0-1 in the first transaction, 2-3 in the open one, which starts at offset 3.
        assert.deepEqual(
          producers.map((r) => [r['ProducerId'], r['ProducerEpoch'], r['LastSequence'], r['CurrentTransactionStartOffset']]),
          [[producerId, '0', '3', '3']],
        );

        await open.commit();
        const after = (await kafkaTransactions(target.bootstrap, ['list'])).filter((r) => r['TransactionalId'] === transactionalId);
        assert.deepEqual(after.map((r) => [r['ProducerId'], r['TransactionState']]), [[producerId, 'CompleteCommit']]);
        const settled = await kafkaTransactions(target.bootstrap, ['describe-producers', '--topic', topic, '--partition', '0']);
        assert.deepEqual(settled.map((r) => [r['ProducerId'], r['CurrentTransactionStartOffset']]), [[producerId, 'None']]);
      } finally {
        await producer.disconnect();
      }
    });

    test('Java client: a second producer with the same transactional.id fences the first', async () => {
      const topic = 'java-fence';
      const created = await runJavaClient(['admin', target.bootstrap, 'create-topic', topic]);
      assert.equal(created.code, 0, describeJavaClient(created));
      const r = await runJavaClient(['fence', target.bootstrap, topic, '--transactional-id', 'java-fence']);
      assert.equal(r.code, 0, describeJavaClient(r));
      assert.deepEqual(r.lines.map((l) => l['step']), ['a-committed', 'b-initialized', 'a-zombie', 'b-committed'], describeJavaClient(r));
      const zombie = r.lines[2] as { sendError: string | null; commitError: string | null; abortError: string | null; againError: string | null };
      // Under transaction.version 2 the zombie's Produce gets INVALID_PRODUCER_EPOCH (abortable) and
      // its EndTxn PRODUCER_FENCED; under version 1 AddPartitionsToTxn already answers PRODUCER_FENCED.
      // Either way its send fails, and the producer ends fenced for good.
      assert.match(zombie.sendError ?? 'no error', /ProducerFencedException|InvalidProducerEpochException/, JSON.stringify(zombie));
      assert.notEqual(zombie.commitError, null, JSON.stringify(zombie));
      assert.match(zombie.againError ?? 'no error', /ProducerFencedException/, JSON.stringify(zombie));

      for (const isolation of ['read_committed', 'read_uncommitted']) {
        const read = await runJavaClient(['read-all', target.bootstrap, topic, '--isolation', isolation]);
        assert.equal(read.code, 0, describeJavaClient(read));
        // The fenced producer wrote nothing at all; B's transaction follows A's commit marker.
        assert.deepEqual(read.lines.map((l) => [l['offset'], l['value']]), [[0, 'a-committed'], [2, 'b-committed']], isolation);
      }
    });
  });
}
