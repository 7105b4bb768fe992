import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApacheKafka, type RunningApacheKafka } from '../../peers/apache-kafka.ts';
import type { TargetName } from '../../peers/target.ts';
import { startBrokerProcess, type BrokerProcess } from './broker-process.ts';

/**
 * A compat target in its own process, so a test can crash it for real (SIGKILL) and start it again
 * on the same data directory and port, then let clients ride through: Apache Kafka 4.3 (KRaft, one
 * node) or `gregor server`, with the single-node settings test/peers/target.ts uses.
 */
export interface RestartableBroker {
  readonly name: TargetName;
  /** Stays the same across restarts: clients keep their bootstrap address. */
  readonly bootstrap: string;
  /** SIGKILL the broker, wait until it is gone, start it again on the same data and port. */
  kill9AndRestart(): Promise<void>;
  /** The broker's log so far, for assertion messages. */
  output(): string;
  /** Stops the broker and removes its data. */
  close(): Promise<void>;
}

const GREGOR_OVERRIDES = ['group.initial.rebalance.delay.ms=0', 'offsets.topic.replication.factor=1'];

export async function startRestartableBroker(name: TargetName): Promise<RestartableBroker> {
  if (name === 'apache-kafka') {
    const first = await startApacheKafka();
    // Every incarnation has its own work folder; the first one's holds the data and is removed last.
    const incarnations: RunningApacheKafka[] = [first];
    const current = (): RunningApacheKafka => incarnations[incarnations.length - 1] as RunningApacheKafka;
    return {
      name,
      bootstrap: first.bootstrap,
      kill9AndRestart: async () => {
        await current().kill9();
        incarnations.push(await startApacheKafka({ logDir: first.logDir, port: first.port }));
      },
      output: () => `(Apache Kafka's log: ${current().outputFile})`,
      close: async () => {
        for (const k of incarnations.reverse()) await k.close();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'gregor-restartable-'));
  let broker: BrokerProcess = await startBrokerProcess(dir, 0, GREGOR_OVERRIDES);
  const { port, bootstrap } = broker;
  let earlier = '';
  return {
    name,
    bootstrap,
    kill9AndRestart: async () => {
      await broker.kill9();
      earlier += broker.output() + '\n--- kill -9, restart ---\n';
      broker = await startBrokerProcess(dir, port, GREGOR_OVERRIDES);
    },
    output: () => earlier + broker.output(),
    close: async () => {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
