/**
 * `npm run compat`: the long third-party compatibility run, kept out of `npm test`.
 *
 *   1. franz-go's kgo integration tests against `gregor server` (test/compat-suite/franz-go.ts), with
 *      the known gaps in test/compat-suite/franz-go-allowlist.json;
 *   2. Kafka's VerifiableProducer/VerifiableConsumer through two kill -9 restarts (verifiable.ts);
 *   3. the test/compat/** suites (and the Java idempotence e2e test) through node's TAP reporter;
 *
 * then writes COMPATIBILITY.md from the results through test/compat-suite/capabilities.ts.
 *
 *   npm run compat                          everything
 *   npm run compat -- --only=node,verifiable a subset (node, franz-go, verifiable); its matrix goes to
 *                                           COMPATIBILITY.subset.md (git-ignored), so the committed one,
 *                                           from a full run, is never overwritten with empty cells
 *
 * Exits non-zero when any test failed that no allow-list expects.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPeers, isCi, type PeerStatus } from './install-peers.ts';
import { CKJS_LIBRDKAFKA } from './peers/confluent-kafka-javascript.ts';
import { startBrokerProcess } from '../test/compat/helpers/broker-process.ts';
import { fold, type Client, type TestOutcome } from '../test/compat-suite/capabilities.ts';
import { runFranzGo, skipsByReason, type FranzGoRun } from '../test/compat-suite/franz-go.ts';
import { renderMatrix } from '../test/compat-suite/matrix.ts';
import { parseTap } from '../test/compat-suite/tap.ts';
import { runVerifiable, type VerifiableRun } from '../test/compat-suite/verifiable.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const STEPS = ['franz-go', 'verifiable', 'node'] as const;
type Step = (typeof STEPS)[number];
const NODE_TESTS = ['test/compat/**/*.test.ts', 'test/e2e/idempotence-java.test.ts', 'test/e2e/idempotence-kill9.test.ts'];
const NODE_BOUND_MS = 20 * 60_000;
const FRANZ_GO_BOUND_MS = 12 * 60_000;

const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const steps = new Set<Step>(onlyArg === undefined ? STEPS : (onlyArg.slice('--only='.length).split(',') as Step[]));
const timings: string[] = [];
const outcomes: TestOutcome[] = [];
const unexpected: string[] = [];
const notes: string[] = [];
const allowed: { client: Client; test: string; reason: string }[] = [];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}

function dpkgVersion(pkg: string): string | undefined {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function franzGoStep(): Promise<FranzGoRun | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-compat-franz-'));
  // One broker process of its own: kgo's tests create and delete hundreds of topics and groups.
  const broker = await startBrokerProcess(dir);
  try {
    const run = await runFranzGo(broker.bootstrap, { timeoutMs: FRANZ_GO_BOUND_MS, log: (s) => console.log(s) });
    for (const r of run.results) {
      if (r.status === 'skip') {
        outcomes.push({ name: r.name, outcome: 'skipped' });
        continue;
      }
      const allow = run.allowed.find((a) => a.name === r.name);
      outcomes.push({ name: r.name, outcome: allow !== undefined ? 'allowed-fail' : r.status, ...(allow === undefined ? {} : { reason: allow.reason }) });
    }
    for (const a of run.allowed) allowed.push({ client: 'franz-go', test: a.name, reason: a.reason });
    for (const u of run.unexpected) unexpected.push(`franz-go ${u.name}:\n${(u.tail ?? '').split('\n').slice(-15).join('\n')}`);
    for (const f of run.fixed) notes.push(`franz-go ${f} passed but is allow-listed: remove it from test/compat-suite/franz-go-allowlist.json`);
    const count = (s: string): number => run.results.filter((r) => r.status === s).length;
    notes.push(`franz-go ${run.version}: ${count('pass')} kgo tests passed, ${run.unexpected.length} failed unexpectedly, ${run.allowed.length} failed as allow-listed, ${count('skip')} skipped by kgo itself${run.timedOut ? '; the run hit its bound' : ''}.`);
    for (const [reason, names] of skipsByReason(run.results)) notes.push(`franz-go skipped ${names.join(', ')}: ${reason}`);
    timings.push(`franz-go: ${seconds(run.ms)}`);
    return run;
  } catch (error) {
    unexpected.push(`franz-go: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function verifiableStep(): Promise<VerifiableRun> {
  const run = await runVerifiable({ log: (s) => console.log(s) });
  const name = 'verifiable producer/consumer through two kill -9 restarts';
  outcomes.push({ name, outcome: run.ok ? 'pass' : 'fail' });
  if (!run.ok) unexpected.push(`${name}: ${run.problems.join('; ')}`);
  notes.push(`VerifiableProducer (acks=all, idempotent) through ${run.restarts} kill -9 restarts: ${run.acked} acknowledged, ${run.sendErrors} send errors; VerifiableConsumer group read ${run.consumed} distinct records, ${run.missing} acknowledged records missing, ${run.mismatched} with another value.`);
  timings.push(`verifiable: ${seconds(run.ms)}`);
  return run;
}

async function nodeStep(): Promise<void> {
  const started = Date.now();
  const args = ['--test', '--test-reporter=tap', '--test-concurrency=1', '--test-timeout=300000', ...NODE_TESTS];
  console.log(`compat: node ${args.join(' ')}`);
  // The matrix is about Gregor; the suites also run against Apache Kafka when asked (test/peers/target.ts).
  const env = { ...process.env, GREGOR_COMPAT_TARGETS: process.env['GREGOR_COMPAT_TARGETS'] ?? 'gregor' };
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let tap = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (tap += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), NODE_BOUND_MS);
  await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const tests = parseTap(tap).filter((t) => !t.skipped);
  for (const t of tests) {
    outcomes.push({ name: t.name, outcome: t.ok ? 'pass' : 'fail' });
    if (!t.ok) unexpected.push(`node test failed: ${t.name}`);
  }
  if (tests.length === 0) unexpected.push('node tests: no test result (see stderr above)');
  notes.push(`${NODE_TESTS.join(', ')}: ${tests.filter((t) => t.ok).length} passed, ${tests.filter((t) => !t.ok).length} failed.`);
  timings.push(`node test suites: ${seconds(Date.now() - started)}`);
}

const started = Date.now();
let peers: PeerStatus[] = [];
try {
  peers = installPeers({ ci: isCi() });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
let franzGo: FranzGoRun | undefined;
// One at a time: each step starts JVMs or a Go test binary, and the machine has 2 cores.
if (steps.has('franz-go')) franzGo = await franzGoStep();
if (steps.has('verifiable')) await verifiableStep();
if (steps.has('node')) await nodeStep();

const peer = (name: string): string => peers.find((p) => p.name === name)?.version ?? '?';
const kafka = peer('apache-kafka');
const versions = new Map<Client, string>([
  ['kcat (librdkafka)', `kcat ${peer('kcat')}, librdkafka ${dpkgVersion('librdkafka1') ?? '?'}`],
  ['confluent-kafka-python', peer('python3-confluent-kafka')],
  ['kafka-python', peer('python3-kafka')],
  ['kafkajs', peer('kafkajs')],
  ['@platformatic/kafka', peer('@platformatic/kafka')],
  ['@confluentinc/kafka-javascript', `${peer('@confluentinc/kafka-javascript')}, librdkafka ${CKJS_LIBRDKAFKA}`],
  ['Java kafka-clients', kafka],
  ['Kafka CLI tools', kafka],
  ['franz-go', franzGo?.version ?? '?'],
]);
const { cells, unmapped } = fold(outcomes);
if (unmapped.length > 0) notes.push(`${unmapped.length} tests ran that no column covers (e.g. ${unmapped.slice(0, 3).map((u) => `\`${u.slice(0, 60)}\``).join(', ')}).`);
notes.push(`Steps run: ${[...steps].join(', ')}. Timings: ${timings.join(', ')}; total ${seconds(Date.now() - started)}.`);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const date = new Date().toISOString().slice(0, 10);
const matrixFile = onlyArg === undefined ? 'COMPATIBILITY.md' : 'COMPATIBILITY.subset.md';
writeFileSync(join(ROOT, matrixFile), renderMatrix({ date, gregorVersion: pkg.version, versions, cells, notes, allowed, failures: unexpected }));
console.log(`compat: wrote ${matrixFile}`);
for (const n of notes) console.log(`compat: ${n}`);
for (const u of unexpected) console.error(`compat: UNEXPECTED FAILURE ${u}`);
const passed = outcomes.filter((o) => o.outcome === 'pass').length;
const failed = outcomes.filter((o) => o.outcome === 'fail').length + (unexpected.length > 0 && outcomes.every((o) => o.outcome !== 'fail') ? 1 : 0);
const known = outcomes.filter((o) => o.outcome === 'allowed-fail').length;
console.log(`compat: ${passed} passed, ${failed} failed, ${known} allow-listed`);
process.exit(unexpected.length > 0 ? 1 : 0);
