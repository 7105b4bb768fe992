import { spawn } from 'node:child_process';

/** What a bounded child process left behind. `timedOut` means it was SIGKILLed at the bound. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

/**
 * Runs a command to completion or to `timeoutMs`, whichever comes first, collecting its output.
 * `onLine` sees stdout line by line as it arrives (for streaming parsers); `stdout` is then left empty.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs: number; readonly onLine?: (line: string) => void },
): Promise<CommandResult> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let partial = '';
  let timedOut = false;
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    // A streamed command can print hundreds of MiB; its lines go to onLine and are not kept.
    if (options.onLine === undefined) {
      stdout += s;
      return;
    }
    partial += s;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => {
    timedOut = true;
    // The whole process group: `go test` runs the test binary as its own child.
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
  }, options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (partial !== '' && options.onLine !== undefined) options.onLine(partial);
      resolve({ code, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}
