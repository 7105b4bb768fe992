import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { handler as produceHandler } from '../../src/broker/handlers/00-produce.ts';
import { createClient, type Client } from '../../src/client/index.ts';
import { ApiKey, type ProduceRequest } from '../../src/protocol/messages/index.ts';

/**
 * Gregor's own client with `idempotent: true` against Gregor's broker (issue #6): batches carry the
 * producer id from InitProducerId and consecutive sequences, and a batch whose response was lost is
 * resent and stored once.
 */
describe('idempotent client producer against Gregor', () => {
  let broker: RunningBroker;
  let client: Client;
  before(async () => {
    broker = await startBroker();
    client = createClient({ brokers: [broker.bootstrap], clientId: 'idem-client', retry: { initialBackoffMs: 20, maxBackoffMs: 200, retries: 10 } });
    const admin = client.admin();
    const [r] = await admin.createTopics([{ topic: 'idem-client', numPartitions: 1, replicationFactor: 1 }]);
    assert.equal(r?.errorCode, 0);
    await admin.close();
  });
  after(async () => {
    await client?.close();
    await broker?.close();
  });

  test('a batch appended but unanswered is resent, answered with its offset and stored once', async () => {
    const producer = client.producer({ idempotent: true });
    await producer.send({ topic: 'idem-client', messages: [{ value: 'a' }, { value: 'b' }] });
    let lost = 0;
    broker.intercept(
      async ({ ctx, request, version }) => {
        await produceHandler.handle(ctx, request as ProduceRequest, version);
        lost++;
        return { action: 'close' };
      },
      { apiKey: ApiKey.Produce, times: 1 },
    );
    const sent = await producer.send({ topic: 'idem-client', messages: [{ value: 'c' }, { value: 'd' }] });
    assert.equal(lost, 1);
    assert.deepEqual(sent.map((m) => m.offset), [2n, 3n]);
    await producer.send({ topic: 'idem-client', messages: [{ value: 'e' }] });
    await producer.close();
    const r = await client.fetchMessages({ topic: 'idem-client', partition: 0, offset: 0n, maxWaitMs: 10 });
    assert.deepEqual(r.records.map((x) => x.value?.toString()), ['a', 'b', 'c', 'd', 'e']);
  });
});
