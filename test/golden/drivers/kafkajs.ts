import { readFileSync } from 'node:fs';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { GOLDEN_TOPIC, goldenRecords, type CodecName } from '../golden-records.ts';
import { withTimeout, type ClientDriver } from './driver.ts';

/**
 * kafkajs 2.2.4: no flexible versions at all (ApiVersions v2, Produce v7, Fetch v11, Metadata v6).
 * Node 24 prints a TimeoutNegativeWarning during the admin step: kafkajs's RequestQueue schedules a
 * timer at `throttledUntil - Date.now()` with throttledUntil still -1. Harmless, and not ours.
 */

const CLIENT = 'kafkajs';

function kafka(port: number): Kafka {
  return new Kafka({
    clientId: 'golden-kafkajs',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
}

async function produce(port: number, codec: CodecName): Promise<void> {
  const producer = kafka(port).producer();
  await producer.connect();
  try {
    await producer.send({
      topic: GOLDEN_TOPIC,
      compression: codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      messages: goldenRecords(CLIENT, codec).map((r) => ({ key: r.key, value: r.value, headers: Object.fromEntries(r.headers) })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** A group consumer (kafkajs has no other kind): FindCoordinator, JoinGroup, SyncGroup, OffsetFetch, Fetch. */
async function consume(port: number, expected: number): Promise<void> {
  const consumer = kafka(port).consumer({ groupId: 'golden-kafkajs', maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: GOLDEN_TOPIC, fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async () => {
            if (++seen === expected) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

export const kafkajsDriver: ClientDriver = {
  client: CLIENT,
  version: async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../node_modules/kafkajs/package.json', import.meta.url), 'utf8')) as { version: string };
    return `kafkajs ${pkg.version}`;
  },
  steps: [
    {
      name: 'admin',
      run: (port) =>
        withTimeout('kafkajs admin', (async () => {
          const admin = kafka(port).admin();
          await admin.connect();
          try {
            await admin.createTopics({ topics: [{ topic: 'golden-admin', numPartitions: 1, replicationFactor: 1 }] });
            await admin.fetchTopicMetadata({ topics: [GOLDEN_TOPIC] });
          } finally {
            await admin.disconnect();
          }
        })()),
    },
    ...(['none', 'gzip'] as const).map((codec) => ({
      name: `produce-${codec}`,
      produced: { topic: GOLDEN_TOPIC, codec },
      run: (port: number) => withTimeout(`kafkajs produce ${codec}`, produce(port, codec)),
    })),
    { name: 'consume', run: (port) => withTimeout('kafkajs consume', consume(port, 6)) },
  ],
};
