import { readFileSync } from 'node:fs';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { GOLDEN_TOPIC, goldenRecords, type CodecName } from '../golden-records.ts';
import { withTimeout, type ClientDriver } from './driver.ts';

/** @platformatic/kafka: flexible versions only (ApiVersions v3+, Metadata 9+, Produce 9+, Fetch 12+). */

const CLIENT = 'platformatic';
const clientOptions = (port: number) => ({ clientId: 'golden-platformatic', bootstrapBrokers: [`127.0.0.1:${port}`] });

async function admin(port: number): Promise<void> {
  const client = new Admin(clientOptions(port));
  try {
    await client.createTopics({ topics: ['golden-admin'], partitions: 1, replicas: 1 });
    await client.metadata({ topics: [GOLDEN_TOPIC] });
  } finally {
    await client.close();
  }
}

async function produce(port: number, codec: CodecName): Promise<void> {
  const producer = new Producer({ ...clientOptions(port), serializers: stringSerializers });
  try {
    await producer.send({
      ...(codec === 'none' ? {} : { compression: codec }),
      messages: goldenRecords(CLIENT, codec).map((r) => ({
        topic: GOLDEN_TOPIC,
        key: r.key,
        value: r.value,
        headers: new Map(r.headers),
      })),
    });
  } finally {
    await producer.close();
  }
}

async function consume(port: number, expected: number): Promise<void> {
  const consumer = new Consumer({ ...clientOptions(port), groupId: 'golden-platformatic', deserializers: stringDeserializers, maxWaitTime: 200 });
  try {
    const stream = await consumer.consume({ topics: [GOLDEN_TOPIC], mode: 'earliest', autocommit: false });
    let seen = 0;
    for await (const _ of stream) {
      if (++seen === expected) break;
    }
    await stream.close();
  } finally {
    await consumer.close(true);
  }
}

export const platformaticDriver: ClientDriver = {
  client: CLIENT,
  version: async () => {
    const url = new URL('../../../node_modules/@platformatic/kafka/package.json', import.meta.url);
    return `@platformatic/kafka ${(JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version}`;
  },
  steps: [
    { name: 'admin', run: (port) => withTimeout('platformatic admin', admin(port)) },
    ...(['none', 'gzip'] as const).map((codec) => ({
      name: `produce-${codec}`,
      produced: { topic: GOLDEN_TOPIC, codec },
      run: (port: number) => withTimeout(`platformatic produce ${codec}`, produce(port, codec)),
    })),
    { name: 'consume', run: (port) => withTimeout('platformatic consume', consume(port, 6)) },
  ],
};
