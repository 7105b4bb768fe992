import { readFileSync } from 'node:fs';
import { ExitCode, type Command } from '../command.ts';

/**
 * The version field of Gregor's package.json: the nearest one named "gregor" above this module, which
 * is three folders up in the sources and one up from the one-file build in dist/.
 */
export function packageVersion(): string {
  for (const up of ['../../../package.json', '../package.json']) {
    let pkg: unknown;
    try {
      pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8'));
    } catch {
      continue;
    }
    if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === 'gregor' && 'version' in pkg && typeof pkg.version === 'string') {
      return pkg.version;
    }
  }
  return 'unknown';
}

/** True when this code runs from the one-file build (dist/gregor.mjs) rather than from src/. */
export function runsFromBundle(): boolean {
  return import.meta.url.endsWith('/dist/gregor.mjs');
}

/** `gregor version`: Gregor's version and the Node.js running it, for bug reports. */
export const command: Command = {
  usage: '',
  description: "Print Gregor's version and the Node.js version running it.",
  options: {},
  allowPositionals: false,
  async run(_args, io) {
    io.out(`gregor ${packageVersion()} (node ${process.version}, ${runsFromBundle() ? 'from dist/gregor.mjs' : 'from src/'})\n`);
    return ExitCode.ok;
  },
};
