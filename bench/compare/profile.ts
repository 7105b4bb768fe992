/**
 * CPU profiles of Gregor's produce path and fetch path under the same load as bench:compare, taken
 * with `node --cpu-prof` on the broker process (two processes, so each profile holds one path):
 *
 *   node bench/compare/profile.ts [--quick]
 *
 * Writes bench/results/compare-profile.md (the top costs of each) and keeps the .cpuprofile files in
 * a temp folder it names, for Chrome DevTools or speedscope.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGregor } from './brokers.ts';
import { FULL, QUICK } from './plan.ts';
import { summarizeProfile } from './profile-summary.ts';
import { consumerPerformance, createTopic, producerPerformance } from './tools.ts';
import { warmBroker } from './workloads.ts';

const plan = process.argv.includes('--quick') ? QUICK : FULL;
const root = mkdtempSync(join(tmpdir(), 'bench-compare-profile-'));
const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));

function profiled(name: string): readonly string[] {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

function profileFile(name: string): string {
  const file = readdirSync(join(root, name)).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile written for ${name}`);
  return join(root, name, file);
}

// Produce: the max-rate cases that stress the path most (many small records, and 1 KiB on 16 partitions).
const logDir = join(root, 'data');
const producing = await startGregor({ logDir, flushOnAckAll: false, nodeFlags: profiled('produce') });
await warmBroker(producing, plan);
for (const [recordSize, records, partitions] of [[100, plan.records100B, 1], [1024, plan.records1KiB, 16]] as const) {
  const topic = `profile-produce-${recordSize}-${partitions}`;
  await createTopic(producing.bootstrap, topic, partitions);
  const r = await producerPerformance(producing.bootstrap, { topic, records, recordSize, throughput: -1, acks: '1' }, plan.toolTimeoutMs);
  console.log(`produce ${recordSize} B ${partitions}p: ${r.mibPerSec} MiB/s`);
}
// The backlog for the fetch profile is written by this same (produce-profiled) process.
const backlog = 'profile-backlog';
const backlogRecords = plan.backlogMiB * 512;
await createTopic(producing.bootstrap, backlog, 16);
await producerPerformance(producing.bootstrap, { topic: backlog, records: backlogRecords, recordSize: 1024, throughput: -1, acks: '1' }, plan.toolTimeoutMs * 2);
await producing.close();

// Fetch: a restart on the same data, then only consumers.
const fetching = await startGregor({ logDir, flushOnAckAll: false, nodeFlags: profiled('fetch') });
for (let run = 0; run < 3; run++) {
  const r = await consumerPerformance(fetching.bootstrap, backlog, backlogRecords, plan.toolTimeoutMs);
  console.log(`consume ${backlogRecords} records of 1 KiB, 16p: ${r.fetchMibPerSec} MiB/s`);
}
await fetching.close();

const md = [
  `# Gregor CPU profiles under bench:compare load (${plan.name})`,
  '',
  `${new Date().toISOString()}. Profiles kept in ${root}.`,
  '',
  `## Produce path (ProducerPerformance, acks=1, max rate: ${plan.records100B} × 100 B on 1 partition, ${plan.records1KiB} × 1 KiB on 16, plus a ${plan.backlogMiB / 2} MiB backlog; warm-up included)`,
  '',
  summarizeProfile(profileFile('produce')),
  '',
  `## Fetch path (ConsumerPerformance, 3 × ${backlogRecords} records of 1 KiB on 16 partitions, after a restart)`,
  '',
  summarizeProfile(profileFile('fetch')),
].join('\n');
mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'compare-profile.md'), md + '\n');
console.log(md);
process.exit(0);
