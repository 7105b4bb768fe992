import { setTimeout as sleep } from 'node:timers/promises';
import type { Broker } from './brokers.ts';
import type { Figures, System } from './figures.ts';
import type { Plan } from './plan.ts';
import { cpuSeconds, memory, resetPeak } from './proc-stats.ts';
import { runRdkafkaLoad } from './rdkafka-load.ts';
import { consumerPerformance, createTopic, deleteTopic, endToEndLatency, producerPerformance, type ProduceSpec } from './tools.ts';

/**
 * The workloads, each run the same way against whichever broker is up: a warm-up run whose figures
 * are dropped, then plan.runs measured runs.
 */

export interface ProduceCase {
  readonly recordSize: 100 | 1024;
  readonly acks: '0' | '1' | 'all';
  readonly partitions: 1 | 16;
}

const sizeName = (size: number): string => (size === 1024 ? '1 KiB' : `${size} B`);
export const produceId = (c: ProduceCase): string => `produce ${sizeName(c.recordSize)} acks=${c.acks} ${c.partitions}p`;

/** The full matrix of the issue: two record sizes, acks=1 and all, one and sixteen partitions. */
export function produceMatrix(): ProduceCase[] {
  const cases: ProduceCase[] = [];
  for (const recordSize of [100, 1024] as const)
    for (const acks of ['1', 'all'] as const) for (const partitions of [1, 16] as const) cases.push({ recordSize, acks, partitions });
  return cases;
}

let topicSeq = 0;
const freshTopic = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${topicSeq++}`;

function recordsFor(plan: Plan, size: number): number {
  return size === 1024 ? plan.records1KiB : plan.records100B;
}

async function guarded(figures: Figures, system: System, id: string, title: string, unit: string, better: 'higher' | 'lower', body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`  ${id} failed on ${system}: ${message.split('\n').slice(0, 6).join('\n')}`);
    figures.fail(system, id, title, unit, better, message.slice(0, 2000));
  }
}

/**
 * Runs once on a freshly started broker before anything is measured: Kafka's JIT needs a few hundred
 * MB of traffic before its code paths are compiled, and Gregor's V8 likewise; the per-figure warm-up
 * runs alone would leave the first figures of a session measuring a cold broker.
 */
export async function warmBroker(broker: Broker, plan: Plan): Promise<void> {
  for (const [recordSize, records, partitions] of [[1024, plan.records1KiB, 16], [100, plan.records100B / 2, 1]] as const) {
    const topic = freshTopic('warm-up');
    await createTopic(broker.bootstrap, topic, partitions);
    await producerPerformance(broker.bootstrap, { topic, records, recordSize, throughput: -1, acks: '1' }, plan.toolTimeoutMs);
    await consumerPerformance(broker.bootstrap, topic, records, plan.toolTimeoutMs);
    await deleteTopic(broker.bootstrap, topic);
  }
}

/** Max-rate produce (ProducerPerformance --throughput -1) with the broker's CPU per GB around each run. */
export async function runProduce(broker: Broker, system: System, plan: Plan, figures: Figures, c: ProduceCase): Promise<void> {
  const id = produceId(c);
  await guarded(figures, system, `${id}: MiB/s`, `${id}, max rate`, 'MiB/s', 'higher', async () => {
    const records = recordsFor(plan, c.recordSize);
    for (let run = 0; run <= plan.runs; run++) {
      const warmUp = run === 0;
      const topic = freshTopic('produce');
      await createTopic(broker.bootstrap, topic, c.partitions);
      const spec: ProduceSpec = { topic, records: warmUp ? Math.ceil(records / 4) : records, recordSize: c.recordSize, throughput: -1, acks: c.acks };
      const cpu0 = cpuSeconds(broker.pid);
      const r = await producerPerformance(broker.bootstrap, spec, plan.toolTimeoutMs);
      const cpu = cpuSeconds(broker.pid) - cpu0;
      await deleteTopic(broker.bootstrap, topic);
      const gb = (r.records * c.recordSize) / 1e9;
      console.log(`  ${system} ${id}${warmUp ? ' (warm-up)' : ''}: ${r.mibPerSec} MiB/s, ${Math.round(r.recordsPerSec)} rec/s, p99 ${r.p99Ms} ms, broker CPU ${(cpu / gb).toFixed(2)} s/GB`);
      if (warmUp) continue;
      figures.add(system, `${id}: MiB/s`, `${id}, max rate`, 'MiB/s', 'higher', r.mibPerSec);
      figures.add(system, `${id}: records/s`, `${id}, max rate`, 'records/s', 'higher', r.recordsPerSec);
      figures.add(system, `${id}: CPU s/GB`, `${id}, broker CPU per GB produced`, 'CPU s/GB', 'lower', cpu / gb);
    }
  });
}

/** The librdkafka generator's cases: the two shapes where the JVM producer is slowest to feed a broker. */
export const RDKAFKA_CASES: readonly ProduceCase[] = [
  { recordSize: 100, acks: '1', partitions: 1 },
  { recordSize: 1024, acks: '1', partitions: 16 },
];

export const rdkafkaProduceId = (c: ProduceCase): string => `librdkafka ${produceId(c)}`;

const rdkafkaRecordsFor = (plan: Plan, size: number): number => (size === 1024 ? plan.rdkafkaRecords1KiB : plan.rdkafkaRecords100B);

/** Max-rate produce with bench/rdkafka-load (librdkafka's defaults: linger.ms 5, batches up to 1 MB). */
export async function runRdkafkaProduce(broker: Broker, system: System, plan: Plan, figures: Figures, binary: string, c: ProduceCase): Promise<void> {
  const id = rdkafkaProduceId(c);
  await guarded(figures, system, `${id}: MiB/s`, `${id}, max rate`, 'MiB/s', 'higher', async () => {
    for (let run = 0; run <= plan.runs; run++) {
      const warmUp = run === 0;
      const records = warmUp ? Math.ceil(rdkafkaRecordsFor(plan, c.recordSize) / 4) : rdkafkaRecordsFor(plan, c.recordSize);
      const topic = freshTopic('rdkafka');
      await createTopic(broker.bootstrap, topic, c.partitions);
      const cpu0 = cpuSeconds(broker.pid);
      const r = await runRdkafkaLoad(binary, ['produce', broker.bootstrap, topic, String(records), String(c.recordSize), c.acks], plan.toolTimeoutMs);
      const cpu = cpuSeconds(broker.pid) - cpu0;
      await deleteTopic(broker.bootstrap, topic);
      if (r.records !== records) throw new Error(`rdkafka-load: ${r.records} of ${records} records acknowledged`);
      const mibPerSec = r.bytes / 1048576 / r.seconds;
      console.log(`  ${system} ${id}${warmUp ? ' (warm-up)' : ''}: ${mibPerSec.toFixed(1)} MiB/s, ${Math.round(r.records / r.seconds)} rec/s, broker CPU ${(cpu / (r.bytes / 1e9)).toFixed(2)} s/GB`);
      if (warmUp) continue;
      figures.add(system, `${id}: MiB/s`, `${id}, max rate`, 'MiB/s', 'higher', mibPerSec);
      figures.add(system, `${id}: records/s`, `${id}, max rate`, 'records/s', 'higher', r.records / r.seconds);
      figures.add(system, `${id}: CPU s/GB`, `${id}, broker CPU per GB produced`, 'CPU s/GB', 'lower', cpu / (r.bytes / 1e9));
    }
  });
}

/**
 * The generator's own ceiling: the same produce against librdkafka's in-process mock cluster, which
 * acknowledges from memory. Median records/s over the plan's runs, after one warm-up.
 */
export async function rdkafkaCeiling(plan: Plan, binary: string, c: ProduceCase): Promise<number[]> {
  const rates: number[] = [];
  for (let run = 0; run <= plan.runs; run++) {
    const r = await runRdkafkaLoad(binary, ['mock', String(rdkafkaRecordsFor(plan, c.recordSize)), String(c.recordSize), String(c.partitions)], plan.toolTimeoutMs);
    if (run > 0) rates.push(r.records / r.seconds);
  }
  return rates;
}

/** Max-rate consume of a backlog of 1 KiB records on sixteen partitions (ConsumerPerformance, then rdkafka-load). */
export async function runConsume(broker: Broker, system: System, plan: Plan, figures: Figures, rdkafka: string): Promise<void> {
  const id = `consume ${plan.backlogMiB} MiB backlog, 1 KiB records, 16p`;
  await guarded(figures, system, `${id}: MiB/s`, id, 'MiB/s', 'higher', async () => {
    const topic = freshTopic('backlog');
    const records = plan.backlogMiB * 1024;
    await createTopic(broker.bootstrap, topic, 16);
    const fill = await producerPerformance(broker.bootstrap, { topic, records, recordSize: 1024, throughput: -1, acks: '1' }, plan.toolTimeoutMs * 3);
    console.log(`  ${system} backlog of ${records} records written at ${fill.mibPerSec} MiB/s`);
    resetPeak(broker.pid);
    for (let run = 0; run <= plan.runs; run++) {
      const warmUp = run === 0;
      const cpu0 = cpuSeconds(broker.pid);
      const r = await consumerPerformance(broker.bootstrap, topic, records, plan.toolTimeoutMs * 2);
      const cpu = cpuSeconds(broker.pid) - cpu0;
      const gb = (records * 1024) / 1e9;
      console.log(`  ${system} ${id}${warmUp ? ' (warm-up)' : ''}: ${r.fetchMibPerSec} MiB/s (join ${r.rebalanceMs} ms), broker CPU ${(cpu / gb).toFixed(2)} s/GB`);
      if (r.records < records) throw new Error(`ConsumerPerformance read ${r.records} of ${records} records`);
      if (warmUp) continue;
      figures.add(system, `${id}: MiB/s`, id, 'MiB/s', 'higher', r.fetchMibPerSec);
      figures.add(system, `${id}: CPU s/GB`, `${id}, broker CPU per GB fetched`, 'CPU s/GB', 'lower', cpu / gb);
    }
    figures.add(system, 'peak RSS during consume', 'broker peak RSS while consuming', 'MiB', 'lower', memory(broker.pid).peakMiB);
    await runRdkafkaConsume(broker, system, plan, figures, rdkafka, topic, records);
    await deleteTopic(broker.bootstrap, topic);
  });
}

/** The same backlog read by rdkafka-load: every partition assigned from the beginning, no group. */
async function runRdkafkaConsume(broker: Broker, system: System, plan: Plan, figures: Figures, binary: string, topic: string, records: number): Promise<void> {
  const id = `librdkafka consume ${plan.backlogMiB} MiB backlog, 1 KiB records, 16p`;
  await guarded(figures, system, `${id}: MiB/s`, id, 'MiB/s', 'higher', async () => {
    for (let run = 0; run <= plan.runs; run++) {
      const warmUp = run === 0;
      const cpu0 = cpuSeconds(broker.pid);
      const r = await runRdkafkaLoad(binary, ['consume', broker.bootstrap, topic, String(records)], plan.toolTimeoutMs * 2);
      const cpu = cpuSeconds(broker.pid) - cpu0;
      if (r.records < records) throw new Error(`rdkafka-load read ${r.records} of ${records} records`);
      const gb = r.bytes / 1e9;
      const mibPerSec = r.bytes / 1048576 / r.seconds;
      console.log(`  ${system} ${id}${warmUp ? ' (warm-up)' : ''}: ${mibPerSec.toFixed(0)} MiB/s, broker CPU ${(cpu / gb).toFixed(2)} s/GB`);
      if (warmUp) continue;
      figures.add(system, `${id}: MiB/s`, id, 'MiB/s', 'higher', mibPerSec);
      figures.add(system, `${id}: CPU s/GB`, `${id}, broker CPU per GB fetched`, 'CPU s/GB', 'lower', cpu / gb);
    }
  });
}

/**
 * End-to-end latency under load: ProducerPerformance sends 1 KiB records at `rate` (half the max)
 * with linger.ms=0 to one topic while EndToEndLatency times single records round trip on another.
 * Both generators' percentiles are kept: the producer's ack latency and the probe's end to end.
 */
export async function runLatency(broker: Broker, system: System, plan: Plan, figures: Figures, rate: number): Promise<void> {
  const id = `latency at ${Math.round(rate)} rec/s of 1 KiB, acks=1, linger.ms=0`;
  await guarded(figures, system, `${id}: e2e p50`, id, 'ms', 'lower', async () => {
    for (let run = 0; run <= plan.runs; run++) {
      const warmUp = run === 0;
      const load = freshTopic('lat-load');
      const probe = freshTopic('lat-probe');
      await createTopic(broker.bootstrap, load, 1);
      await createTopic(broker.bootstrap, probe, 1);
      const seconds = warmUp ? Math.min(plan.latencyLoadSeconds, 8) : plan.latencyLoadSeconds;
      const loading = producerPerformance(
        broker.bootstrap,
        { topic: load, records: Math.round(rate * seconds), recordSize: 1024, throughput: Math.round(rate), acks: '1', props: { 'linger.ms': '0' } },
        plan.toolTimeoutMs + seconds * 2000,
      );
      // Let the load generator's JVM start and reach its rate before the probe starts timing.
      await sleep(2_000);
      const e2e = await endToEndLatency(broker.bootstrap, probe, warmUp ? Math.ceil(plan.probeRecords / 4) : plan.probeRecords, 1024, plan.toolTimeoutMs);
      const ack = await loading;
      await deleteTopic(broker.bootstrap, load);
      await deleteTopic(broker.bootstrap, probe);
      console.log(`  ${system} ${id}${warmUp ? ' (warm-up)' : ''}: e2e p50/p99/p99.9 ${e2e.p50Ms}/${e2e.p99Ms}/${e2e.p999Ms} ms; load ${Math.round(ack.recordsPerSec)} rec/s, ack p50/p99/p99.9 ${ack.p50Ms}/${ack.p99Ms}/${ack.p999Ms} ms`);
      if (warmUp) continue;
      const add = (what: string, v: number): void => {
        figures.add(system, `${id}: ${what}`, id, 'ms', 'lower', v);
        // Both tools report percentiles in whole milliseconds; the e2e average has four decimals.
        if (what !== 'e2e avg') figures.setResolution(`${id}: ${what}`, 1);
      };
      add('e2e avg', e2e.avgMs);
      add('e2e p50', e2e.p50Ms);
      add('e2e p99', e2e.p99Ms);
      add('e2e p99.9', e2e.p999Ms);
      add('ack p50', ack.p50Ms);
      add('ack p99', ack.p99Ms);
      add('ack p99.9', ack.p999Ms);
      figures.add(system, `${id}: achieved rate`, id, 'records/s', 'higher', ack.recordsPerSec);
    }
  });
}
