import type { Command, CommandOption } from './command.ts';

/** Help text for `gregor --help` and `gregor <cmd> --help`, kept apart from parsing so both stay short. */

export interface CommandSummary {
  readonly name: string;
  readonly summary: string;
}

const HELP_OPTION: CommandOption = { type: 'boolean', short: 'h', description: 'Show this help' };

function optionLabel(name: string, option: CommandOption): string {
  const short = option.short === undefined ? '    ' : `-${option.short}, `;
  const value = option.type === 'string' ? ` <${option.valueName ?? 'value'}>` : '';
  return `${short}--${name}${value}`;
}

/** Two columns: labels padded to the widest, then the descriptions. */
function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}\n`).join('');
}

export function mainHelp(commands: readonly CommandSummary[]): string {
  return (
    'Usage: gregor <command> [options]\n\n' +
    'Gregor is a Kafka-compatible streaming platform: broker, client and CLI in one package, no JVM.\n\n' +
    'Commands:\n' +
    table(commands.map((c) => [c.name, c.summary] as const)) +
    '\nOptions:\n' +
    table([
      [optionLabel('help', HELP_OPTION), 'Show this help'],
      ['-V, --version', 'Print the version'],
    ]) +
    "\nRun 'gregor <command> --help' for a command's options.\n"
  );
}

export function commandHelp(name: string, command: Command): string {
  const options = { ...command.options, help: HELP_OPTION };
  const usage = command.usage === '' ? `gregor ${name}` : `gregor ${name} ${command.usage}`;
  return (
    `Usage: ${usage}\n\n${command.description}\n\nOptions:\n` +
    table(Object.entries(options).map(([optName, opt]) => [optionLabel(optName, opt), opt.description] as const))
  );
}
