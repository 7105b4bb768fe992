import { runKafkaTool, type KafkaToolName } from '../../test/peers/kafka-tools.ts';
import { describeResult, type ProcessResult } from '../../test/peers/run-process.ts';

/**
 * Kafka's own load generators (ProducerPerformance, ConsumerPerformance, EndToEndLatency) and
 * kafka-topics, run the same way against either system, with the heaps of Kafka's bin/ scripts.
 */

/** kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh set -Xmx512M. */
const PERF_HEAP = '512m';

async function tool(name: KafkaToolName, args: readonly string[], timeoutMs: number, heap?: string): Promise<ProcessResult> {
  const r = await runKafkaTool(name, args, { timeoutMs, ...(heap === undefined ? {} : { heap }) });
  if (r.code !== 0 || r.timedOut) throw new Error(describeResult(name, r));
  return r;
}

export async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  await tool('kafka-topics', ['--bootstrap-server', bootstrap, '--create', '--topic', topic, '--partitions', String(partitions), '--replication-factor', '1'], 60_000);
}

/** Deleted after each run so a run's data does not fill the disk or the page cache for the next. */
export async function deleteTopic(bootstrap: string, topic: string): Promise<void> {
  await tool('kafka-topics', ['--bootstrap-server', bootstrap, '--delete', '--topic', topic], 60_000);
}

export interface ProduceResult {
  readonly records: number;
  readonly recordsPerSec: number;
  /** MiB/s as ProducerPerformance counts it (2^20 bytes of values). */
  readonly mibPerSec: number;
  readonly avgMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
}

export interface ProduceSpec {
  readonly topic: string;
  readonly records: number;
  readonly recordSize: number;
  /** Records per second; -1 for as fast as the producer can. */
  readonly throughput: number;
  readonly acks: '0' | '1' | 'all';
  /** Producer properties beyond acks; the broker-independent ones both systems get. */
  readonly props?: Readonly<Record<string, string>>;
}

export async function producerPerformance(bootstrap: string, spec: ProduceSpec, timeoutMs: number): Promise<ProduceResult> {
  // Otherwise the Kafka 4.3 producer's defaults: batch.size 16 KiB, linger.ms 5, no compression, and
  // idempotence, which the client turns off by itself for acks=0 and acks=1 when it is not set.
  const props = { ...spec.props, acks: spec.acks, 'bootstrap.servers': bootstrap };
  const r = await tool(
    'kafka-producer-perf-test',
    [
      '--topic', spec.topic,
      '--num-records', String(spec.records),
      '--record-size', String(spec.recordSize),
      '--throughput', String(spec.throughput),
      '--producer-props', ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
    ],
    timeoutMs,
    PERF_HEAP,
  );
  return parseProducerPerformance(r.stdout);
}

/** The summary line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, a ms 50th, b ms 95th, c ms 99th, d ms 99.9th." */
export function parseProducerPerformance(stdout: string): ProduceResult {
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/.exec(stdout);
  if (m === null) throw new Error(`ProducerPerformance: no summary line in:\n${stdout.slice(-2000)}`);
  const n = (i: number): number => Number(m[i]);
  return { records: n(1), recordsPerSec: n(2), mibPerSec: n(3), avgMs: n(4), p50Ms: n(5), p99Ms: n(6), p999Ms: n(7) };
}

export interface ConsumeResult {
  readonly mib: number;
  readonly records: number;
  /** Over the fetch time, without the group join (ConsumerPerformance's fetch.MB.sec). */
  readonly fetchMibPerSec: number;
  readonly fetchRecordsPerSec: number;
  readonly rebalanceMs: number;
}

export async function consumerPerformance(bootstrap: string, topic: string, records: number, timeoutMs: number): Promise<ConsumeResult> {
  const r = await tool(
    'kafka-consumer-perf-test',
    ['--bootstrap-server', bootstrap, '--topic', topic, '--num-records', String(records), '--timeout', '60000'],
    timeoutMs,
    PERF_HEAP,
  );
  return parseConsumerPerformance(r.stdout);
}

/**
 * The CSV line under ConsumerPerformance's header: start.time, end.time, data.consumed.in.MB, MB.sec,
 * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec.
 */
export function parseConsumerPerformance(stdout: string): ConsumeResult {
  const lines = stdout.trim().split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  const cols = lines[header + 1]?.split(',').map((s) => s.trim());
  if (header < 0 || cols === undefined || cols.length < 10) throw new Error(`ConsumerPerformance: no result line in:\n${stdout.slice(-2000)}`);
  const n = (i: number): number => Number(cols[i]);
  return { mib: n(2), records: n(4), rebalanceMs: n(6), fetchMibPerSec: n(8), fetchRecordsPerSec: n(9) };
}

export interface LatencyResult {
  readonly avgMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
}

/** EndToEndLatency: one record at a time, timed from send() until the consumer polls it back. */
export async function endToEndLatency(bootstrap: string, topic: string, records: number, recordSize: number, timeoutMs: number): Promise<LatencyResult> {
  const r = await tool(
    'kafka-e2e-latency',
    ['--bootstrap-server', bootstrap, '--topic', topic, '--num-records', String(records), '--producer-acks', '1', '--record-size', String(recordSize)],
    timeoutMs,
  );
  const avg = /Avg latency: ([\d.]+) ms/.exec(r.stdout);
  const p = /Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)/.exec(r.stdout);
  if (avg === null || p === null) throw new Error(`EndToEndLatency: no result in:\n${r.stdout.slice(-2000)}`);
  return { avgMs: Number(avg[1]), p50Ms: Number(p[1]), p99Ms: Number(p[2]), p999Ms: Number(p[3]) };
}
