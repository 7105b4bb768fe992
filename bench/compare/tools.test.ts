import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConsumerPerformance, parseProducerPerformance } from './tools.ts';

// Output shapes of Kafka 4.3.0's ProducerPerformance and ConsumerPerformance, as captured from runs.
test('parseProducerPerformance reads the summary line, not the progress lines', () => {
  const stdout = [
    '1139261 records sent, 227806.0 records/sec (21.73 MB/sec), 840.5 ms avg latency, 1339.0 ms max latency.',
    '1500000 records sent, 256366.433088 records/sec (24.45 MB/sec), 812.21 ms avg latency, 1339.00 ms max latency, 803 ms 50th, 1102 ms 95th, 1161 ms 99th, 1300 ms 99.9th.',
  ].join('\n');
  assert.deepEqual(parseProducerPerformance(stdout), {
    records: 1_500_000,
    recordsPerSec: 256366.433088,
    mibPerSec: 24.45,
    avgMs: 812.21,
    p50Ms: 803,
    p99Ms: 1161,
    p999Ms: 1300,
  });
});

test('parseProducerPerformance fails with the output when there is no summary', () => {
  assert.throws(() => parseProducerPerformance('Exception in thread "main"'), /no summary line/);
});

test('parseConsumerPerformance reads the line under the header', () => {
  const stdout = [
    'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
    '2026-11-22 05:30:01:123, 2026-11-22 05:30:09:456, 1024.0000, 122.8855, 1048576, 125834.4816, 412, 7921, 129.2766, 132379.8510',
  ].join('\n');
  assert.deepEqual(parseConsumerPerformance(stdout), {
    mib: 1024,
    records: 1_048_576,
    rebalanceMs: 412,
    fetchMibPerSec: 129.2766,
    fetchRecordsPerSec: 132379.851,
  });
});
