import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../protocol/messages/index.ts';
import { PartitionProducerState, type BatchOffsets, type ProducerBatch, type TxnMarker } from './producer-state.ts';

const TXN = 0x10;
const CONTROL = 0x20;
const batch = (producerId: bigint, baseSequence: number, count = 1, transactional = true, producerEpoch = 0): ProducerBatch => ({
  producerId,
  producerEpoch,
  baseSequence,
  lastOffsetDelta: count - 1,
  attributes: transactional ? TXN : 0,
  maxTimestamp: 1000n,
});
const marker = (producerId: bigint, commit: boolean, producerEpoch = 0, coordinatorEpoch = 0): TxnMarker => ({ producerId, producerEpoch, coordinatorEpoch, commit, timestamp: 2000n });
const done = (baseOffset: bigint, count = 1): Promise<BatchOffsets> => Promise.resolve({ baseOffset, lastOffset: baseOffset + BigInt(count - 1) });

/** Checks and records a batch appended at `offset`; returns the verdict kind or error code. */
function write(s: PartitionProducerState, b: ProducerBatch, offset: bigint): string {
  const v = s.check(b);
  if (v.kind === 'append') s.record(b, done(offset, b.lastOffsetDelta + 1), offset);
  return v.kind === 'error' ? `error ${v.errorCode}` : v.kind;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('PartitionProducerState with transactions', () => {
  test('a transactional batch opens a transaction: the LSO stops at its first offset until the marker', async () => {
    const s = new PartitionProducerState();
    assert.equal(s.lastStableOffset(10n), 10n);
    assert.equal(write(s, batch(1n, 0, 2), 10n), 'append');
    await tick();
    assert.equal(s.firstUnstableOffset, 10n);
    assert.equal(s.lastStableOffset(12n), 10n);
    // A later batch of the same transaction does not move the first offset.
    assert.equal(write(s, batch(1n, 2, 1), 12n), 'append');
    // A second producer's transaction, opened later.
    assert.equal(write(s, batch(2n, 0, 1), 13n), 'append');
    await tick();
    assert.deepEqual(s.openTransactions(), [
      { producerId: 1n, firstOffset: 10n },
      { producerId: 2n, firstOffset: 13n },
    ]);
    assert.equal(s.checkMarker(marker(1n, false)), ErrorCode.NONE);
    const pending = s.pendingCompletion(1n, false, 14n);
    assert.deepEqual(pending, { producerId: 1n, firstOffset: 10n, lastOffset: 14n, isAborted: true, lastStableOffset: 13n });
    assert.equal(s.lastStableOffset(15n), 10n, 'pendingCompletion changes nothing');
    assert.deepEqual(s.completeTxn(marker(1n, false), 14n), pending);
    assert.equal(s.lastStableOffset(15n), 13n);
    const second = s.completeTxn(marker(2n, true), 15n);
    assert.deepEqual(second, { producerId: 2n, firstOffset: 13n, lastOffset: 15n, isAborted: false, lastStableOffset: 16n });
    assert.equal(s.firstUnstableOffset, undefined);
    assert.equal(s.lastStableOffset(16n), 16n);
  });

  test('while the opening batch is in flight the LSO is held at the log end seen at check time', async () => {
    const s = new PartitionProducerState();
    let resolve!: (o: BatchOffsets) => void;
    const b = batch(1n, 0);
    assert.equal(s.check(b).kind, 'append');
    s.record(b, new Promise<BatchOffsets>((r) => (resolve = r)), 5n);
    assert.equal(s.lastStableOffset(100n), 5n);
    resolve({ baseOffset: 7n, lastOffset: 7n });
    await tick();
    assert.equal(s.lastStableOffset(100n), 7n);
  });

  test('a failed opening append closes the provisional transaction again', async () => {
    const s = new PartitionProducerState();
    const failing = Promise.reject(new Error('disk'));
    failing.catch(() => undefined);
    const b = batch(1n, 0);
    assert.equal(s.check(b).kind, 'append');
    s.record(b, failing, 3n);
    await tick();
    assert.equal(s.firstUnstableOffset, undefined);
  });

  test('a non-transactional batch during an open transaction is INVALID_TXN_STATE; fenced epochs are INVALID_PRODUCER_EPOCH', () => {
    const s = new PartitionProducerState();
    write(s, batch(1n, 0, 1, true, 3), 0n);
    assert.equal(write(s, batch(1n, 1, 1, false, 3), 1n), `error ${ErrorCode.INVALID_TXN_STATE}`);
    assert.equal(write(s, batch(1n, 1, 1, true, 2), 1n), `error ${ErrorCode.INVALID_PRODUCER_EPOCH}`);
    assert.equal(write(s, batch(1n, 1, 1, true, 3), 1n), 'append');
  });

  test('markers: older producer epoch and older coordinator epoch are refused; a newer epoch resets sequences', () => {
    const s = new PartitionProducerState();
    write(s, batch(1n, 0, 1, true, 3), 0n);
    assert.equal(s.checkMarker(marker(1n, true, 2)), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(s.checkMarker(marker(1n, true, 3, 5)), ErrorCode.NONE);
    s.completeTxn(marker(1n, true, 4, 5), 1n); // KIP-890 (transaction version 2) bumps the epoch in the marker
    assert.equal(s.checkMarker(marker(1n, true, 4, 4)), ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    assert.equal(write(s, batch(1n, 1, 1, true, 4), 2n), `error ${ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER}`);
    assert.equal(write(s, batch(1n, 0, 1, true, 4), 2n), 'append');
    const [d] = s.producers();
    assert.deepEqual(d, { producerId: 1n, producerEpoch: 4, lastSequence: 0, lastTimestamp: 1000n, coordinatorEpoch: 5, currentTxnStartOffset: 2n });
  });

  test('a marker for a producer without an open transaction completes nothing but is accepted', () => {
    const s = new PartitionProducerState();
    assert.equal(s.checkMarker(marker(9n, false)), ErrorCode.NONE);
    assert.equal(s.completeTxn(marker(9n, false), 0n), undefined);
    assert.equal(s.lastStableOffset(1n), 1n);
  });

  test('replay: transactional batches and markers rebuild open transactions; one open at the end stays open', () => {
    const s = new PartitionProducerState();
    s.replay(batch(1n, 0, 2), { baseOffset: 0n, lastOffset: 1n });
    s.replay(batch(2n, 0, 1), { baseOffset: 2n, lastOffset: 2n });
    const ctl = { ...batch(1n, -1, 1), attributes: TXN | CONTROL };
    const aborted = s.replay(ctl, { baseOffset: 3n, lastOffset: 3n }, marker(1n, false));
    assert.deepEqual(aborted, { producerId: 1n, firstOffset: 0n, lastOffset: 3n, isAborted: true, lastStableOffset: 2n });
    assert.equal(s.firstUnstableOffset, 2n);
    // A control batch emptied by the cleaner closes nothing.
    assert.equal(s.replay({ ...batch(2n, -1, 1), attributes: TXN | CONTROL }, { baseOffset: 4n, lastOffset: 4n }), undefined);
    assert.equal(s.firstUnstableOffset, 2n);
  });

  test('expiry drops idle producers without an open transaction only', () => {
    const s = new PartitionProducerState();
    write(s, batch(1n, 0, 1, false), 0n);
    write(s, batch(2n, 0, 1, true), 1n);
    assert.equal(s.removeExpiredProducers(1000n + 86_400_000n, 86_400_000n), 1);
    assert.equal(s.describe(1n), undefined);
    assert.notEqual(s.describe(2n), undefined);
  });
});
