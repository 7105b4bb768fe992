import type { Client, ConsumedRecord, GroupConsumer, IsolationLevel } from '../../client/index.ts';
import { Cluster } from '../../client/index.ts';
import { BOOTSTRAP_OPTION, connect, flag, guarded, intArg, keyValues, parseIntArg, stringArg, UsageError } from '../args.ts';
import { ExitCode, type Command, type CommandIo, type ParsedArgs } from '../command.ts';
import { readPartitions } from '../partition-reader.ts';
import { onStop } from '../process-io.ts';
import { recordFormatter } from '../record-format.ts';

/**
 * `gregor consume`: kafka-console-consumer.sh. Without --group it reads partitions directly (no
 * group, no commits); with --group it joins the group and commits what it has printed: every
 * second, when partitions are revoked, and on exit (SIGINT/SIGTERM, --max-messages, --timeout-ms),
 * so a restarted consumer resumes after the last printed record — at-least-once, since a crash
 * between a print and its commit prints that record again.
 */

interface Limits {
  maxMessages: number;
  timeoutMs: number;
}

/** Counts printed records and decides when to stop: --max-messages, --timeout-ms of silence, a signal. */
class Session {
  count = 0;
  readonly #abort = new AbortController();
  readonly #limits: Limits;
  #idle: NodeJS.Timeout | null = null;
  reason: string | null = null;

  constructor(limits: Limits) {
    this.#limits = limits;
    this.#arm();
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Records one printed record; false once the consumer should stop. */
  printed(): boolean {
    this.count++;
    this.#arm();
    if (this.count >= this.#limits.maxMessages) this.stop('max-messages');
    return !this.signal.aborted;
  }

  stop(reason: string): void {
    if (this.signal.aborted) return;
    this.reason = reason;
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#abort.abort();
  }

  #arm(): void {
    if (this.#limits.timeoutMs <= 0 || this.signal.aborted) return;
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.stop('timeout'), this.#limits.timeoutMs);
  }
}

/**
 * The --consumer-property names the console consumer honours (Java consumer config names). A daemon
 * killed without leaving its group holds its partitions until session.timeout.ms runs out, so that
 * one matters most.
 */
const CONSUMER_PROPERTIES = {
  'session.timeout.ms': 'sessionTimeoutMs',
  'heartbeat.interval.ms': 'heartbeatIntervalMs',
  'max.poll.interval.ms': 'rebalanceTimeoutMs',
  'group.instance.id': 'groupInstanceId',
  'fetch.max.wait.ms': 'maxWaitMs',
} as const;

function consumerProperties(args: ParsedArgs): { sessionTimeoutMs?: number; heartbeatIntervalMs?: number; rebalanceTimeoutMs?: number; groupInstanceId?: string; maxWaitMs?: number } {
  const out: Record<string, string | number> = {};
  for (const [name, value] of keyValues(args, 'consumer-property')) {
    const field = Object.hasOwn(CONSUMER_PROPERTIES, name) ? CONSUMER_PROPERTIES[name as keyof typeof CONSUMER_PROPERTIES] : undefined;
    if (field === undefined) throw new UsageError(`unsupported --consumer-property '${name}'; supported: ${Object.keys(CONSUMER_PROPERTIES).join(', ')}`);
    out[field] = field === 'groupInstanceId' ? value : parseIntArg(`consumer-property ${name}`, value, 0);
  }
  return out;
}

function isolationArg(args: ParsedArgs): IsolationLevel {
  const v = stringArg(args, 'isolation-level') ?? 'read_uncommitted';
  if (v !== 'read_uncommitted' && v !== 'read_committed') throw new UsageError(`--isolation-level expects read_uncommitted or read_committed, got '${v}'`);
  return v;
}

async function consumeWithoutGroup(client: Client, args: ParsedArgs, session: Session, print: (r: ConsumedRecord) => void): Promise<void> {
  const topic = stringArg(args, 'topic');
  if (stringArg(args, 'include') !== undefined) throw new UsageError('--include needs --group');
  if (topic === undefined) throw new UsageError('--topic is required');
  const partitionArg = stringArg(args, 'partition');
  const offsetArg = stringArg(args, 'offset');
  if (offsetArg !== undefined && partitionArg === undefined) throw new UsageError('--offset needs --partition');
  if (offsetArg !== undefined && flag(args, 'from-beginning')) throw new UsageError('--offset and --from-beginning cannot be used together');
  let start: 'earliest' | 'latest' | bigint = flag(args, 'from-beginning') ? 'earliest' : 'latest';
  if (offsetArg === 'earliest' || offsetArg === 'latest') start = offsetArg;
  else if (offsetArg !== undefined) start = BigInt(parseIntArg('offset', offsetArg, 0));
  const cluster = new Cluster(client.options);
  try {
    await readPartitions(cluster, {
      topic,
      partitions: partitionArg === undefined ? null : [parseIntArg('partition', partitionArg, 0)],
      start,
      isolationLevel: isolationArg(args),
      signal: session.signal,
      onRecord: (r) => {
        print(r);
        return session.printed();
      },
    });
  } finally {
    cluster.close();
  }
}

async function consumeInGroup(client: Client, args: ParsedArgs, session: Session, print: (r: ConsumedRecord) => void, io: CommandIo): Promise<void> {
  const groupId = stringArg(args, 'group')!;
  if (stringArg(args, 'partition') !== undefined || stringArg(args, 'offset') !== undefined) throw new UsageError('--partition and --offset cannot be used with --group');
  const topic = stringArg(args, 'topic');
  const include = stringArg(args, 'include');
  if ((topic === undefined) === (include === undefined)) throw new UsageError('exactly one of --topic and --include is required');
  let pattern: RegExp | null = null;
  if (include !== undefined) {
    try {
      pattern = new RegExp(`^(?:${include})$`);
    } catch (error) {
      throw new UsageError(`--include is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  /** Next offset to commit per partition: one past the last record printed. */
  const printed = new Map<string, { topic: string; partition: number; offset: bigint }>();
  const dirty = new Set<string>();
  let consumer: GroupConsumer | null = null;
  const commit = async (only?: (topic: string, partition: number) => boolean): Promise<void> => {
    const list = [...dirty].flatMap((k) => printed.get(k) ?? []).filter((o) => only === undefined || only(o.topic, o.partition));
    if (list.length === 0 || consumer === null) return;
    await consumer.commitOffsets(list);
    // Records printed while the commit was in flight keep their partition dirty for the next one.
    for (const o of list) if (printed.get(`${o.topic}\0${o.partition}`)?.offset === o.offset) dirty.delete(`${o.topic}\0${o.partition}`);
  };
  consumer = client.consumer({
    groupId,
    maxWaitMs: 500,
    ...consumerProperties(args),
    fromBeginning: flag(args, 'from-beginning'),
    // Commits are ours: what is printed, not what the fetch loop has moved past.
    autoCommit: false,
    isolationLevel: isolationArg(args),
    onRevoke: async (revoked) => {
      await commit((t, p) => revoked.get(t)?.includes(p) === true).catch(() => undefined);
      for (const [t, ps] of revoked) {
        for (const p of ps) {
          printed.delete(`${t}\0${p}`);
          dirty.delete(`${t}\0${p}`);
        }
      }
    },
  });
  consumer.subscribe([pattern ?? topic!]);
  let committing: Promise<void> | null = null;
  const timer = setInterval(() => {
    committing ??= commit().catch(() => undefined).finally(() => (committing = null));
  }, 1000);
  const running = consumer.run({
    eachMessage: (r) => {
      if (session.signal.aborted) return;
      print(r);
      const k = `${r.topic}\0${r.partition}`;
      printed.set(k, { topic: r.topic, partition: r.partition, offset: r.offset + 1n });
      dirty.add(k);
      session.printed();
    },
  });
  const failed = running.then(() => null, (error: unknown) => error);
  const stopped = new Promise<void>((resolve) => session.signal.addEventListener('abort', () => resolve(), { once: true }));
  const error = await Promise.race([failed, stopped.then(() => null)]);
  clearInterval(timer);
  await committing;
  try {
    await commit();
  } catch (e) {
    io.err(`gregor consume: final commit failed: ${(e as Error).message}\n`);
  }
  await consumer.close();
  const late = error ?? (await failed);
  if (late !== null) throw late;
}

export const command: Command = {
  usage: '--topic <topic> [options]',
  description:
    'Print records from a topic (kafka-console-consumer.sh), one per line. Without --group, reads partitions directly and ' +
    'commits nothing; with --group, joins the consumer group and commits the offsets of printed records (every second and ' +
    'on exit). Ctrl-C stops cleanly. Output: --format value (default), key-value, or json (one object per line with ' +
    'topic, partition, offset, timestamp, key, value, headers); for value/key-value the --property print.key, print.timestamp, ' +
    'print.partition, print.offset, print.headers, print.value, key.separator, line.separator, headers.separator, null.literal.',
  options: {
    'bootstrap-server': BOOTSTRAP_OPTION,
    topic: { type: 'string', description: 'Topic to read', valueName: 'topic' },
    include: { type: 'string', description: 'With --group: regular expression of topics to read', valueName: 'regex' },
    group: { type: 'string', description: 'Consumer group to join (offsets are committed)', valueName: 'id' },
    'from-beginning': { type: 'boolean', description: 'Start at the earliest offset when there is no committed offset' },
    partition: { type: 'string', description: 'Read only this partition (no --group)', valueName: 'n' },
    offset: { type: 'string', description: 'With --partition: earliest, latest (default) or an offset', valueName: 'offset' },
    'max-messages': { type: 'string', description: 'Exit after this many records', valueName: 'n' },
    'timeout-ms': { type: 'string', description: 'Exit when no record arrives for this long', valueName: 'ms' },
    'isolation-level': { type: 'string', description: 'read_uncommitted (default) or read_committed', valueName: 'level' },
    format: { type: 'string', description: 'value (default), key-value or json', valueName: 'format' },
    property: { type: 'string', multiple: true, description: 'Formatter property, e.g. print.key=true', valueName: 'key=value' },
    'consumer-property': {
      type: 'string',
      multiple: true,
      description: `With --group: ${Object.keys(CONSUMER_PROPERTIES).join(', ')}`,
      valueName: 'key=value',
    },
  },
  allowPositionals: false,
  run(args, io) {
    return guarded('consume', io, async () => {
      const format = recordFormatter(stringArg(args, 'format') ?? 'value', keyValues(args, 'property'));
      const limits = { maxMessages: intArg(args, 'max-messages', Number.MAX_SAFE_INTEGER, 1), timeoutMs: intArg(args, 'timeout-ms', 0, 0) };
      isolationArg(args);
      consumerProperties(args);
      const client = connect(args, 'gregor-console-consumer');
      const session = new Session(limits);
      const removeStop = onStop(io, (reason) => session.stop(reason));
      const print = (r: ConsumedRecord): void => io.out(format(r));
      try {
        if (stringArg(args, 'group') === undefined) await consumeWithoutGroup(client, args, session, print);
        else await consumeInGroup(client, args, session, print, io);
      } finally {
        session.stop('done');
        removeStop();
        await client.close();
      }
      io.err(`Processed a total of ${session.count} messages\n`);
      return ExitCode.ok;
    });
  },
};
