import { guarded, UsageError } from './args.ts';
import { type Command, type CommandIo, type CommandOption, type ParsedArgs } from './command.ts';

/**
 * Commands with actions (`gregor topics create`, `gregor groups describe`): one Command whose first
 * positional names the action. main.ts parses flags once for the whole command, so the options are
 * the union of the actions'; each action lists the ones it accepts and any other given flag is a
 * usage error, as kafka-topics.sh refuses `--partitions` with `--list`.
 */
export interface Action {
  readonly summary: string;
  /** Option names (keys of the command's options) this action accepts. */
  readonly accepts: readonly string[];
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}

export function commandWithActions(
  name: string,
  description: string,
  options: Readonly<Record<string, CommandOption>>,
  actions: Readonly<Record<string, Action>>,
): Command {
  const names = Object.keys(actions);
  const width = Math.max(...names.map((n) => n.length));
  const list = names.map((n) => `  ${n.padEnd(width)}  ${actions[n]!.summary}`).join('\n');
  return {
    usage: `<${names.join('|')}> [options]`,
    description: `${description}\n\nActions:\n${list}`,
    options,
    allowPositionals: true,
    run(args, io) {
      return guarded(name, io, async () => {
        const [actionName, ...rest] = args.positionals;
        if (actionName === undefined) throw new UsageError(`an action is required: ${names.join(', ')}`);
        const action = Object.hasOwn(actions, actionName) ? actions[actionName] : undefined;
        if (action === undefined) throw new UsageError(`unknown action '${actionName}'; actions: ${names.join(', ')}`);
        if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
        for (const [opt, value] of Object.entries(args.values)) {
          if (value !== undefined && opt !== 'help' && !action.accepts.includes(opt)) throw new UsageError(`--${opt} does not apply to '${actionName}'`);
        }
        return action.run(args, io);
      });
    },
  };
}
