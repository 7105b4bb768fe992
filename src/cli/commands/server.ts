import { ExitCode, type Command } from '../command.ts';

/** `gregor server`: placeholder until the broker lands (issue #4). */
export const command: Command = {
  usage: '[server.properties] [--override key=value ...]',
  description: 'Start a broker. Not implemented yet: the broker is being built (issue #4).',
  options: {},
  allowPositionals: true,
  async run(_args, io) {
    io.err('gregor server: the broker is not implemented yet (see README status table)\n');
    return ExitCode.failure;
  },
};
