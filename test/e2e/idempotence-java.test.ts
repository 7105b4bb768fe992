import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { ApiKey, type ProduceRequest } from '../../src/protocol/messages/index.ts';
import { BATCH_HEADER_SIZE, readBatchHeader } from '../../src/protocol/records/index.ts';
import { loseProduceAnswers } from '../compat/helpers/lose-produce-answers.ts';
import { describeJavaClient, runJavaClient } from '../compat/java/java-client.ts';

/**
 * The Java producer with its default settings (idempotent since Kafka 3.0, KIP-679: InitProducerId,
 * then sequenced batches) against Gregor. Some Produce requests are appended and then their
 * connection is closed before the response, so the client resends batches the log already holds:
 * every record must still be acknowledged once and stored once.
 */

const TOPIC = 'idem-java';
const COUNT = 600;
const LOST_RESPONSES = 3;

describe('idempotent Java producer against Gregor', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker({ properties: { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.replication.factor': '1' } });
  });
  after(() => broker?.close());

  test('records whose responses were lost are resent, acknowledged once and stored once', async () => {
    const created = await runJavaClient(['admin', broker.bootstrap, 'create-topic', TOPIC, '--partitions', '2']);
    assert.equal(created.code, 0, describeJavaClient(created));
    // Every batch seen, by producer/epoch/partition/sequence: a key seen twice is a resend.
    const seen = new Set<string>();
    let resent = 0;
    broker.intercept(
      ({ request }) => {
        for (const t of (request as ProduceRequest).topicData) {
          for (const p of t.partitionData) {
            if (p.records === null || p.records.length < BATCH_HEADER_SIZE) continue;
            const h = readBatchHeader(p.records);
            const key = `${h.producerId}/${h.producerEpoch}/${t.name}-${p.index}/${h.baseSequence}`;
            if (seen.has(key)) resent++;
            seen.add(key);
          }
        }
        return undefined;
      },
      { apiKey: ApiKey.Produce },
    );
    // The first requests are appended for real, then the connection dropped instead of answered.
    const dropped = loseProduceAnswers(broker, (call) => call <= LOST_RESPONSES);
    // No --idempotence flag and no producer properties: the Java defaults (acks=all, idempotent).
    const produced = await runJavaClient(['produce', broker.bootstrap, TOPIC, String(COUNT), '--property', 'batch.size=2048', '--property', 'retry.backoff.ms=20']);
    assert.equal(produced.code, 0, describeJavaClient(produced));
    dropped.remove();
    assert.equal(dropped.lost(), LOST_RESPONSES, 'the client had to resend batches the broker had stored');
    assert.ok(resent > 0, 'some batches reached the broker twice');
    assert.equal(produced.lines.length, COUNT);
    const positions = produced.lines.map((l) => `${l['partition'] as number}/${l['offset'] as number}`);
    assert.equal(new Set(positions).size, COUNT, 'no two records acknowledged at the same offset');

    const latest = await runJavaClient(['admin', broker.bootstrap, 'list-offsets', TOPIC, 'latest']);
    assert.equal(latest.code, 0, describeJavaClient(latest));
    assert.equal(latest.lines.reduce((sum, l) => sum + (l['offset'] as number), 0), COUNT, 'the log holds each record once');

    const consumed = await runJavaClient(['consume', broker.bootstrap, TOPIC, '--group', 'idem-java-check', '--max', String(COUNT)]);
    assert.equal(consumed.code, 0, describeJavaClient(consumed));
    const values = consumed.lines.map((l) => l['value'] as string);
    assert.equal(new Set(values).size, COUNT, 'each record read back once');
    assert.deepEqual(new Set(values), new Set(Array.from({ length: COUNT }, (_, i) => `value-${i}`)));
    for (const l of produced.lines) {
      const read = consumed.lines.find((c) => c['partition'] === l['partition'] && c['offset'] === l['offset']);
      assert.equal(read?.['value'], l['value'], `record at ${l['partition'] as number}/${l['offset'] as number} is the one acknowledged there`);
    }
  });
});
