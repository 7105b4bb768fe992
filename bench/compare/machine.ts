import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { KAFKA_VERSION } from '../../scripts/peers/apache-kafka.ts';

/** What the figures were measured on and with: numbers are never quoted without it. */

/** The first line of a command's output; through sh because `java -version` and `kcat -V` write to stderr. */
function firstLine(shellCommand: string): string {
  try {
    return execFileSync('sh', ['-c', `${shellCommand} 2>&1 | head -1`], { encoding: 'utf8' }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): Record<string, string | number> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    'load average (1/5/15 min) at the end': os.loadavg().map((l) => l.toFixed(2)).join(' / '),
    gregor: `${pkg.version} (${firstLine('git rev-parse --short HEAD')})`,
    node: process.version,
    kafka: KAFKA_VERSION,
    java: firstLine('java -version'),
    kcat: firstLine('kcat -V | grep -i librdkafka'),
  };
}
