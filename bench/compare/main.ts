/**
 * `npm run bench:compare`: Gregor against Apache Kafka on this machine, with Kafka's own load
 * generators, one broker at a time, and a report of every figure with the ratio Gregor/Kafka.
 *
 *   npm run bench:compare               the full run (3 measured runs per figure, 1 GiB consume)
 *   npm run bench:compare -- --quick    one small run per figure, to check the harness works
 *
 * Writes bench/results/compare-latest.json and compare-latest.md (a --quick run: compare-quick.*, so a
 * smoke run never replaces real figures) and prints the Markdown.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installApacheKafka } from '../../scripts/peers/apache-kafka.ts';
import { freePort } from '../../test/peers/apache-kafka.ts';
import { startGregor, startKafka, SHARED_SETTINGS, type Broker } from './brokers.ts';
import { Figures, type System } from './figures.ts';
import { machineInfo } from './machine.ts';
import { FULL, QUICK, type Plan } from './plan.ts';
import { memory, resetPeak } from './proc-stats.ts';
import { renderReport, type CompareReport } from './report.ts';
import { timeToFirstAck } from './startup.ts';
import { installRdkafkaLoad } from './rdkafka-load.ts';
import {
  produceId,
  produceMatrix,
  rdkafkaCeiling,
  rdkafkaProduceId,
  RDKAFKA_CASES,
  runConsume,
  runLatency,
  runProduce,
  runRdkafkaProduce,
  warmBroker,
  type ProduceCase,
} from './workloads.ts';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const plan: Plan = process.argv.includes('--quick') ? QUICK : FULL;
const figures = new Figures();
const root = mkdtempSync(join(tmpdir(), 'bench-compare-'));
const began = performance.now();
const phaseSeconds: Record<string, number> = {};

type Start = (logDir: string, port?: number) => Promise<Broker>;
const kafka: Start = (logDir, port) => startKafka({ logDir, ...(port === undefined ? {} : { port }) });
const gregor = (flushOnAckAll: boolean): Start => (logDir, port) => startGregor({ logDir, flushOnAckAll, ...(port === undefined ? {} : { port }) });

async function phase(name: string, body: () => Promise<void>): Promise<void> {
  console.log(`\n== ${name}`);
  const t0 = performance.now();
  try {
    await body();
  } catch (error) {
    console.error(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  phaseSeconds[name] = Math.round((performance.now() - t0) / 1000);
}

/**
 * A first start on an empty folder (Kafka also formats it), closed; then timed restarts on it, so
 * both systems start from a data folder holding only the probe topic and with warm file caches.
 */
async function startup(system: System, start: Start): Promise<void> {
  const logDir = join(root, `${system}-startup`);
  await (await start(logDir)).close();
  for (let run = 0; run < plan.startupRuns; run++) {
    const port = await freePort();
    const { result, broker } = await timeToFirstAck(port, () => start(logDir, port));
    await broker.close();
    console.log(`  ${system}: first ack ${result.firstAckMs} ms after spawn, RSS then ${result.rssMiB.toFixed(0)} MiB`);
    figures.add(system, 'start to first ack', 'process spawn to first acknowledged produce (kcat)', 'ms', 'lower', result.firstAckMs);
    figures.add(system, 'RSS after start', 'broker RSS just after the first ack', 'MiB', 'lower', result.rssMiB);
  }
}

async function session(system: System, start: Start, body: (broker: Broker) => Promise<void>): Promise<void> {
  const logDir = join(root, `${system}-data`);
  const broker = await start(logDir);
  try {
    await warmBroker(broker, plan);
    await body(broker);
  } finally {
    await broker.close();
    rmSync(logDir, { recursive: true, force: true });
  }
}

async function produceAll(broker: Broker, system: System, cases: readonly ProduceCase[], rdkafkaCases: readonly ProduceCase[] = []): Promise<void> {
  resetPeak(broker.pid);
  for (const c of cases) await runProduce(broker, system, plan, figures, c);
  for (const c of rdkafkaCases) await runRdkafkaProduce(broker, system, plan, figures, rdkafka, c);
  figures.add(system, 'peak RSS during produce', 'broker peak RSS while producing (Gregor without fsync: acks=all runs only)', 'MiB', 'lower', memory(broker.pid).peakMiB);
}

/** acks=0 at max rate: no broker answer to wait for, the nearest this box has to the generator's own ceiling. */
const CEILING: readonly ProduceCase[] = [
  { recordSize: 100, acks: '0', partitions: 1 },
  { recordSize: 1024, acks: '0', partitions: 1 },
];
const matrix = produceMatrix();

installApacheKafka({ log: (line) => console.log(line) });
const rdkafka = installRdkafkaLoad((line) => console.log(line));
console.log(`bench:compare (${plan.name}) in ${root}`);

const ceilings: Record<string, number[]> = {};
await phase('load generator ceiling (librdkafka mock cluster)', async () => {
  for (const c of RDKAFKA_CASES) {
    ceilings[`${rdkafkaProduceId(c)}: records/s`] = await rdkafkaCeiling(plan, rdkafka, c);
    console.log(`  ${rdkafkaProduceId(c)} against the mock cluster: ${ceilings[`${rdkafkaProduceId(c)}: records/s`]!.map(Math.round).join(', ')} records/s`);
  }
});

await phase('kafka: startup', () => startup('kafka', kafka));
await phase('kafka: produce and consume', () =>
  session('kafka', kafka, async (b) => {
    await produceAll(b, 'kafka', [...matrix, ...CEILING], RDKAFKA_CASES);
    await runConsume(b, 'kafka', plan, figures, rdkafka);
  }));
await phase('gregor: startup', () => startup('gregor', gregor(true)));
await phase('gregor (flush.on.ack.all=false): acks=all produce', () =>
  session('gregor-noflush', gregor(false), (b) => produceAll(b, 'gregor-noflush', matrix.filter((c) => c.acks === 'all'))));

// Both systems get the same offered load: half the lower of their max rates for 1 KiB, acks=1, one
// partition; and both are measured on a broker started for it (after the same warm-up), not on one
// that has just written and read the 1 GiB backlog.
let latencyRate = 0;
await phase('gregor: produce and consume', () =>
  session('gregor', gregor(true), async (b) => {
    await produceAll(b, 'gregor', [...matrix, ...CEILING], RDKAFKA_CASES);
    await runConsume(b, 'gregor', plan, figures, rdkafka);
  }));
{
  const id = `${produceId({ recordSize: 1024, acks: '1', partitions: 1 })}: records/s`;
  const maxima = [figures.median('kafka', id), figures.median('gregor', id)].filter((v): v is number => v !== undefined);
  latencyRate = maxima.length === 0 ? 5_000 : Math.min(...maxima) / 2;
}
await phase('gregor: latency', () => session('gregor', gregor(true), (b) => runLatency(b, 'gregor', plan, figures, latencyRate)));
await phase('kafka: latency', () => session('kafka', kafka, (b) => runLatency(b, 'kafka', plan, figures, latencyRate)));

rmSync(root, { recursive: true, force: true });
const totalSeconds = Math.round((performance.now() - began) / 1000);
const report: CompareReport & { readonly sharedBrokerSettings: typeof SHARED_SETTINGS } = {
  machine: machineInfo(),
  mode: plan.name,
  plan,
  sharedBrokerSettings: SHARED_SETTINGS,
  latencyRate: Math.round(latencyRate),
  ceilings,
  totalSeconds,
  phaseSeconds,
  figures: figures.all,
};

const md = renderReport(report);
mkdirSync(RESULTS, { recursive: true });
const base = plan.name === 'quick' ? 'compare-quick' : 'compare-latest';
writeFileSync(join(RESULTS, `${base}.json`), JSON.stringify(report, null, 2) + '\n');
writeFileSync(join(RESULTS, `${base}.md`), md);
console.log('\n' + md);
// A peer left running by a failed phase must not keep this process alive.
process.exit(0);
