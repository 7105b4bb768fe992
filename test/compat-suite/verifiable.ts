import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBrokerProcess, type BrokerProcess } from '../compat/helpers/broker-process.ts';
import { runKafkaTool } from '../peers/kafka-tools.ts';

/**
 * Kafka's own system-test tools (org.apache.kafka.tools.VerifiableProducer / VerifiableConsumer)
 * against `gregor server`: an idempotent acks=all producer keeps sending while the broker is killed
 * with SIGKILL and restarted on the same data and port, twice; then a group of consumers must see
 * every acknowledged record at the offset its acknowledgement named, with the value it was sent with.
 * Both tools print one JSON event per line on stdout; we read only those.
 */

const TOPIC = 'verifiable';
const PARTITIONS = 3;
const MESSAGES = 3000;
const THROUGHPUT = 200;
const CONSUMERS = 3;

export interface VerifiableRun {
  readonly ok: boolean;
  readonly acked: number;
  readonly sendErrors: number;
  readonly consumed: number;
  readonly missing: number;
  readonly mismatched: number;
  readonly duplicateAcks: number;
  readonly restarts: number;
  readonly problems: readonly string[];
  readonly ms: number;
}

interface ToolEvent {
  readonly name?: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly value?: string;
}

function events(stdout: string): ToolEvent[] {
  return stdout.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as ToolEvent];
    } catch {
      return [];
    }
  });
}

export async function runVerifiable(options: { readonly log?: (s: string) => void; readonly consumers?: number } = {}): Promise<VerifiableRun> {
  const log = options.log ?? ((s: string) => console.log(s));
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'gregor-verifiable-'));
  const problems: string[] = [];
  let broker: BrokerProcess | undefined = await startBrokerProcess(join(dir, 'data'));
  const port = broker.port;
  const bootstrap = broker.bootstrap;
  let restarts = 0;
  try {
    const create = await runKafkaTool('kafka-topics', ['--bootstrap-server', bootstrap, '--create', '--topic', TOPIC, '--partitions', String(PARTITIONS), '--replication-factor', '1'], { timeoutMs: 60_000 });
    if (create.code !== 0) throw new Error(`kafka-topics --create failed:\n${create.stderr}`);

    const producerConfig = join(dir, 'producer.properties');
    // VerifiableProducer defaults retries to 0, which idempotence refuses. Retries must outlast a restart; request.timeout.ms short so a request sent to a dead broker is retried soon.
    writeFileSync(producerConfig, ['enable.idempotence=true', 'acks=all', 'retries=2147483647', 'delivery.timeout.ms=120000', 'request.timeout.ms=5000', 'retry.backoff.ms=200', 'max.in.flight.requests.per.connection=5', ''].join('\n'));
    log(`verifiable: producer sends ${MESSAGES} records at ${THROUGHPUT}/s to ${bootstrap}; two kill -9 restarts`);
    const producing = runKafkaTool(
      'kafka-verifiable-producer',
      ['--bootstrap-server', bootstrap, '--topic', TOPIC, '--max-messages', String(MESSAGES), '--throughput', String(THROUGHPUT), '--acks', '-1', '--command-config', producerConfig],
      { timeoutMs: 180_000 },
    );
    for (const at of [5_000, 6_000]) {
      await sleep(at);
      await broker.kill9();
      broker = undefined;
      await sleep(1_000);
      broker = await startBrokerProcess(join(dir, 'data'), port);
      restarts += 1;
      log(`verifiable: broker killed -9 and restarted (${restarts})`);
    }
    const produced = await producing;
    const sent = events(produced.stdout);
    const acks = sent.filter((e) => e.name === 'producer_send_success');
    const sendErrors = sent.filter((e) => e.name === 'producer_send_error').length;
    if (produced.timedOut) problems.push('producer did not finish in time');
    if (produced.code !== 0 && !produced.timedOut) problems.push(`producer exited ${produced.code}: ${produced.stderr.slice(-1500)}`);
    const acked = new Map<string, string>();
    let duplicateAcks = 0;
    for (const a of acks) {
      const key = `${a.partition}:${a.offset}`;
      if (acked.has(key)) duplicateAcks += 1;
      acked.set(key, a.value ?? '');
    }
    if (duplicateAcks > 0) problems.push(`${duplicateAcks} acknowledgements named an offset already acknowledged`);
    log(`verifiable: ${acks.length} acknowledged, ${sendErrors} send errors`);

    const consumers = await Promise.all(
      Array.from({ length: options.consumers ?? CONSUMERS }, () =>
        runKafkaTool(
          'kafka-verifiable-consumer',
          ['--bootstrap-server', bootstrap, '--topic', TOPIC, '--group-id', 'verifiable-group', '--group-protocol', 'classic', '--reset-policy', 'earliest', '--verbose'],
          // The tool runs until stopped; the bound is how long the group gets to read everything.
          { timeoutMs: 60_000 },
        ),
      ),
    );
    const seen = new Map<string, string>();
    for (const [i, c] of consumers.entries()) {
      const evs = events(c.stdout);
      const assigned = evs.filter((e) => e.name === 'partitions_assigned').map((e) => JSON.stringify((e as { partitions?: { partition: number }[] }).partitions?.map((p) => p.partition) ?? []));
      log(`verifiable: consumer ${i}: assignments ${assigned.join(' ') || 'none'}, ${evs.filter((e) => e.name === 'record_data').length} records`);
    }
    for (const c of consumers) for (const e of events(c.stdout)) if (e.name === 'record_data') seen.set(`${e.partition}:${e.offset}`, e.value ?? '');
    let missing = 0;
    let mismatched = 0;
    const missingByPartition = new Map<string, number[]>();
    for (const [key, value] of acked) {
      const got = seen.get(key);
      if (got === undefined) {
        missing += 1;
        const [partition = '', offset = ''] = key.split(':');
        missingByPartition.set(partition, [...(missingByPartition.get(partition) ?? []), Number(offset)]);
      } else if (got !== value) mismatched += 1;
    }
    // Tells "not in the log" from "in the log but not delivered": the log end offset after the restarts.
    const ends = new Map<string, number>();
    if (missingByPartition.size > 0) {
      const latest = await runKafkaTool('kafka-get-offsets', ['--bootstrap-server', bootstrap, '--topic', TOPIC, '--time', '-1'], { timeoutMs: 60_000 });
      for (const m of latest.stdout.matchAll(/^[^:\n]+:(\d+):(\d+)$/gm)) ends.set(m[1] ?? '', Number(m[2]));
    }
    for (const [partition, offsets] of missingByPartition) {
      const end = ends.get(partition);
      if (end !== undefined && end <= Math.max(...offsets)) problems.push(`partition ${partition}: log end offset is ${end} after the restarts, below acknowledged offset ${Math.max(...offsets)}: acknowledged records were lost`);
      const lastSeen = Math.max(-1, ...[...seen.keys()].filter((k) => k.startsWith(`${partition}:`)).map((k) => Number(k.split(':')[1])));
      problems.push(`partition ${partition}: ${offsets.length} acknowledged offsets not consumed (${Math.min(...offsets)}..${Math.max(...offsets)}); highest consumed ${lastSeen}`);
    }
    if (acks.length === 0) problems.push('no record was acknowledged');
    if (missing > 0) problems.push(`${missing} acknowledged records were not consumed`);
    if (mismatched > 0) problems.push(`${mismatched} records were consumed with another value than acknowledged`);
    log(`verifiable: ${options.consumers ?? CONSUMERS} consumers read ${seen.size} distinct records`);
    return { ok: problems.length === 0, acked: acks.length, sendErrors, consumed: seen.size, missing, mismatched, duplicateAcks, restarts, problems, ms: Date.now() - started };
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
    return { ok: false, acked: 0, sendErrors: 0, consumed: 0, missing: 0, mismatched: 0, duplicateAcks: 0, restarts, problems, ms: Date.now() - started };
  } finally {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
