import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ExitCode, type Command, type CommandIo } from './command.ts';
import { commandHelp, mainHelp, type CommandSummary } from './help.ts';

/**
 * The `gregor` command line. bin/gregor.js calls `main` with the arguments after the program name and
 * exits with the code it returns. Commands are imported lazily, so `gregor --help` or `gregor version`
 * never loads the broker.
 */

interface CommandEntry extends CommandSummary {
  readonly load: () => Promise<{ readonly command: Command }>;
}

/** Alphabetical; one file per command under commands/. */
const COMMANDS: readonly CommandEntry[] = [
  { name: 'consume', summary: 'Print records from a topic (console consumer)', load: () => import('./commands/consume.ts') },
  { name: 'dump-log', summary: 'Print the record batches of a log segment file', load: () => import('./commands/dump-log.ts') },
  { name: 'groups', summary: 'List, describe, reset offsets of and delete consumer groups', load: () => import('./commands/groups.ts') },
  { name: 'perf', summary: 'Measure produce or consume throughput and latency', load: () => import('./commands/perf.ts') },
  { name: 'produce', summary: 'Send stdin lines as records (console producer)', load: () => import('./commands/produce.ts') },
  { name: 'server', summary: 'Start a broker', load: () => import('./commands/server.ts') },
  { name: 'topics', summary: 'Create, list, describe, alter and delete topics', load: () => import('./commands/topics.ts') },
  { name: 'version', summary: "Print Gregor's version", load: () => import('./commands/version.ts') },
];

const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(mainHelp(COMMANDS));
    return ExitCode.usage;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    // `gregor help <cmd>` is the same as `gregor <cmd> --help`.
    if (first === 'help' && rest[0] !== undefined) return runCommand(rest[0], ['--help'], io);
    io.out(mainHelp(COMMANDS));
    return ExitCode.ok;
  }
  if (first === '--version' || first === '-V') return runCommand('version', [], io);
  if (first.startsWith('-')) {
    io.err(`gregor: unknown option '${first}'. Run 'gregor --help' for usage.\n`);
    return ExitCode.usage;
  }
  return runCommand(first, rest, io);
}

async function runCommand(name: string, args: readonly string[], io: CommandIo): Promise<number> {
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    io.err(`gregor: unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.\n` +
      "Run 'gregor --help' for usage.\n");
    return ExitCode.usage;
  }
  const { command } = await entry.load();

  const options: ParseArgsOptionsConfig = { help: { type: 'boolean', short: 'h' } };
  for (const [optName, opt] of Object.entries(command.options)) {
    options[optName] = {
      type: opt.type,
      ...(opt.short === undefined ? {} : { short: opt.short }),
      ...(opt.multiple === undefined ? {} : { multiple: opt.multiple }),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeNumbers(args, command), options, allowPositionals: command.allowPositionals, strict: true });
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown flags, missing values and
    // stray positionals; those are the caller's mistake, not a crash.
    const message = error instanceof Error ? error.message : String(error);
    io.err(`gregor ${name}: ${message}\nRun 'gregor ${name} --help' for usage.\n`);
    return ExitCode.usage;
  }
  if (parsed.values['help'] === true) {
    io.out(commandHelp(name, command));
    return ExitCode.ok;
  }
  try {
    return await command.run({ values: parsed.values, positionals: parsed.positionals }, io);
  } catch (error) {
    // A command that fails with an error rather than an exit code: show the message (and stack, since
    // an uncaught error here is a bug worth reporting) and fail.
    io.err(`gregor ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.failure;
  }
}

/**
 * parseArgs refuses a string option's value that starts with '-' as ambiguous, but Kafka's tools take
 * negative numbers as values (`--throughput -1`, `--shift-by -2`): join those into `--name=-1`.
 */
function joinNegativeNumbers(args: readonly string[], command: Command): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    if (name !== null && command.options[name]?.type === 'string' && next !== undefined && /^-\d+$/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
