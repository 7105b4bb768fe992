import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferedProducer } from './buffered-producer.ts';
import { KafkaError } from './errors.ts';
import type { Producer, SendRequest } from './producer.ts';

/** A stand-in Producer that records sends and fails the first `failures` of them. */
function fakeProducer(failures = 0): { producer: Producer; sends: SendRequest[]; closed: () => boolean } {
  const sends: SendRequest[] = [];
  let closed = false;
  let left = failures;
  const producer = {
    async send(req: SendRequest) {
      sends.push(req);
      if (left-- > 0) throw new KafkaError(7, 'produce');
      return req.messages.map((_, i) => ({ topic: req.topic, partition: 0, offset: BigInt(i), timestamp: 0n }));
    },
    async close() {
      closed = true;
    },
  } as unknown as Producer;
  return { producer, sends, closed: () => closed };
}

test('produce returns at once; the threshold triggers one delivery per topic', async () => {
  const { producer, sends } = fakeProducer();
  const b = new BufferedProducer(producer, { deliveryThreshold: 3, deliveryIntervalMs: 0 });
  b.produce('a', { value: '1' });
  b.produce('b', { value: '2' });
  assert.equal(sends.length, 0);
  b.produce('a', { value: '3' });
  await b.deliver();
  assert.deepEqual(sends.map((s) => [s.topic, s.messages.map((m) => m.value)]), [['a', ['1', '3']], ['b', ['2']]]);
  assert.equal(b.bufferedMessages, 0);
  await b.shutdown();
});

test('failed messages stay queued ahead of newer ones and are retried', async () => {
  const { producer, sends } = fakeProducer(1);
  const b = new BufferedProducer(producer, { deliveryThreshold: 0, deliveryIntervalMs: 0, maxRetries: 2 });
  b.produce('t', { value: 'old' });
  await b.deliver();
  assert.equal(b.bufferedMessages, 1);
  b.produce('t', { value: 'new' });
  await b.deliver();
  assert.deepEqual(sends.at(-1)?.messages.map((m) => m.value), ['old', 'new']);
  assert.equal(b.bufferedMessages, 0);
  await b.shutdown();
});

test('messages are dropped and reported after maxRetries; shutdown reports the loss', async () => {
  const { producer, closed } = fakeProducer(100);
  const dropped: unknown[] = [];
  const b = new BufferedProducer(producer, { deliveryThreshold: 0, deliveryIntervalMs: 0, maxRetries: 1, onDeliveryError: (_e, m) => dropped.push(...m) });
  b.produce('t', { value: 'x' });
  await assert.rejects(b.shutdown(), /1 messages could not be delivered/);
  assert.equal(dropped.length, 1);
  assert.equal(closed(), true);
});

test('produce throws BUFFER_OVERFLOW when the queue is full', () => {
  const { producer } = fakeProducer();
  const b = new BufferedProducer(producer, { deliveryThreshold: 0, deliveryIntervalMs: 0, maxQueueSize: 2 });
  b.produce('t', { value: '1' });
  b.produce('t', { value: '2' });
  assert.throws(() => b.produce('t', { value: '3' }), (e: { code?: string }) => e.code === 'BUFFER_OVERFLOW');
});
