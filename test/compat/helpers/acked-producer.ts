import { spawn } from 'node:child_process';
import { PYTHON } from './run-process.ts';

/**
 * confluent-kafka-python (acked-producer.py) producing `count` keyed records with acks=all to
 * partition 0, one line per delivery report, for the kill -9 tests: they wait for a number of
 * acknowledgements, kill the broker, and finally check every acknowledged key at its offset.
 * Values are `value-<i>-<i % 300 x's>` (valueOf below).
 */

const PRODUCER = new URL('../confluent-kafka-python/acked-producer.py', import.meta.url).pathname;

export const valueOf = (i: number): string => `value-${i}-${'x'.repeat(i % 300)}`;

export interface ProducerRun {
  readonly acks: Map<string, number>;
  readonly errors: string[];
  /** Keys reported delivered more than once (a client bug if ever non-empty). */
  readonly repeated: string[];
  /** Ends the producer early (when the test fails before it finishes). */
  kill(): void;
  /** Resolves when the producer has received `n` acknowledgements. */
  acked(n: number): Promise<void>;
  /** Resolves with the producer's final "done <left>" count. */
  readonly finished: Promise<number>;
}

export function startAckedProducer(bootstrap: string, run: { topic: string; count: number; idempotence?: boolean; boundMs?: number }): ProducerRun {
  const child = spawn(PYTHON, [PRODUCER], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(JSON.stringify({ bootstrap, topic: run.topic, count: run.count, idempotence: run.idempotence ?? false }));
  const acks = new Map<string, number>();
  const errors: string[] = [];
  const repeated: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let done: number | undefined;
  let stderr = '';
  let buffered = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    buffered += s;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [kind, a, b] = line.split(' ');
      if (kind === 'ack' && a !== undefined && b !== undefined) {
        if (acks.has(a)) repeated.push(a);
        acks.set(a, Number(b));
      } else if (kind === 'err') errors.push(line);
      else if (kind === 'done') done = Number(a);
    }
    for (const w of waiters.filter((w) => acks.size >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const finished = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), run.boundMs ?? 150_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && done !== undefined) resolve(done);
      else reject(new Error(`producer ended with ${signal ?? code} after ${acks.size} acks: ${stderr.slice(-3000)}`));
      for (const w of waiters.splice(0)) w.resolve();
    });
  });
  // A failing test must not leave the producer holding the runner open until its own bound.
  finished.catch(() => undefined);
  return {
    acks,
    errors,
    repeated,
    kill: () => child.kill('SIGKILL'),
    finished,
    acked: (n) => (acks.size >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

