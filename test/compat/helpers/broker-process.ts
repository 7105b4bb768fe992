import { spawn, type ChildProcess } from 'node:child_process';

/**
 * `gregor server` as a child process, for tests that must kill the broker for real (kill -9) and
 * start it again on the same data directory and port. Started with this process's Node (24), so
 * bin/gregor.js runs the server itself rather than re-spawning under another Node: the pid we
 * signal is the broker's.
 */

const GREGOR = new URL('../../../bin/gregor.js', import.meta.url).pathname;
const START_BOUND_MS = 30_000;

export interface BrokerProcess {
  readonly port: number;
  readonly bootstrap: string;
  readonly child: ChildProcess;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** SIGKILL, and wait until the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (clean shutdown); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `gregor server` with its data in `logDir` on 127.0.0.1:`port` (0 = ephemeral); waits until it listens. */
export function startBrokerProcess(logDir: string, port = 0, overrides: readonly string[] = []): Promise<BrokerProcess> {
  const args = [GREGOR, 'server', '--override', `log.dirs=${logDir}`, '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, ...overrides.flatMap((o) => ['--override', o])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gregor server did not listen within ${START_BOUND_MS} ms:\n${output}`));
    }, START_BOUND_MS);
    const onData = (): void => {
      const m = /listening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      const bound = Number(m[1]);
      resolve({
        port: bound,
        bootstrap: `127.0.0.1:${bound}`,
        child,
        output: () => output,
        kill9: async () => {
          child.kill('SIGKILL');
          await exited;
        },
        stop: async () => {
          child.kill('SIGTERM');
          return (await exited).code;
        },
      });
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gregor server exited (${signal ?? code}) before listening:\n${output}`));
    });
  });
}
