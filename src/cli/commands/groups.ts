import { KafkaError, type Admin, type GroupDescription } from '../../client/index.ts';
import { BOOTSTRAP_OPTION, connect, flag, formatTable, listArg, parseIntArg, requiredString, stringArg, UsageError } from '../args.ts';
import { ExitCode, type CommandIo, type ParsedArgs } from '../command.ts';
import { commandWithActions } from '../subcommands.ts';

/**
 * `gregor groups list|describe|reset-offsets|delete`, after kafka-consumer-groups.sh: the same
 * tables (GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG …), and reset-offsets is a dry
 * run unless --execute, allowed only while the group has no active members.
 */

async function withAdmin(args: ParsedArgs, body: (admin: Admin) => Promise<number>): Promise<number> {
  const client = connect(args, 'gregor-consumer-groups');
  try {
    return await body(client.admin());
  } finally {
    await client.close();
  }
}

const errorName = (code: number): string => new KafkaError(code, '').code;

async function list(args: ParsedArgs, io: CommandIo): Promise<number> {
  return withAdmin(args, async (admin) => {
    const groups = await admin.listGroups();
    if (flag(args, 'state')) io.out(formatTable([['GROUP', 'STATE'], ...groups.map((g) => [g.groupId, g.state])]));
    else for (const g of groups) io.out(`${g.groupId}\n`);
    return ExitCode.ok;
  });
}

/** Which member owns a partition, per the group's current assignment. */
function ownerOf(group: GroupDescription, topic: string, partition: number): GroupDescription['members'][number] | undefined {
  return group.members.find((m) => m.assignment?.some((a) => a.topic === topic && a.partitions.includes(partition)));
}

async function describe(args: ParsedArgs, io: CommandIo): Promise<number> {
  return withAdmin(args, async (admin) => {
    const ids = flag(args, 'all-groups') ? (await admin.listGroups()).map((g) => g.groupId) : listArg(args, 'group');
    if (ids.length === 0) throw new UsageError('--group or --all-groups is required');
    let code: number = ExitCode.ok;
    for (const [i, group] of (await admin.describeGroups(ids)).entries()) {
      if (i > 0) io.out('\n');
      if (group.state === 'Dead') {
        io.err(`Consumer group '${group.groupId}' does not exist.\n`);
        code = ExitCode.failure;
        continue;
      }
      if (flag(args, 'state')) {
        io.out(formatTable([['GROUP', 'STATE', 'ASSIGNMENT-STRATEGY', '#MEMBERS'], [group.groupId, group.state, group.protocol || '-', String(group.members.length)]]));
        continue;
      }
      if (flag(args, 'members')) {
        const rows = group.members.map((m) => [group.groupId, m.memberId, m.clientHost, m.clientId, String((m.assignment ?? []).reduce((n, a) => n + a.partitions.length, 0))]);
        io.out(formatTable([['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'], ...rows]));
        continue;
      }
      // Partitions with a committed offset, and assigned partitions without one yet (CURRENT-OFFSET '-').
      const committed = await admin.fetchOffsets(group.groupId);
      const parts = new Map<string, { topic: string; partition: number; offset: bigint | null }>();
      for (const c of committed) parts.set(`${c.topic}\0${c.partition}`, { topic: c.topic, partition: c.partition, offset: c.offset < 0n ? null : c.offset });
      for (const m of group.members) for (const a of m.assignment ?? []) for (const p of a.partitions) if (!parts.has(`${a.topic}\0${p}`)) parts.set(`${a.topic}\0${p}`, { topic: a.topic, partition: p, offset: null });
      const ends = new Map<string, bigint>();
      for (const topic of new Set([...parts.values()].map((p) => p.topic))) {
        for (const l of await admin.listOffsets(topic, 'latest')) ends.set(`${topic}\0${l.partition}`, l.offset);
      }
      const sorted = [...parts.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      const rows = sorted.map((p) => {
        const end = ends.get(`${p.topic}\0${p.partition}`);
        const owner = ownerOf(group, p.topic, p.partition);
        return [
          group.groupId,
          p.topic,
          String(p.partition),
          p.offset === null ? '-' : String(p.offset),
          end === undefined ? '-' : String(end),
          p.offset === null || end === undefined ? '-' : String(end - p.offset),
          owner?.memberId ?? '-',
          owner?.clientHost ?? '-',
          owner?.clientId ?? '-',
        ];
      });
      if (group.members.length === 0) io.out(`Consumer group '${group.groupId}' has no active members.\n\n`);
      io.out(formatTable([['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], ...rows]));
    }
    return code;
  });
}

type ResetTarget = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: bigint } | { kind: 'datetime'; ms: number } | { kind: 'shift'; by: bigint };

function resetTarget(args: ParsedArgs): ResetTarget {
  const targets: ResetTarget[] = [];
  if (flag(args, 'to-earliest')) targets.push({ kind: 'earliest' });
  if (flag(args, 'to-latest')) targets.push({ kind: 'latest' });
  const offset = stringArg(args, 'to-offset');
  if (offset !== undefined) targets.push({ kind: 'offset', offset: BigInt(parseIntArg('to-offset', offset, 0)) });
  const shift = stringArg(args, 'shift-by');
  if (shift !== undefined) targets.push({ kind: 'shift', by: BigInt(parseIntArg('shift-by', shift)) });
  const datetime = stringArg(args, 'to-datetime');
  if (datetime !== undefined) {
    // Kafka's format is YYYY-MM-DDTHH:mm:SS.sss with an optional zone; without one it means local time, as Date.parse does.
    const ms = Date.parse(datetime);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(datetime) || Number.isNaN(ms)) throw new UsageError(`--to-datetime expects YYYY-MM-DDTHH:mm:SS[.sss][zone], got '${datetime}'`);
    targets.push({ kind: 'datetime', ms });
  }
  if (targets.length !== 1) throw new UsageError('exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by is required');
  return targets[0]!;
}

/** `--topic t` (every partition) or `--topic t:0,2` (those partitions), as kafka-consumer-groups.sh. */
function topicSpecs(args: ParsedArgs): Array<{ topic: string; partitions: number[] | null }> {
  return listArg(args, 'topic').map((spec) => {
    const colon = spec.lastIndexOf(':');
    if (colon < 0) return { topic: spec, partitions: null };
    const partitions = spec.slice(colon + 1).split(',').map((p) => parseIntArg('topic', p.trim(), 0));
    return { topic: spec.slice(0, colon), partitions };
  });
}

async function resetOffsets(args: ParsedArgs, io: CommandIo): Promise<number> {
  const groupId = requiredString(args, 'group');
  const target = resetTarget(args);
  const execute = flag(args, 'execute');
  if (execute && flag(args, 'dry-run')) throw new UsageError('--execute and --dry-run cannot be used together');
  const specs = topicSpecs(args);
  if ((specs.length > 0) === flag(args, 'all-topics')) throw new UsageError('exactly one of --topic and --all-topics is required');
  return withAdmin(args, async (admin) => {
    const [group] = await admin.describeGroups([groupId]);
    if (group !== undefined && group.state !== 'Empty' && group.state !== 'Dead') {
      io.err(`Error: Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${group.state}.\n`);
      return ExitCode.failure;
    }
    const committed = await admin.fetchOffsets(groupId);
    const wanted = specs.length > 0 ? specs : [...new Set(committed.map((c) => c.topic))].map((topic) => ({ topic, partitions: null }));
    const plan: Array<{ topic: string; partition: number; offset: bigint }> = [];
    for (const { topic, partitions } of wanted) {
      const earliest = await admin.listOffsets(topic, 'earliest');
      const latest = await admin.listOffsets(topic, 'latest');
      const chosen = partitions ?? earliest.map((e) => e.partition);
      const byTime = target.kind === 'datetime' ? await admin.offsetsForTimes(topic, target.ms) : [];
      for (const partition of chosen) {
        const lo = earliest.find((e) => e.partition === partition)?.offset;
        const hi = latest.find((e) => e.partition === partition)?.offset;
        if (lo === undefined || hi === undefined) throw new UsageError(`topic ${topic} has no partition ${partition}`);
        const current = committed.find((c) => c.topic === topic && c.partition === partition)?.offset ?? -1n;
        let offset: bigint;
        if (target.kind === 'earliest') offset = lo;
        else if (target.kind === 'latest') offset = hi;
        else if (target.kind === 'offset') offset = target.offset;
        else if (target.kind === 'shift') offset = (current < 0n ? lo : current) + target.by;
        else {
          // No record at or after the time: the end of the log, as Kafka's tool does.
          const t = byTime.find((b) => b.partition === partition)?.offset ?? -1n;
          offset = t < 0n ? hi : t;
        }
        // Offsets outside the log are clamped to it, as kafka-consumer-groups.sh does.
        plan.push({ topic, partition, offset: offset < lo ? lo : offset > hi ? hi : offset });
      }
    }
    if (execute) await admin.commitOffsets(groupId, plan);
    io.out(formatTable([['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ...plan.map((p) => [groupId, p.topic, String(p.partition), String(p.offset)])]));
    if (!execute) io.err('Dry run: nothing was changed. Add --execute to reset the offsets.\n');
    return ExitCode.ok;
  });
}

async function remove(args: ParsedArgs, io: CommandIo): Promise<number> {
  const ids = listArg(args, 'group');
  if (ids.length === 0) throw new UsageError('--group is required');
  return withAdmin(args, async (admin) => {
    const results = await admin.deleteGroups(ids);
    const failed = results.filter((r) => r.errorCode !== 0);
    const ok = results.filter((r) => r.errorCode === 0).map((r) => `'${r.groupId}'`);
    if (ok.length > 0) io.out(`Deletion of requested consumer groups (${ok.join(', ')}) was successful.\n`);
    for (const f of failed) io.err(`Deletion of consumer group '${f.groupId}' failed: ${errorName(f.errorCode)}\n`);
    return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
  });
}

export const command = commandWithActions(
  'groups',
  'List, describe, reset the offsets of and delete consumer groups (as kafka-consumer-groups.sh).',
  {
    'bootstrap-server': BOOTSTRAP_OPTION,
    group: { type: 'string', multiple: true, description: 'Group id (describe and delete take several)', valueName: 'id' },
    'all-groups': { type: 'boolean', description: 'describe: every group' },
    state: { type: 'boolean', description: 'list, describe: show the group state' },
    members: { type: 'boolean', description: 'describe: show members instead of offsets' },
    topic: { type: 'string', multiple: true, description: 'reset-offsets: topic, or topic:p1,p2 for some partitions', valueName: 'topic' },
    'all-topics': { type: 'boolean', description: 'reset-offsets: every topic the group has offsets for' },
    'to-earliest': { type: 'boolean', description: 'reset-offsets: to the log start' },
    'to-latest': { type: 'boolean', description: 'reset-offsets: to the log end' },
    'to-offset': { type: 'string', description: 'reset-offsets: to this offset (clamped to the log)', valueName: 'n' },
    'to-datetime': { type: 'string', description: 'reset-offsets: to the first record at/after YYYY-MM-DDTHH:mm:SS.sss', valueName: 'time' },
    'shift-by': { type: 'string', description: 'reset-offsets: move the committed offset by n (may be negative)', valueName: 'n' },
    execute: { type: 'boolean', description: 'reset-offsets: commit the new offsets (default: dry run)' },
    'dry-run': { type: 'boolean', description: 'reset-offsets: only show the new offsets (the default)' },
  },
  {
    list: { summary: 'List group ids', accepts: ['bootstrap-server', 'state'], run: list },
    describe: { summary: 'Committed offset, log end offset, lag and member per partition', accepts: ['bootstrap-server', 'group', 'all-groups', 'state', 'members'], run: describe },
    'reset-offsets': {
      summary: 'Move committed offsets (dry run unless --execute)',
      accepts: ['bootstrap-server', 'group', 'topic', 'all-topics', 'to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by', 'execute', 'dry-run'],
      run: resetOffsets,
    },
    delete: { summary: 'Delete groups (they must have no members)', accepts: ['bootstrap-server', 'group'], run: remove },
  },
);
