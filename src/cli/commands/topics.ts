import { KafkaError, type Admin } from '../../client/index.ts';
import { BOOTSTRAP_OPTION, connect, flag, intArg, keyValues, listArg, requiredString, stringArg, UsageError } from '../args.ts';
import { ExitCode, type CommandIo, type ParsedArgs } from '../command.ts';
import { commandWithActions } from '../subcommands.ts';

/**
 * `gregor topics create|list|describe|alter|delete`, after kafka-topics.sh (whose --create/--list
 * flags become actions here). Per-topic errors from the broker (TOPIC_ALREADY_EXISTS …) are printed
 * by name and make the exit code 1.
 */

async function withAdmin(args: ParsedArgs, body: (admin: Admin) => Promise<number>): Promise<number> {
  const client = connect(args, 'gregor-topics');
  try {
    return await body(client.admin());
  } finally {
    await client.close();
  }
}

/** The name Kafka gives an error code, e.g. TOPIC_ALREADY_EXISTS. */
const errorName = (code: number): string => new KafkaError(code, '').code;

async function create(args: ParsedArgs, io: CommandIo): Promise<number> {
  const topic = requiredString(args, 'topic');
  const numPartitions = intArg(args, 'partitions', -1, 1);
  const replicationFactor = intArg(args, 'replication-factor', -1, 1, 32767);
  const configs = Object.fromEntries(keyValues(args, 'config'));
  return withAdmin(args, async (admin) => {
    const [r] = await admin.createTopics([{ topic, numPartitions, replicationFactor, configs }]);
    if (r === undefined || r.errorCode === 0) {
      io.out(`Created topic ${topic}.\n`);
      return ExitCode.ok;
    }
    if (errorName(r.errorCode) === 'TOPIC_ALREADY_EXISTS' && flag(args, 'if-not-exists')) return ExitCode.ok;
    io.err(`gregor topics: cannot create topic ${topic}: ${errorName(r.errorCode)}${r.errorMessage ? ` (${r.errorMessage})` : ''}\n`);
    return ExitCode.failure;
  });
}

async function list(args: ParsedArgs, io: CommandIo): Promise<number> {
  return withAdmin(args, async (admin) => {
    // kafka-topics.sh --list includes internal topics unless --exclude-internal.
    const names = await admin.listTopics({ includeInternal: !flag(args, 'exclude-internal') });
    for (const name of names) io.out(`${name}\n`);
    return ExitCode.ok;
  });
}

async function describe(args: ParsedArgs, io: CommandIo): Promise<number> {
  return withAdmin(args, async (admin) => {
    const wanted = listArg(args, 'topic');
    const names = wanted.length > 0 ? wanted : await admin.listTopics({ includeInternal: !flag(args, 'exclude-internal') });
    const existing = new Set(await admin.listTopics({ includeInternal: true }));
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length > 0) {
      io.err(`gregor topics: no such topic: ${missing.join(', ')}\n`);
      return ExitCode.failure;
    }
    const descriptions = await admin.describeTopics(names);
    const configs = await admin.describeConfigs(names.map((name) => ({ type: 'topic' as const, name })));
    for (const [i, d] of descriptions.entries()) {
      // Only what differs from the defaults, as kafka-topics.sh --describe shows.
      const changed = (configs[i]?.configs ?? []).filter((c) => !c.isDefault).map((c) => `${c.name}=${c.isSensitive ? '<sensitive>' : (c.value ?? '')}`);
      const rf = d.partitions[0]?.replicas.length ?? 0;
      io.out(`Topic: ${d.name}\tTopicId: ${d.topicId}\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${changed.join(',')}\n`);
      for (const p of d.partitions) {
        io.out(`\tTopic: ${d.name}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\n`);
      }
    }
    return ExitCode.ok;
  });
}

async function alter(args: ParsedArgs, io: CommandIo): Promise<number> {
  const topic = requiredString(args, 'topic');
  const partitions = stringArg(args, 'partitions') === undefined ? undefined : intArg(args, 'partitions', 1, 1);
  const set = Object.fromEntries(keyValues(args, 'config'));
  const remove = listArg(args, 'delete-config');
  if (partitions === undefined && Object.keys(set).length === 0 && remove.length === 0) {
    throw new UsageError('alter needs --partitions, --config or --delete-config');
  }
  return withAdmin(args, async (admin) => {
    if (partitions !== undefined) {
      const [r] = await admin.createPartitions([{ topic, count: partitions }]);
      if (r !== undefined && r.errorCode !== 0) {
        io.err(`gregor topics: cannot change the partitions of ${topic}: ${errorName(r.errorCode)}${r.errorMessage ? ` (${r.errorMessage})` : ''}\n`);
        return ExitCode.failure;
      }
      io.out(`Topic ${topic} now has ${partitions} partitions.\n`);
    }
    if (Object.keys(set).length > 0 || remove.length > 0) {
      await admin.alterConfigs([{ type: 'topic', name: topic, set, delete: remove }]);
      io.out(`Completed updating config for topic ${topic}.\n`);
    }
    return ExitCode.ok;
  });
}

async function remove(args: ParsedArgs, io: CommandIo): Promise<number> {
  const topics = listArg(args, 'topic');
  if (topics.length === 0) throw new UsageError('--topic is required');
  return withAdmin(args, async (admin) => {
    let code: number = ExitCode.ok;
    for (const r of await admin.deleteTopics(topics)) {
      if (r.errorCode === 0) io.out(`Deleted topic ${r.topic}.\n`);
      else if (!(flag(args, 'if-exists') && errorName(r.errorCode) === 'UNKNOWN_TOPIC_OR_PARTITION')) {
        io.err(`gregor topics: cannot delete topic ${r.topic}: ${errorName(r.errorCode)}\n`);
        code = ExitCode.failure;
      }
    }
    return code;
  });
}

export const command = commandWithActions(
  'topics',
  'Create, list, describe, alter and delete topics (as kafka-topics.sh).',
  {
    'bootstrap-server': BOOTSTRAP_OPTION,
    topic: { type: 'string', multiple: true, description: 'Topic name (describe and delete take several)', valueName: 'name' },
    partitions: { type: 'string', description: 'Partition count (create: default num.partitions; alter: the new, larger count)', valueName: 'n' },
    'replication-factor': { type: 'string', description: 'Replicas per partition (create; default default.replication.factor)', valueName: 'n' },
    config: { type: 'string', multiple: true, description: 'Topic config, e.g. --config retention.ms=60000 (create, alter)', valueName: 'key=value' },
    'delete-config': { type: 'string', multiple: true, description: 'Reset a topic config to its default (alter)', valueName: 'key' },
    'if-not-exists': { type: 'boolean', description: 'create: succeed if the topic already exists' },
    'if-exists': { type: 'boolean', description: 'delete: succeed if the topic does not exist' },
    'exclude-internal': { type: 'boolean', description: 'list, describe: leave out internal topics (__consumer_offsets …)' },
  },
  {
    create: { summary: 'Create a topic', accepts: ['bootstrap-server', 'topic', 'partitions', 'replication-factor', 'config', 'if-not-exists'], run: create },
    list: { summary: 'List topic names', accepts: ['bootstrap-server', 'exclude-internal'], run: list },
    describe: { summary: 'Partitions, leaders, replicas, ISR and non-default configs', accepts: ['bootstrap-server', 'topic', 'exclude-internal'], run: describe },
    alter: { summary: 'Add partitions or change configs', accepts: ['bootstrap-server', 'topic', 'partitions', 'config', 'delete-config'], run: alter },
    delete: { summary: 'Delete topics', accepts: ['bootstrap-server', 'topic', 'if-exists'], run: remove },
  },
);
