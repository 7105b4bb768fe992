import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, startApacheKafka } from '../../test/peers/apache-kafka.ts';
import { fetchMetadata } from '../../test/peers/metadata-probe.ts';
import { trackChild } from '../../test/peers/run-process.ts';

/**
 * The two systems under comparison, each as its own process on 127.0.0.1 with its data in a fresh
 * folder under the same temp dir (same disk), started one at a time.
 */
export interface Broker {
  /** 'gregor' or 'kafka', plus the setting that differs when one system runs twice. */
  readonly label: string;
  readonly bootstrap: string;
  readonly port: number;
  readonly pid: number;
  readonly logDir: string;
  close(): Promise<void>;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Broker properties both systems get, so that neither wins by configuration: one replica, Kafka's
 * default segment size and retention written out (no segment rolls or deletes during a run), one
 * offsets partition, and no 3 s wait before a consumer group's first rebalance (ConsumerPerformance
 * would otherwise measure the wait).
 */
export const SHARED_SETTINGS = {
  'num.partitions': 1,
  'default.replication.factor': 1,
  'min.insync.replicas': 1,
  'log.segment.bytes': 1073741824,
  'log.retention.hours': 168,
  'log.retention.bytes': -1,
  'offsets.topic.replication.factor': 1,
  'offsets.topic.num.partitions': 1,
  'group.initial.rebalance.delay.ms': 0,
  'auto.create.topics.enable': true,
} as const;

/** Kafka's kafka-server-start.sh heap (-Xmx1G; the script's -Xms1G is not applied by our launcher). */
const KAFKA_HEAP = '1g';

export async function startKafka(options: { readonly logDir: string; readonly port?: number }): Promise<Broker & { readonly startMs: number }> {
  const kafka = await startApacheKafka({
    logDir: options.logDir,
    ...(options.port === undefined ? {} : { port: options.port }),
    heap: KAFKA_HEAP,
    overrides: SHARED_SETTINGS,
  });
  return { label: 'kafka', bootstrap: kafka.bootstrap, port: kafka.port, pid: kafka.pid, logDir: options.logDir, startMs: kafka.startMs, close: () => kafka.close() };
}

export interface GregorOptions {
  readonly logDir: string;
  readonly port?: number;
  readonly flushOnAckAll: boolean;
  /** Extra Node flags for the broker process, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  readonly cwd?: string;
}

/**
 * `gregor server` under this Node (24, which runs the sources directly), so the pid is the broker
 * itself and not the re-exec wrapper bin/gregor.js uses on an older Node.
 */
export async function startGregor(options: GregorOptions): Promise<Broker & { readonly startMs: number }> {
  const port = options.port ?? (await freePort());
  const work = await mkdtemp(join(tmpdir(), 'gregor-compare-'));
  const outputFile = join(work, 'gregor.out');
  const settings: Record<string, string | number | boolean> = {
    ...SHARED_SETTINGS,
    'log.dirs': options.logDir,
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.flush.on.ack.all': options.flushOnAckAll,
  };
  const args = [...(options.nodeFlags ?? []), join(REPO, 'bin/gregor.js'), 'server'];
  for (const [k, v] of Object.entries(settings)) args.push('--override', `${k}=${String(v)}`);
  const out = openSync(outputFile, 'a');
  const spawned = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', out, out], cwd: options.cwd ?? REPO });
  closeSync(out);
  trackChild(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('gregor: node did not start');
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const close = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(timer);
    }
    await rm(work, { recursive: true, force: true });
  };
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (exited || performance.now() > deadline) {
      const output = readFileSync(outputFile, 'utf8').slice(-3000);
      await close();
      throw new Error(`gregor: not ready on port ${port}:\n${output}`);
    }
    try {
      await fetchMetadata('127.0.0.1', port, 2_000);
      break;
    } catch {
      await sleep(20);
    }
  }
  const label = `gregor${options.flushOnAckAll ? '' : ' (flush.on.ack.all=false)'}`;
  return { label, bootstrap: `127.0.0.1:${port}`, port, pid, logDir: options.logDir, startMs: Math.round(performance.now() - spawned), close };
}
