import { fileURLToPath } from 'node:url';
import { installApacheKafka } from '../../../scripts/peers/apache-kafka.ts';
import { compileJavaClient } from '../java/java-client.ts';
import { javaLaunch } from '../../peers/jvm.ts';
import { MemberProcess, type MemberConfig } from './member-harness.ts';

/**
 * JavaGroupMember.java (beside this file) as a member process: Java kafka-clients 4.3, the reference
 * implementation of the classic protocol's assignors (CooperativeStickyAssignor, KIP-429) and of
 * static membership. Compiled once per source and Kafka version into `.peers/` by java-client.ts's
 * compileJavaClient.
 */
const SOURCE = fileURLToPath(new URL('JavaGroupMember.java', import.meta.url));

/** Java's names for the assignors librdkafka calls `range` and `cooperative-sticky`. */
const ASSIGNORS: Readonly<Record<string, string>> = {
  range: 'org.apache.kafka.clients.consumer.RangeAssignor',
  'cooperative-sticky': 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
};

/** Starts a Java member with the same configuration a confluent_member.py member takes. */
export function startJavaMember(config: MemberConfig): MemberProcess {
  const kafka = installApacheKafka();
  const jar = compileJavaClient(SOURCE);
  const args = [config.bootstrap, config.topic, config.group, config.client, '--commit', config.commit ?? 'manual'];
  if (config.strategy !== undefined) args.push('--assignor', ASSIGNORS[config.strategy] ?? config.strategy);
  if (config.instance !== undefined) args.push('--instance', config.instance);
  if (config.session_ms !== undefined) args.push('--session-ms', String(config.session_ms));
  // No class-data archive: a member is killed or closed mid-run, and an archive is only dumped by a JVM that exits whole.
  const launch = javaLaunch(kafka, 'JavaGroupMember', args, { classpath: [jar], quickStart: true });
  return new MemberProcess(config.client, 'java', launch.argv, { stop: 'stdin-eof' });
}
