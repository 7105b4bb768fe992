import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Compression, buildBatch, buildControlBatch, decodeBatches } from '../protocol/records/index.ts';
import { extractRecords } from './fetcher.ts';

const v = (s: string): Buffer => Buffer.from(s);

function batch(baseOffset: bigint, values: string[], extra: { compression?: 0 | 1 | 2 | 3 | 4; producerId?: bigint; isTransactional?: boolean } = {}): Buffer {
  return buildBatch({ baseOffset, records: values.map((x) => ({ value: v(x) })), now: 1000n, ...extra });
}

const values = (rs: ReadonlyArray<{ value: Buffer | null }>): string[] => rs.map((r) => r.value!.toString());

describe('extractRecords (Java CompletedFetch semantics)', () => {
  test('drops records before the requested offset when a (compressed) batch starts earlier', () => {
    const data = Buffer.concat([batch(10n, ['a', 'b', 'c', 'd'], { compression: Compression.gzip }), batch(14n, ['e'])]);
    const { records, nextOffset } = extractRecords('t', 0, 12n, decodeBatches(data), null);
    assert.deepEqual(values(records), ['c', 'd', 'e']);
    assert.deepEqual(records.map((r) => r.offset), [12n, 13n, 14n]);
    assert.equal(nextOffset, 15n);
  });

  test('ignores a partial trailing batch (cut by the broker at max bytes) and resumes at it', () => {
    const whole = batch(0n, ['a', 'b']);
    const next = batch(2n, ['c', 'd']);
    const data = Buffer.concat([whole, next.subarray(0, next.length - 5)]);
    const { records, nextOffset } = extractRecords('t', 0, 0n, decodeBatches(data), null);
    assert.deepEqual(values(records), ['a', 'b']);
    assert.equal(nextOffset, 2n);
  });

  test('skips control batches but moves past them', () => {
    const data = Buffer.concat([
      batch(0n, ['a'], { producerId: 7n, isTransactional: true }),
      buildControlBatch({ type: 'commit', producerId: 7n, producerEpoch: 0, baseOffset: 1n, coordinatorEpoch: 0, timestamp: 1000n }),
    ]);
    const { records, nextOffset } = extractRecords('t', 0, 0n, decodeBatches(data), null);
    assert.deepEqual(values(records), ['a']);
    assert.equal(nextOffset, 2n);
  });

  test('read_committed drops batches of aborted transactions, keeps committed and non-transactional ones', () => {
    const data = Buffer.concat([
      batch(0n, ['aborted-1', 'aborted-2'], { producerId: 5n, isTransactional: true }),
      batch(2n, ['plain']),
      batch(3n, ['committed'], { producerId: 6n, isTransactional: true }),
      buildControlBatch({ type: 'abort', producerId: 5n, producerEpoch: 0, baseOffset: 4n, coordinatorEpoch: 0, timestamp: 1000n }),
      buildControlBatch({ type: 'commit', producerId: 6n, producerEpoch: 0, baseOffset: 5n, coordinatorEpoch: 0, timestamp: 1000n }),
      batch(6n, ['after'], { producerId: 5n, isTransactional: true }),
    ]);
    const aborted = [{ producerId: 5n, firstOffset: 0n }];
    assert.deepEqual(values(extractRecords('t', 0, 0n, decodeBatches(data), aborted).records), ['plain', 'committed', 'after']);
    assert.deepEqual(values(extractRecords('t', 0, 0n, decodeBatches(data), null).records), ['aborted-1', 'aborted-2', 'plain', 'committed', 'after']);
  });
});
