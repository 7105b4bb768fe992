import { setTimeout as sleep } from 'node:timers/promises';
import { acksArg, compressionArg, connect, intArg, requiredString } from './args.ts';
import { ExitCode, type CommandIo, type ParsedArgs } from './command.ts';
import { PerfStats } from './perf-stats.ts';
import { onStop } from './process-io.ts';

/** Bytes of records handed to the producer and not yet acknowledged before the loop waits. */
const MAX_OUTSTANDING_BYTES = 16 * 1024 * 1024;
/** Records per send() call: one call's records share a start time and usually one batch. */
const MAX_CHUNK = 200;

/**
 * `gregor perf produce`: kafka-producer-perf-test.sh. Sends --num-records records of --record-size
 * random uppercase letters (as Kafka's tool), at most --throughput records/s (-1: as fast as
 * possible, paced like Kafka's ThroughputThrottler), measuring each record's latency from send to
 * acknowledgement. Prints a window line every --reporting-interval ms and Kafka's summary line.
 */
export async function perfProduce(args: ParsedArgs, io: CommandIo): Promise<number> {
  const topic = requiredString(args, 'topic');
  const numRecords = intArg(args, 'num-records', -1, 1);
  if (numRecords < 0) requiredString(args, 'num-records');
  const recordSize = intArg(args, 'record-size', 100, 0);
  const throughput = intArg(args, 'throughput', -1, -1);
  const reportingMs = intArg(args, 'reporting-interval', 5000, 100);
  const producerOptions = {
    acks: acksArg(args, -1),
    compression: compressionArg(args),
    batchSize: intArg(args, 'batch-size', 16_384, 1),
    lingerMs: intArg(args, 'linger-ms', 0, 0),
  };
  const payload = Buffer.alloc(recordSize);
  for (let i = 0; i < recordSize; i++) payload[i] = 65 + Math.floor(Math.random() * 26);

  const client = connect(args, 'gregor-producer-perf');
  const producer = client.producer(producerOptions);
  const stats = new PerfStats(numRecords);
  let stopped = false;
  const removeStop = onStop(io, () => (stopped = true));
  const progress = setInterval(() => io.out(`${stats.windowLine()}\n`), reportingMs);
  let outstandingBytes = 0;
  let wake: (() => void) | null = null;
  let failed = 0;
  let firstError: string | null = null;
  const started = performance.now();
  try {
    // Metadata first, so the first records' latency is not the topic lookup (Kafka's tool does the same by warming up).
    await producer.cluster.retry(() => producer.cluster.topic(topic));
    let sent = 0;
    while (sent < numRecords && !stopped) {
      let chunk = Math.min(MAX_CHUNK, numRecords - sent);
      if (throughput > 0) {
        // ThroughputThrottler: stay on the line sent = throughput · elapsed, in steps of ~10 ms.
        chunk = Math.min(chunk, Math.max(1, Math.floor(throughput / 100)));
        const due = started + (sent / throughput) * 1000;
        const ahead = due - performance.now();
        if (ahead > 1) await sleep(ahead);
      }
      const bytes = chunk * recordSize;
      outstandingBytes += bytes;
      const sendStart = performance.now();
      producer.send({ topic, messages: Array.from({ length: chunk }, () => ({ value: payload })) }).then(
        () => {
          const latency = performance.now() - sendStart;
          for (let i = 0; i < chunk; i++) stats.record(latency, recordSize);
        },
        (error: unknown) => {
          failed += chunk;
          firstError ??= error instanceof Error ? error.message : String(error);
        },
      ).finally(() => {
        outstandingBytes -= bytes;
        if (wake !== null && outstandingBytes <= MAX_OUTSTANDING_BYTES / 2) {
          wake();
          wake = null;
        }
      });
      sent += chunk;
      if (outstandingBytes > MAX_OUTSTANDING_BYTES) await new Promise<void>((resolve) => (wake = resolve));
      // Let acknowledgements in even when the pipe never fills (small or throttled runs).
      else if (sent % (MAX_CHUNK * 50) === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await producer.flush();
    while (outstandingBytes > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    clearInterval(progress);
    removeStop();
    await client.close();
  }
  io.out(`${stats.summaryLine()}\n`);
  if (firstError !== null) io.err(`gregor perf produce: ${failed} records failed, the first with: ${firstError}\n`);
  return failed > 0 ? ExitCode.failure : ExitCode.ok;
}
