import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { createClient } from '../../src/client/index.ts';

/**
 * Issue #7: a producer and a group consumer ride through a broker restart. The broker is closed
 * while the producer keeps sending; the sends wait in the client's retries, the broker comes back on
 * the same port and data directory, and every record (before, during, after) reaches the consumer,
 * which rejoins its group and resumes from its committed offsets.
 */

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

test('a producer and a group consumer ride through a broker restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-restart-'));
  const port = await freePort();
  const properties = { 'log.dirs': dir, listeners: `PLAINTEXT://127.0.0.1:${port}`, 'offsets.topic.num.partitions': '3' };
  let broker: RunningBroker = await startBroker({ properties });
  const client = createClient({ brokers: [`127.0.0.1:${port}`], clientId: 'restart', retry: { initialBackoffMs: 50, maxBackoffMs: 300, retries: 60 } });
  const seen = new Set<string>();
  const consumer = client.consumer({ groupId: 'restart-group', fromBeginning: true, heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, maxWaitMs: 200, autoCommitIntervalMs: 200 });
  try {
    const admin = client.admin();
    await admin.createTopics([{ topic: 'restart', numPartitions: 2, replicationFactor: 1 }]);
    await admin.close();
    consumer.subscribe(['restart']);
    const running = consumer.run({ eachMessage: (r) => void seen.add(String(r.value)) });
    const producer = client.producer();
    const send = (i: number) => producer.send({ topic: 'restart', messages: [{ key: `k${i}`, value: `v${i}` }] });
    for (let i = 0; i < 50; i++) await send(i);

    await broker.close();
    // Sent while the broker is down: these wait in the producer's retries.
    const during = Promise.all(Array.from({ length: 50 }, (_, i) => send(50 + i)));
    await sleep(500);
    broker = await startBroker({ properties });
    await during;
    for (let i = 100; i < 150; i++) await send(i);
    await producer.close();

    const deadline = Date.now() + 60_000;
    while (seen.size < 150 && Date.now() < deadline) await sleep(50);
    const missing = Array.from({ length: 150 }, (_, i) => `v${i}`).filter((v) => !seen.has(v));
    assert.deepEqual(missing, [], 'every record produced before, during and after the restart is consumed');
    await consumer.close();
    await running;
  } finally {
    await client.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
});
