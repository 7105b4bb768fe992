import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Readable } from 'node:stream';
import type { CommandIo } from '../../src/cli/command.ts';
import { main } from '../../src/cli/main.ts';

/** Helpers for the CLI end-to-end tests (test/e2e/cli-*.test.ts): main() in-process, or bin/gregor.js as a child. */

export const GREGOR = new URL('../../bin/gregor.js', import.meta.url).pathname;

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Calls main() with captured output; `input` becomes the command's stdin, `signal` its Ctrl-C. */
export async function gregor(argv: readonly string[], options: { input?: string; signal?: AbortSignal } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo & { input?: NodeJS.ReadableStream; signal?: AbortSignal } = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    ...(options.input === undefined ? {} : { input: Readable.from([options.input]) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** bin/gregor.js as a child process, stdin piped. */
export function spawnGregor(argv: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [GREGOR, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs bin/gregor.js to completion with `input` on stdin. */
export async function runGregor(argv: readonly string[], input = ''): Promise<Run> {
  const child = spawnGregor(argv);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdin.end(input);
  return { code: await exited, stdout, stderr };
}
