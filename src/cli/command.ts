/**
 * The shape every `gregor` subcommand follows. Each command lives in its own file under commands/
 * and exports `command`; main.ts parses the flags it declares and calls `run`.
 */

/** Exit codes, as the shell sees them: 2 is the conventional "you called me wrong". */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly description: string;
  /** Placeholder shown in help for a string option, e.g. `file` renders as `--config <file>`. */
  readonly valueName?: string;
}

/** Where a command writes; injected so tests can capture output without spawning a process. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export type OptionValue = string | boolean | Array<string | boolean> | undefined;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, OptionValue>>;
  readonly positionals: readonly string[];
}

export interface Command {
  /** One line after the name in `gregor <cmd> --help`, e.g. `[options] <topic>`. */
  readonly usage: string;
  /** Paragraph shown under the usage line. */
  readonly description: string;
  readonly options: Readonly<Record<string, CommandOption>>;
  /** Whether the command takes positional arguments; parsing rejects them otherwise. */
  readonly allowPositionals: boolean;
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}
