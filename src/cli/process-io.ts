import type { CommandIo } from './command.ts';

/**
 * What the streaming commands (produce, consume) need beyond CommandIo: an input stream and a way to
 * be told to stop. A process gets stdin and SIGINT/SIGTERM; a test calling main() in-process passes
 * an `input` stream and an abort `signal` on the same io object instead.
 */
export interface StreamingIo extends CommandIo {
  readonly input?: NodeJS.ReadableStream;
  readonly signal?: AbortSignal;
}

export function inputOf(io: CommandIo): NodeJS.ReadableStream {
  const input = (io as StreamingIo).input;
  return input ?? process.stdin;
}

/**
 * `gregor consume … | head -1`: once the reader goes away, writes to stdout fail with EPIPE, reported
 * as an 'error' event that would otherwise crash the process with a stack trace. Treat it as a
 * request to stop, like Ctrl-C. The listener stays for the life of the process, since writes already
 * under way can still report the error after the command has stopped.
 */
const stdoutClosed = new Set<() => void>();
let stdoutWatched = false;

function watchStdout(): void {
  if (stdoutWatched) return;
  stdoutWatched = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    for (const stop of stdoutClosed) stop();
  });
}

/**
 * Calls `stop` once on SIGINT, SIGTERM, a closed stdout or the io's abort signal; returns the function that removes
 * the handlers. While installed, the signals no longer kill the process: the command finishes its
 * work (a flush, a commit) and returns its exit code.
 */
export function onStop(io: CommandIo, stop: (reason: string) => void): () => void {
  let fired = false;
  const fire = (reason: string): void => {
    if (fired) return;
    fired = true;
    stop(reason);
  };
  watchStdout();
  const onEpipe = (): void => fire('EPIPE');
  stdoutClosed.add(onEpipe);
  const onInt = (): void => fire('SIGINT');
  const onTerm = (): void => fire('SIGTERM');
  const onAbort = (): void => fire('abort');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const signal = (io as StreamingIo).signal;
  if (signal?.aborted === true) queueMicrotask(onAbort);
  signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    stdoutClosed.delete(onEpipe);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    signal?.removeEventListener('abort', onAbort);
  };
}
