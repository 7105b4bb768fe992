import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../wire/decode-error.ts';
import { Attributes } from './batch-header.ts';
import { buildControlBatch, decodeControlRecord } from './control-record.ts';
import { decodeBatch } from './decode-batch.ts';

test('builds commit and abort markers as transactional control batches', () => {
  for (const type of ['commit', 'abort'] as const) {
    const buf = buildControlBatch({ type, producerId: 99n, producerEpoch: 4, coordinatorEpoch: 12, baseOffset: 40n, timestamp: 5n });
    const batch = decodeBatch(buf);
    assert.ok(batch.isControl && batch.isTransactional);
    assert.equal(batch.header.attributes, Attributes.transactional | Attributes.control);
    assert.equal(batch.header.producerId, 99n);
    assert.equal(batch.header.producerEpoch, 4);
    assert.equal(batch.header.baseSequence, -1);
    assert.equal(batch.records.length, 1);
    const record = batch.records[0]!;
    assert.equal(record.offset, 40n);
    // key: version 0, type (0 abort, 1 commit); value: version 0, coordinator epoch
    assert.equal(record.key!.toString('hex'), type === 'commit' ? '00000001' : '00000000');
    assert.equal(record.value!.toString('hex'), '00000000000c');
    assert.deepEqual(decodeControlRecord(record), { type, version: 0, coordinatorEpoch: 12 });
  }
});

test('later versions are read with the v0 layout; other control types are reported as such', () => {
  const key = Buffer.from('00010001ffff', 'hex');
  const value = Buffer.from('0002000000070000', 'hex');
  assert.deepEqual(decodeControlRecord({ key, value }), { type: 'commit', version: 2, coordinatorEpoch: 7 });
  // KRaft LeaderChange (type 2) carries a different value.
  assert.deepEqual(decodeControlRecord({ key: Buffer.from('00000002', 'hex'), value: Buffer.from('00') }), {
    type: 'other',
    typeId: 2,
    version: 0,
  });
});

test('malformed control records raise DecodeError', () => {
  const good = Buffer.from('000000000001', 'hex');
  for (const [key, value] of [
    [null, good],
    [Buffer.from('000000', 'hex'), good],
    [Buffer.from('ffff0001', 'hex'), good],
    [Buffer.from('00000001', 'hex'), null],
    [Buffer.from('00000001', 'hex'), Buffer.from('0000', 'hex')],
    [Buffer.from('00000000', 'hex'), Buffer.from('800000000001', 'hex')],
  ] as const) {
    assert.throws(() => decodeControlRecord({ key, value }), DecodeError);
  }
});
