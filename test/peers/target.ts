import { startBroker } from '../../src/broker/index.ts';
import { startApacheKafka } from './apache-kafka.ts';

/**
 * The broker a compat suite runs against. The same test file runs once per target, so a flow that
 * passes against Apache Kafka and fails against Gregor is a Gregor bug, not a harness bug.
 *
 * Default: both. GREGOR_COMPAT_TARGETS=gregor or =apache-kafka (comma-separated) chooses.
 *
 * Known gaps of a target are written down in `producerProperties` rather than skipped, so the rest
 * of a flow still runs against it; remove an entry when the gap closes.
 */
export const TARGET_NAMES = ['apache-kafka', 'gregor'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

const DEFAULT_TARGETS: readonly TargetName[] = ['apache-kafka', 'gregor'];

export interface Target {
  readonly name: TargetName;
  readonly bootstrap: string;
  readonly port: number;
  /** Producer configs every producer in a compat flow needs against this target (its known gaps). */
  readonly producerProperties: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Gregor's known producer gaps: none since InitProducerId and idempotent produce (issue #6); Java
 * producers run with their defaults (idempotent since Kafka 3.0, KIP-679).
 */
const GREGOR_GAPS: Readonly<Record<string, string>> = {};

export function compatTargets(): TargetName[] {
  const chosen = process.env['GREGOR_COMPAT_TARGETS'];
  if (chosen === undefined || chosen.trim() === '') return [...DEFAULT_TARGETS];
  return chosen.split(',').map((s) => {
    const name = s.trim();
    if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new Error(`GREGOR_COMPAT_TARGETS: unknown target '${name}' (know ${TARGET_NAMES.join(', ')})`);
    return name as TargetName;
  });
}

/**
 * Starts a fresh single-node broker of the given kind on 127.0.0.1 with an ephemeral port.
 * `properties`: broker properties both targets understand, set on either (e.g. faster KIP-848 heartbeats).
 */
export async function startTarget(name: TargetName, properties: Readonly<Record<string, string>> = {}): Promise<Target> {
  if (name === 'apache-kafka') {
    const kafka = await startApacheKafka({ overrides: properties });
    return { name, bootstrap: kafka.bootstrap, port: kafka.port, producerProperties: {}, close: () => kafka.close() };
  }
  // The single-node settings startApacheKafka also uses: internal topics with one replica, no
  // first-rebalance delay.
  const broker = await startBroker({ properties: { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.replication.factor': '1', ...properties } });
  return { name, bootstrap: broker.bootstrap, port: broker.port, producerProperties: GREGOR_GAPS, close: () => broker.close() };
}
