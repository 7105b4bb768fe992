import { spawn } from 'node:child_process';

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a peer client as a child process, feeding it `stdin`, and kills it after `timeoutMs` so a
 * client stuck against the capture server fails the run instead of hanging it. Rejects when the
 * command cannot be started (e.g. not installed) or exits non-zero.
 */
export function runProcess(command: string, args: readonly string[], stdin: string, timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    // Our own timer rather than spawn's `timeout`, which stays armed when the spawn itself fails.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ code, stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} ended with ${signal ?? `exit code ${code}`}\n${stderr}`));
    });
    // A client that exits before reading everything must not turn into an unhandled EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}
