import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installApacheKafka, type KafkaInstall } from '../../scripts/peers/apache-kafka.ts';
import { javaLaunch, runJava } from './jvm.ts';
import { fetchMetadata } from './metadata-probe.ts';
import { describeResult, trackChild } from './run-process.ts';

export { KAFKA_TOOLS, runKafkaTool, type KafkaToolName, type KafkaToolOptions } from './kafka-tools.ts';

/**
 * Apache Kafka as a test and benchmark peer: a single-node KRaft broker (broker and controller in one
 * JVM, node id 1) on 127.0.0.1, started from the jars scripts/peers/apache-kafka.ts installs.
 */
export interface ApacheKafkaOptions {
  /** The data folder; a fresh temp folder (removed by close()) when absent. Reusing one after kill9() tests recovery. */
  readonly logDir?: string;
  /** The client port; an ephemeral one when absent. */
  readonly port?: number;
  /** server.properties entries that replace or extend the defaults below. */
  readonly overrides?: Readonly<Record<string, string | number | boolean>>;
  /** How long to wait for the first Metadata answer; default 90 s (a loaded 2-core CI machine). */
  readonly startTimeoutMs?: number;
  /** Broker heap; default 512m. */
  readonly heap?: string;
}

export interface RunningApacheKafka {
  /** `127.0.0.1:<port>`. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly logDir: string;
  readonly clusterId: string;
  readonly version: string;
  /** The broker's stdout and stderr (its log4j output at INFO). */
  readonly outputFile: string;
  /** Milliseconds from spawning the JVM to the first Metadata answer. */
  readonly startMs: number;
  /** SIGTERM (Kafka's controlled shutdown), SIGKILL after 30 s; removes the temp folders it made. */
  close(): Promise<void>;
  /** SIGKILL, as a crash: the data folder stays for a restart; call close() later to remove temp folders. */
  kill9(): Promise<void>;
}

/** An ephemeral port that was free a moment ago (Kafka's controller needs a fixed port in its quorum). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A cluster id as Kafka's Uuid.randomUuid makes them: 16 random bytes, URL-safe base64 without
 * padding, never one starting with '-' (it would read as a command-line flag).
 */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(props: Readonly<Record<string, string | number | boolean>>): string {
  return Object.entries(props).map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n';
}

function defaults(port: number, controllerPort: number, logDir: string): Record<string, string | number | boolean> {
  return {
    'process.roles': 'broker,controller',
    'node.id': 1,
    // A static quorum: one voter, this node, on its own listener.
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 1,
    // One broker: the internal topics cannot have the default three replicas.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Tests should not wait 3 s for a first consumer group rebalance.
    'group.initial.rebalance.delay.ms': 0,
  };
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/**
 * Formats the data folder (KRaft's kafka-storage format). A folder formatted before (a restart after
 * kill9) is left as it is: format would insist on a cluster id we no longer pass, even with
 * --ignore-formatted.
 */
async function formatStorage(kafka: KafkaInstall, configFile: string, logDir: string): Promise<void> {
  if (existsSync(join(logDir, 'meta.properties'))) return;
  const args = ['format', '--cluster-id', randomClusterId(), '--config', configFile];
  const r = await runJava(kafka, 'kafka.tools.StorageTool', args, { quickStart: true, classArchive: true }, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(describeResult('kafka-storage format', r));
}

function readClusterId(logDir: string): string {
  const file = join(logDir, 'meta.properties');
  const line = existsSync(file) ? readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('cluster.id=')) : undefined;
  return line?.slice('cluster.id='.length).trim() ?? 'unknown';
}

class PortInUse extends Error {}

async function startOnce(kafka: KafkaInstall, options: ApacheKafkaOptions): Promise<RunningApacheKafka> {
  const workDir = await mkdtemp(join(tmpdir(), 'apache-kafka-'));
  const logDir = options.logDir ?? join(workDir, 'data');
  const port = options.port ?? (await freePort());
  const controllerPort = await freePort();
  const configFile = join(workDir, 'server.properties');
  const outputFile = join(workDir, 'kafka.out');
  // On a restart the controller replays the killed broker's registration and refuses the new one
  // (DUPLICATE_BROKER_REGISTRATION) until that session expires: 9 s by default, 3 s here.
  const restart = existsSync(join(logDir, 'meta.properties'))
    ? { 'broker.session.timeout.ms': 3000, 'broker.heartbeat.interval.ms': 500 }
    : {};
  try {
    await writeFile(configFile, serverProperties({ ...defaults(port, controllerPort, logDir), ...restart, ...options.overrides }));
    await formatStorage(kafka, configFile, logDir);
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }

  const out = openSync(outputFile, 'a');
  // Kafka's scripts also set -Xms equal to -Xmx; a test broker gets by with less resident memory.
  const launch = javaLaunch(kafka, 'kafka.Kafka', [configFile], {
    quickStart: false,
    heap: options.heap ?? '512m',
    log4j: kafka.brokerLog4j,
    classArchive: true,
  });
  const child = spawn('java', launch.argv, { stdio: ['ignore', out, out] });
  closeSync(out);
  trackChild(child);
  const spawned = performance.now();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      launch.settle(signal);
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('apache-kafka: java did not start');

  const stop = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (exited !== undefined) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(timer);
  };
  const cleanUp = async (): Promise<void> => {
    await stop('SIGTERM', 30_000);
    await rm(workDir, { recursive: true, force: true });
  };

  const deadline = performance.now() + (options.startTimeoutMs ?? 90_000);
  for (;;) {
    if (exited !== undefined) {
      const output = tail(outputFile);
      await rm(workDir, { recursive: true, force: true });
      if (output.includes('Address already in use')) throw new PortInUse(output);
      throw new Error(`apache-kafka: the broker exited (${exited.code ?? exited.signal}) before it was ready:\n${output}`);
    }
    try {
      const metadata = await fetchMetadata('127.0.0.1', port, 2_000);
      if (metadata.brokers.some((b) => b.nodeId === 1)) break;
    } catch {
      // Not listening or not registered yet.
    }
    if (performance.now() > deadline) {
      const output = tail(outputFile);
      await stop('SIGKILL', 0);
      await rm(workDir, { recursive: true, force: true });
      throw new Error(`apache-kafka: no Metadata answer on port ${port} in time:\n${output}`);
    }
    await sleep(100);
  }

  return {
    bootstrap: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    pid,
    logDir,
    clusterId: readClusterId(logDir),
    version: kafka.version,
    outputFile,
    startMs: Math.round(performance.now() - spawned),
    close: cleanUp,
    kill9: () => stop('SIGKILL', 0),
  };
}

/**
 * Formats storage, writes server.properties, starts `java kafka.Kafka server.properties` and waits
 * until the broker answers Metadata listing itself. Ports picked here can be taken by someone else
 * before the JVM binds them; such a start is retried on new ports.
 */
export async function startApacheKafka(options: ApacheKafkaOptions = {}): Promise<RunningApacheKafka> {
  const kafka = installApacheKafka();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(kafka, options);
    } catch (error) {
      if (!(error instanceof PortInUse) || attempt >= 3 || options.port !== undefined) throw error;
    }
  }
}
