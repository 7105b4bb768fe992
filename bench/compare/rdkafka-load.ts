import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERS_DIR } from '../../scripts/peers/apache-kafka.ts';

/**
 * The librdkafka load generator (bench/rdkafka-load/rdkafka-load.c): built here with gcc against
 * Debian's librdkafka-dev, which this installs when missing (the machines run as root on Debian).
 * The binary lands in `.peers/rdkafka-load-<hash of the source>`, so a changed source rebuilds and
 * an unchanged one is built once.
 */
const SOURCE = fileURLToPath(new URL('../rdkafka-load/rdkafka-load.c', import.meta.url));

function dpkgInstalled(name: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

export function installRdkafkaLoad(log: (line: string) => void): string {
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 12);
  const binary = join(PEERS_DIR, `rdkafka-load-${hash}`);
  if (existsSync(binary)) return binary;
  if (!dpkgInstalled('librdkafka-dev')) {
    log('rdkafka-load: apt-get install librdkafka-dev');
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'librdkafka-dev'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error('rdkafka-load: apt-get install librdkafka-dev failed');
  }
  mkdirSync(PEERS_DIR, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', partial, SOURCE, '-lrdkafka'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`rdkafka-load: gcc failed:\n${cc.stderr}`);
  renameSync(partial, binary);
  log(`rdkafka-load: built ${binary}`);
  return binary;
}

/** One phase's report line (see rdkafka-load.c). */
export interface RdkafkaPhase {
  readonly phase: 'produce' | 'consume' | 'mock-produce';
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly errors: number;
  readonly firstError: string;
}

/** Runs the generator and returns its report; throws when it fails or any record failed. */
export function runRdkafkaLoad(binary: string, args: readonly string[], timeoutMs: number): Promise<RdkafkaPhase> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      const failure = `rdkafka-load ${args.join(' ')}: exit ${code ?? signal}\n${stdout}\n${stderr}`;
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(failure));
      const report = JSON.parse(line) as RdkafkaPhase;
      if (report.errors > 0) return reject(new Error(`${failure}\n${report.errors} errors, first: ${report.firstError}`));
      resolve(report);
    });
  });
}
