import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Runs a peer's command (a JVM, kcat, a Python client) to completion with a hard deadline, collecting
 * its output. Peers are separate programs, so a hung one must never hang the test: past the deadline
 * it is killed and the result says so, for the test to fail with the output it had.
 */
export interface ProcessResult {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface RunOptions {
  /** Written to standard input, which is then closed; without it stdin is closed at once. */
  readonly input?: string | Buffer;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Remembers a child so that it is killed when this test process exits, even after a failed assertion
 * skipped its teardown: a JVM broker left behind would hold ports and memory on a 2-core machine.
 */
export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

export function runProcess(cmd: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    trackChild(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // A child that exits before reading all its input makes the pipe fail; its exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
  });
}

/** A one-line account of a failed run, for assertion messages. */
export function describeResult(what: string, r: ProcessResult): string {
  const how = r.timedOut ? 'timed out' : r.signal !== null ? `killed by ${r.signal}` : `exited ${r.code}`;
  const tail = (s: string): string => s.trim().split('\n').slice(-20).join('\n');
  return `${what} ${how}\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}
