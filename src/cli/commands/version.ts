import { readFileSync } from 'node:fs';
import { ExitCode, type Command } from '../command.ts';

/** The version field of the package.json at the repository root (three levels above this file). */
export function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  const pkg: unknown = JSON.parse(readFileSync(url, 'utf8'));
  if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') {
    return pkg.version;
  }
  return 'unknown';
}

/** `gregor version`: Gregor's version and the Node.js running it, for bug reports. */
export const command: Command = {
  usage: '',
  description: "Print Gregor's version and the Node.js version running it.",
  options: {},
  allowPositionals: false,
  async run(_args, io) {
    io.out(`gregor ${packageVersion()} (node ${process.version})\n`);
    return ExitCode.ok;
  },
};
