import { setTimeout as sleep } from 'node:timers/promises';
import { runProcess } from '../../test/peers/run-process.ts';
import type { Broker } from './brokers.ts';
import { memory } from './proc-stats.ts';

/**
 * Time from spawning a broker to its first acknowledged produce, as a client that starts together
 * with the broker sees it: kcat -P with one record, retried until it exits 0. kcat fails at once
 * while the port is closed, and waits up to message.timeout.ms while the broker is up but not yet
 * able to take the record (Kafka registering with its controller, the topic being auto-created).
 */
export interface StartupResult {
  readonly firstAckMs: number;
  /** The broker's resident set just after that ack, MiB. */
  readonly rssMiB: number;
}

async function produceOne(bootstrap: string, topic: string): Promise<boolean> {
  const r = await runProcess(
    'kcat',
    ['-P', '-b', bootstrap, '-t', topic, '-X', 'message.timeout.ms=5000', '-X', 'acks=1', '-X', 'enable.idempotence=false'],
    { input: 'x\n', timeoutMs: 10_000 },
  );
  // kcat exits 0 with the record undelivered when the broker drops the connection mid-way; stderr then says so.
  return r.code === 0 && !/Delivery failed|ERROR/.test(r.stderr);
}

export async function timeToFirstAck(port: number, start: () => Promise<Broker>): Promise<{ result: StartupResult; broker: Broker }> {
  const bootstrap = `127.0.0.1:${port}`;
  const t0 = performance.now();
  const starting = start();
  // A start that fails must end the probe loop too.
  let failed = false;
  starting.catch(() => {
    failed = true;
  });
  let firstAckMs: number | undefined;
  const deadline = t0 + 120_000;
  while (firstAckMs === undefined && !failed && performance.now() < deadline) {
    if (await produceOne(bootstrap, 'startup-probe')) firstAckMs = Math.round(performance.now() - t0);
    else await sleep(10);
  }
  const broker = await starting;
  if (firstAckMs === undefined) {
    await broker.close();
    throw new Error(`${broker.label}: no acknowledged produce within 120 s of its start`);
  }
  return { result: { firstAckMs, rssMiB: memory(broker.pid).rssMiB }, broker };
}
