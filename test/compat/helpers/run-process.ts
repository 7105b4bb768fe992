import { spawn } from 'node:child_process';

export interface RunOptions {
  /** Bytes written to the child's stdin, which is then closed. */
  readonly stdin?: string | Buffer;
  /** The child is SIGKILLed after this long, so a client stuck against the broker fails the test instead of hanging it. */
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Debian's interpreter, which python3-kafka and python3-confluent-kafka install into; a python3
 * earlier on PATH (pyenv, venv) would not see them.
 */
export const PYTHON = '/usr/bin/python3';

/**
 * Runs a peer client to completion. Rejects when it cannot start (a missing peer: ENOENT names it),
 * exits non-zero or overstays `timeoutMs`; the error carries its stderr, which is where clients
 * explain themselves.
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (error) => {
      clearTimeout(timer);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(missing ? new Error(`${command} is not installed; it is a required peer (node scripts/install-peers.ts)`, { cause: error }) : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const out = Buffer.concat(stdout).toString('utf8');
      if (code === 0) resolve({ stdout: out, stderr });
      else {
        const why = timedOut ? `was killed after ${timeoutMs} ms` : `ended with ${signal ?? `exit code ${code}`}`;
        reject(new Error(`${command} ${args.join(' ').slice(0, 200)} ${why}\nstderr: ${stderr.slice(-4000)}\nstdout: ${out.slice(-2000)}`));
      }
    });
    // A client that exits before reading all its input must not turn into an unhandled EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * Runs a Python script (a file beside the test) that reads one JSON object on stdin and prints one
 * JSON object as its last stdout line; returns that object.
 */
export async function runPythonJson<T>(script: URL, input: unknown, timeoutMs = 60_000): Promise<T> {
  return runJson<T>(PYTHON, [script.pathname], input, timeoutMs);
}

/** Runs a peer program that reads one JSON object on stdin and prints its JSON result as its last line. */
export async function runJson<T>(command: string, args: readonly string[], input: unknown, timeoutMs = 60_000): Promise<T> {
  const { stdout } = await runProcess(command, args, { stdin: JSON.stringify(input), timeoutMs });
  const last = stdout.trimEnd().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch (error) {
    throw new Error(`${[command, ...args].join(' ')} printed no JSON result: ${stdout.slice(-2000)}`, { cause: error });
  }
}
