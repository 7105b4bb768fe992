import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installApacheKafka, PEERS_DIR } from '../../../scripts/peers/apache-kafka.ts';
import { buildIntoPlace } from '../../../scripts/peers/build-into-place.ts';
import { javaLaunch, runJava } from '../../peers/jvm.ts';
import { describeResult, trackChild, type ProcessResult } from '../../peers/run-process.ts';

/**
 * Runs JavaClient.java (beside this file) — the Java client, org.apache.kafka:kafka-clients, as a
 * peer. It is compiled once per source and Kafka version into `.peers/java-client-<hash>/`.
 */
const SOURCE = fileURLToPath(new URL('JavaClient.java', import.meta.url));

export interface JavaClientResult extends ProcessResult {
  /** Each stdout line parsed as JSON (the client prints nothing else there). */
  readonly lines: Array<Record<string, unknown>>;
}

export interface JavaClientOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
}

/**
 * Compiles JavaClient.java against kafka-clients into a jar, unless this exact source was compiled
 * before; returns the jar. A jar, not a classes folder, because class-data sharing (see jvm.ts)
 * refuses folders on the classpath.
 */
export function compileJavaClient(sourceFile: string = SOURCE): string {
  const kafka = installApacheKafka();
  const source = readFileSync(sourceFile);
  const hash = createHash('sha256').update(source).update(kafka.version).digest('hex').slice(0, 16);
  const home = join(PEERS_DIR, `java-client-${hash}`);
  return buildIntoPlace(home, 'java-client.jar', (staging) => {
    mkdirSync(join(staging, 'classes'));
    const clients = join(kafka.lib, `kafka-clients-${kafka.version}.jar`);
    const steps: Array<[string, string[]]> = [
      ['javac', ['--release', '17', '-encoding', 'UTF-8', '-cp', clients, '-d', join(staging, 'classes'), sourceFile]],
      ['jar', ['--create', '--file', join(staging, 'java-client.jar'), '-C', join(staging, 'classes'), '.']],
    ];
    for (const [cmd, args] of steps) {
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`${cmd} for ${sourceFile} failed:\n${r.stdout}${r.stderr}${r.error === undefined ? '' : String(r.error)}`);
    }
  });
}

/**
 * `runJavaClient(['produce', bootstrap, topic, '10', '--acks', 'all'])`: runs one JavaClient command
 * (see the usage at the top of JavaClient.java) and parses its JSON lines. Never throws for a non-zero
 * exit: the caller asserts on `code`, with `describeJavaClient(r)` as the message.
 */
export async function runJavaClient(args: readonly string[], options: JavaClientOptions = {}): Promise<JavaClientResult> {
  return runJavaProgram(SOURCE, 'JavaClient', args, options);
}

/** Like runJavaClient, for another single-file Java program beside it (e.g. ConsumerProtocolFlow.java). */
export async function runJavaProgram(sourceFile: string, mainClass: string, args: readonly string[], options: JavaClientOptions = {}): Promise<JavaClientResult> {
  const kafka = installApacheKafka();
  const jar = compileJavaClient(sourceFile);
  const r = await runJava(kafka, mainClass, args, { classpath: [jar], quickStart: true, classArchive: true }, {
    timeoutMs: options.timeoutMs ?? 90_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...r, lines };
}

export const describeJavaClient = (r: ProcessResult): string => describeResult('JavaClient', r);

export interface RunningJavaClient {
  /** The JSON lines printed so far. */
  readonly lines: Array<Record<string, unknown>>;
  /** Resolves when a printed line satisfies `match` (or when the process ends, whichever is first). */
  until(match: (line: Record<string, unknown>) => boolean): Promise<void>;
  /** The run's outcome once the JVM has exited; never rejects. */
  readonly finished: Promise<JavaClientResult>;
  kill(): void;
}

/**
 * Starts one JavaClient command without waiting for it, for tests that act while it runs (kill the
 * broker in the middle of a pipeline). Lines are parsed as they arrive.
 */
export function startJavaClient(args: readonly string[], options: { readonly timeoutMs?: number } = {}): RunningJavaClient {
  const kafka = installApacheKafka();
  const jar = compileJavaClient();
  const launch = javaLaunch(kafka, 'JavaClient', args, { classpath: [jar], quickStart: true, classArchive: true });
  const child = spawn('java', launch.argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (line: Record<string, unknown>) => boolean; resolve: () => void }> = [];
  let stdout = '';
  let stderr = '';
  let buffered = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    buffered += s;
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const text of complete) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const w of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  let timedOut = false;
  let closed = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 120_000);
  const finished = new Promise<JavaClientResult>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      closed = true;
      launch.settle(signal);
      for (const w of waiters.splice(0)) w.resolve();
      resolve({ code, signal, stdout, stderr, timedOut, lines });
    });
  });
  return {
    lines,
    until: (match) => (closed || lines.some(match) ? Promise.resolve() : new Promise((resolve) => waiters.push({ match, resolve }))),
    finished,
    kill: () => child.kill('SIGKILL'),
  };
}
