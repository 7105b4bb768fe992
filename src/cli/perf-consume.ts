import { randomInt } from 'node:crypto';
import { connect, flag, intArg, requiredString, stringArg, UsageError } from './args.ts';
import { ExitCode, type CommandIo, type ParsedArgs } from './command.ts';
import { onStop } from './process-io.ts';

/** kafka-consumer-perf-test.sh's date format: yyyy-MM-dd HH:mm:ss:SSS (local time). */
function kafkaTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}

const MB = 1024 * 1024;

/**
 * `gregor perf consume`: kafka-consumer-perf-test.sh. Joins a (fresh, by default) group, reads
 * from the beginning until --messages records arrived or none came for --timeout ms, and prints
 * Kafka's header and summary line: MB and records consumed and their rates, the time the first
 * rebalance took, and the rates over the fetch time alone. A progress line goes to stderr every
 * --reporting-interval ms.
 */
export async function perfConsume(args: ParsedArgs, io: CommandIo): Promise<number> {
  const topic = requiredString(args, 'topic');
  if (stringArg(args, 'messages') !== undefined && stringArg(args, 'num-records') !== undefined) throw new UsageError('--messages and --num-records mean the same; give one');
  const messages = stringArg(args, 'messages') !== undefined ? intArg(args, 'messages', 0, 1) : intArg(args, 'num-records', 0, 1);
  if (messages === 0) throw new UsageError('--messages (or --num-records) is required');
  const timeoutMs = intArg(args, 'timeout', 10_000, 1);
  const reportingMs = intArg(args, 'reporting-interval', 5000, 100);
  const groupId = stringArg(args, 'group') ?? `perf-consumer-${randomInt(100_000)}`;

  const client = connect(args, 'gregor-consumer-perf');
  const startMs = Date.now();
  const start = performance.now();
  let rebalanceMs = -1;
  let count = 0;
  let bytes = 0;
  let lastRecordAt = performance.now();
  let windowStart = start;
  let windowCount = 0;
  let windowBytes = 0;
  const consumer = client.consumer({
    groupId,
    fromBeginning: !flag(args, 'from-latest'),
    maxWaitMs: 500,
    onAssign: () => {
      if (rebalanceMs < 0) rebalanceMs = performance.now() - start;
      lastRecordAt = performance.now();
    },
  });
  consumer.subscribe([topic]);
  let finish: (reason: string) => void = () => undefined;
  const finished = new Promise<string>((resolve) => (finish = resolve));
  const removeStop = onStop(io, (reason) => finish(reason));
  const progress = setInterval(() => {
    const now = performance.now();
    const seconds = (now - windowStart) / 1000;
    io.err(`${windowCount} records consumed, ${(windowCount / seconds).toFixed(1)} records/sec (${(windowBytes / MB / seconds).toFixed(2)} MB/sec), ${count} in total.\n`);
    windowStart = now;
    windowCount = 0;
    windowBytes = 0;
  }, reportingMs);
  const idle = setInterval(() => {
    // Kafka's tool counts the timeout from the last record (or from the assignment, before any arrived).
    if (performance.now() - lastRecordAt > timeoutMs) finish('timeout');
  }, Math.min(200, timeoutMs));
  const running = consumer.run({
    eachBatch: (batch) => {
      for (const r of batch.records) {
        if (count >= messages) break;
        count++;
        const size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
        bytes += size;
        windowCount++;
        windowBytes += size;
      }
      if (batch.records.length > 0) lastRecordAt = performance.now();
      if (count >= messages) finish('done');
    },
  });
  running.catch((error: unknown) => finish(`error: ${error instanceof Error ? error.message : String(error)}`));
  const reason = await finished;
  const end = performance.now();
  const endMs = Date.now();
  clearInterval(progress);
  clearInterval(idle);
  removeStop();
  await consumer.close().catch(() => undefined);
  await client.close();
  if (reason.startsWith('error: ')) {
    io.err(`gregor perf consume: ${reason.slice(7)}\n`);
    return ExitCode.failure;
  }
  if (reason === 'timeout') {
    io.err(`WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
  }
  const seconds = (end - start) / 1000;
  const rebalance = Math.max(0, Math.round(rebalanceMs));
  const fetchMs = Math.round(end - start) - rebalance;
  const fetchSeconds = fetchMs / 1000;
  const mb = bytes / MB;
  if (!flag(args, 'hide-header')) io.out('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n');
  io.out(
    `${kafkaTime(startMs)}, ${kafkaTime(endMs)}, ${mb.toFixed(4)}, ${(mb / seconds).toFixed(4)}, ${count}, ${(count / seconds).toFixed(4)}, ` +
      `${rebalance}, ${fetchMs}, ${fetchSeconds > 0 ? (mb / fetchSeconds).toFixed(4) : '0.0000'}, ${fetchSeconds > 0 ? (count / fetchSeconds).toFixed(4) : '0.0000'}\n`,
  );
  return ExitCode.ok;
}
