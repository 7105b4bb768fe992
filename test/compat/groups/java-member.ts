import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installApacheKafka, PEERS_DIR } from '../../../scripts/peers/apache-kafka.ts';
import { javaLaunch } from '../../peers/jvm.ts';
import { MemberProcess, type MemberConfig } from './member-harness.ts';

/**
 * JavaGroupMember.java (beside this file) as a member process: Java kafka-clients 4.3, the reference
 * implementation of the classic protocol's assignors (CooperativeStickyAssignor, KIP-429) and of
 * static membership. Compiled once per source and Kafka version into `.peers/java-group-member-<hash>/`,
 * the way test/compat/java/java-client.ts builds its client (kept apart so the two harnesses can
 * change independently).
 */
const SOURCE = fileURLToPath(new URL('JavaGroupMember.java', import.meta.url));

function compileJavaGroupMember(): string {
  const kafka = installApacheKafka();
  const hash = createHash('sha256').update(readFileSync(SOURCE)).update(kafka.version).digest('hex').slice(0, 16);
  const home = join(PEERS_DIR, `java-group-member-${hash}`);
  const jar = join(home, 'java-group-member.jar');
  if (existsSync(jar)) return jar;
  // Built privately and renamed into place: two test files compiling at once never share a half-written jar.
  const staging = `${home}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(join(staging, 'classes'), { recursive: true });
  try {
    const clients = join(kafka.lib, `kafka-clients-${kafka.version}.jar`);
    const steps: Array<[string, string[]]> = [
      ['javac', ['--release', '17', '-encoding', 'UTF-8', '-cp', clients, '-d', join(staging, 'classes'), SOURCE]],
      ['jar', ['--create', '--file', join(staging, 'java-group-member.jar'), '-C', join(staging, 'classes'), '.']],
    ];
    for (const [cmd, args] of steps) {
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`${cmd} for JavaGroupMember.java failed:\n${r.stdout}${r.stderr}${r.error === undefined ? '' : String(r.error)}`);
    }
    try {
      renameSync(staging, home);
    } catch (error) {
      if (!existsSync(jar)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return jar;
}

/** Java's names for the assignors librdkafka calls `range` and `cooperative-sticky`. */
const ASSIGNORS: Readonly<Record<string, string>> = {
  range: 'org.apache.kafka.clients.consumer.RangeAssignor',
  'cooperative-sticky': 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
};

/** Starts a Java member with the same configuration a confluent_member.py member takes. */
export function startJavaMember(config: MemberConfig): MemberProcess {
  const kafka = installApacheKafka();
  const jar = compileJavaGroupMember();
  const args = [config.bootstrap, config.topic, config.group, config.client, '--commit', config.commit ?? 'manual'];
  if (config.strategy !== undefined) args.push('--assignor', ASSIGNORS[config.strategy] ?? config.strategy);
  if (config.instance !== undefined) args.push('--instance', config.instance);
  if (config.session_ms !== undefined) args.push('--session-ms', String(config.session_ms));
  // No class-data archive: a member is killed or closed mid-run, and an archive is only dumped by a JVM that exits whole.
  const launch = javaLaunch(kafka, 'JavaGroupMember', args, { classpath: [jar], quickStart: true });
  return new MemberProcess(config.client, 'java', launch.argv, { stop: 'stdin-eof' });
}
