import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../protocol/messages/index.ts';
import { PRODUCER_ID_BLOCK_SIZE, ProducerIdManager } from './producer-id-manager.ts';
import { PartitionProducerState, incrementSequence, type BatchOffsets, type ProducerBatch } from './producer-state.ts';

const PID = 7n;
const batch = (baseSequence: number, count = 1, producerEpoch = 0, producerId = PID): ProducerBatch => ({
  producerId,
  producerEpoch,
  baseSequence,
  lastOffsetDelta: count - 1,
});
const at = (baseOffset: bigint, count = 1): Promise<BatchOffsets> => Promise.resolve({ baseOffset, lastOffset: baseOffset + BigInt(count - 1) });

/** Checks and, when accepted, records the batch as written at `offset`. */
function write(s: PartitionProducerState, b: ProducerBatch, offset: bigint): string {
  const v = s.check(b);
  if (v.kind === 'append') s.record(b, at(offset, b.lastOffsetDelta + 1));
  return v.kind === 'error' ? `error ${v.errorCode}` : v.kind;
}

describe('PartitionProducerState', () => {
  test('a new producer may start at any sequence (KIP-360), then must continue in order', () => {
    const s = new PartitionProducerState();
    assert.equal(write(s, batch(5, 2), 0n), 'append');
    assert.deepEqual(s.describe(PID), { epoch: 0, lastSeq: 6 });
    assert.equal(write(s, batch(7, 3), 2n), 'append');
    assert.equal(write(s, batch(11), 5n), `error ${ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER}`);
    assert.equal(write(s, batch(10), 5n), 'append');
  });

  test('a retry of one of the last five batches is a duplicate answered with its original offsets', async () => {
    const s = new PartitionProducerState();
    for (let i = 0; i < 6; i++) assert.equal(write(s, batch(i * 2, 2), BigInt(100 + i * 2)), 'append');
    const v = s.check(batch(4, 2));
    assert.equal(v.kind, 'duplicate');
    assert.deepEqual(await (v as { offsets: Promise<BatchOffsets> }).offsets, { baseOffset: 104n, lastOffset: 105n });
    // The first batch fell out of the window of five: no longer recognisable, so out of order.
    assert.equal(write(s, batch(0, 2), 0n), `error ${ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER}`);
    // Same first sequence, different length: not a duplicate.
    assert.equal(write(s, batch(10, 1), 0n), `error ${ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER}`);
  });

  test('a duplicate of a batch still being appended waits for its offsets', async () => {
    const s = new PartitionProducerState();
    let resolve!: (o: BatchOffsets) => void;
    const pending = new Promise<BatchOffsets>((r) => (resolve = r));
    assert.equal(s.check(batch(0)).kind, 'append');
    s.record(batch(0), pending);
    const v = s.check(batch(0));
    assert.equal(v.kind, 'duplicate');
    resolve({ baseOffset: 42n, lastOffset: 42n });
    assert.deepEqual(await (v as { offsets: Promise<BatchOffsets> }).offsets, { baseOffset: 42n, lastOffset: 42n });
  });

  test('a failed append puts the state back so the retry is accepted', async () => {
    const s = new PartitionProducerState();
    write(s, batch(0), 0n);
    const failing = Promise.reject(new Error('disk'));
    failing.catch(() => undefined);
    assert.equal(s.check(batch(1)).kind, 'append');
    s.record(batch(1), failing);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(s.describe(PID), { epoch: 0, lastSeq: 0 });
    assert.equal(s.check(batch(1)).kind, 'append');
  });

  test('epochs: older is INVALID_PRODUCER_EPOCH, newer must start at sequence 0', () => {
    const s = new PartitionProducerState();
    write(s, batch(0, 1, 3), 0n);
    assert.equal(write(s, batch(1, 1, 2), 1n), `error ${ErrorCode.INVALID_PRODUCER_EPOCH}`);
    assert.equal(write(s, batch(5, 1, 4), 1n), `error ${ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER}`);
    assert.equal(write(s, batch(0, 1, 4), 1n), 'append');
    assert.deepEqual(s.describe(PID), { epoch: 4, lastSeq: 0 });
    // The old epoch's batches are gone: a retry from epoch 3 is fenced, not a duplicate.
    assert.equal(write(s, batch(0, 1, 3), 2n), `error ${ErrorCode.INVALID_PRODUCER_EPOCH}`);
  });

  test('producers are independent, and sequences wrap at Int32.MAX_VALUE', () => {
    const s = new PartitionProducerState();
    assert.equal(incrementSequence(2147483646, 3), 1);
    write(s, batch(2147483646, 2), 0n);
    assert.equal(write(s, batch(0, 1, 0, 8n), 2n), 'append');
    assert.equal(write(s, batch(0), 3n), 'append');
    assert.equal(s.size, 2);
  });

  test('replay rebuilds state from batch headers, keeping the newest epoch', async () => {
    const s = new PartitionProducerState();
    s.replay(batch(0, 2), { baseOffset: 0n, lastOffset: 1n });
    s.replay(batch(2, 2), { baseOffset: 2n, lastOffset: 3n });
    const v = s.check(batch(2, 2));
    assert.equal(v.kind, 'duplicate');
    assert.deepEqual(await (v as { offsets: Promise<BatchOffsets> }).offsets, { baseOffset: 2n, lastOffset: 3n });
    assert.equal(s.check(batch(4)).kind, 'append');
  });
});

describe('ProducerIdManager', () => {
  test('ids are unique across reopen: a restart skips to the next reserved block', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gregor-pid-'));
    try {
      const a = await ProducerIdManager.open(dir);
      const first = await Promise.all([a.generate(), a.generate(), a.generate()]);
      assert.deepEqual(first, [0n, 1n, 2n]);
      const b = await ProducerIdManager.open(dir);
      assert.equal(await b.generate(), PRODUCER_ID_BLOCK_SIZE);
      const c = await ProducerIdManager.open(dir);
      assert.equal(await c.generate(), 2n * PRODUCER_ID_BLOCK_SIZE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
