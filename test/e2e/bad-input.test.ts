import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/broker/index.ts';
import { ApiKey, decodeResponseFrame, ErrorCode } from '../../src/protocol/messages/index.ts';
import { bodyOffset, corpus, corruptBatch, produceFrame, Random, validBatch, type CorpusFrame } from '../compat/helpers/fuzz-frames.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../compat/helpers/kcat.ts';
import { runPythonJson } from '../compat/helpers/run-process.ts';
import { RawClient } from './broker-raw-client.ts';

/**
 * Bad input from many connections while a real client works: kafka-python (in a child process)
 * produces and reads back its records while thousands of broken frames arrive: random bytes,
 * truncated and mutated requests, valid headers with garbage bodies, unknown API keys, unsupported
 * versions, oversize size prefixes, corrupt record batches inside valid Produce requests. Each
 * connection's outcome is checked against Kafka's rules (SocketServer / RequestContext): undecodable
 * or unknown requests close the connection, unknown ApiVersions versions get the KIP-511 reply,
 * corrupt batches get CORRUPT_MESSAGE on an open connection. Afterwards the broker still serves and
 * every record stored before and during the storm is intact.
 *
 * Each lane draws from its own generator, seeded from SEED (GREGOR_FUZZ_SEED runs another), so a
 * seed replays every lane's sequence of cases; what varies between runs is how the lanes interleave
 * and how many cases they get through before the client finishes. GREGOR_FUZZ_DEBUG=1 prints each
 * case and the reshaped frames.
 */

const DEBUG = process.env['GREGOR_FUZZ_DEBUG'] === '1';
const SEED = Number(process.env['GREGOR_FUZZ_SEED'] ?? 20261122);
const MAX_REQUEST_BYTES = 1024 * 1024;
/**
 * At least this many frames are sent, and the fuzz goes on until the real client has finished.
 * GREGOR_FUZZ_FRAMES raises it for a longer exploratory run.
 */
const MIN_FRAMES = Number(process.env['GREGOR_FUZZ_FRAMES'] ?? 5000);
const LANES = 12;
const FUZZ_TOPIC = 'bi-fuzz';
const KAFKA_PYTHON = new URL('../compat/kafka-python/client.py', import.meta.url);
/** A connection the broker should close but leaves open fails the run after this long. */
const CLOSE_BOUND_MS = 15_000;

/** Counts of what was sent and seen, per kind, for the failure messages and the final check. */
class Tally {
  readonly frames = new Map<string, number>();
  readonly connections = new Map<string, number>();
  corruptAnswered = 0;
  kip511Answered = 0;
  total = 0;
  failed = false;

  add(kind: string, frames: number): void {
    this.frames.set(kind, (this.frames.get(kind) ?? 0) + frames);
    this.connections.set(kind, (this.connections.get(kind) ?? 0) + 1);
    this.total += frames;
  }
}

function awaitClose(c: RawClient, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the broker left the connection open after ${what}`)), CLOSE_BOUND_MS);
  });
  return Promise.race([c.closed, bound]).finally(() => clearTimeout(timer));
}

/** Correlation ids of the response frames received, in order. */
const correlationIds = (c: RawClient): number[] => c.frames.map((f) => f.readInt32BE(0));

/** The frames that may arrive before a close: answers to the valid requests, in request order. */
function assertAnsweredPrefix(c: RawClient, sent: readonly number[], what: string): void {
  const got = correlationIds(c);
  assert.deepEqual(got, sent.slice(0, got.length), `${what}: responses out of order or unexpected`);
}

/**
 * Requests whose reshaped versions are still answered at once or not at all: not Fetch, whose
 * max_wait_ms turned to garbage would legitimately hold the response (and the pipeline) for days,
 * nor JoinGroup, which waits for the rebalance (group.initial.rebalance.delay.ms, or a garbage
 * rebalance_timeout_ms).
 */
const answeredPromptly = (frames: readonly CorpusFrame[]): CorpusFrame[] => frames.filter((x) => x.apiKey !== ApiKey.Fetch && x.apiKey !== ApiKey.JoinGroup);

/**
 * Sends a suspicious frame and then a valid ApiVersions on the same connection, and waits until the
 * probe is answered (the bad frame was served or, as acks=0 Produce, silently taken) or the broker
 * closes the connection (it could not decode the frame). Either way every response must carry the
 * correlation id of one of the two requests, in order.
 */
async function sendThenProbe(f: Fuzzer, c: RawClient, frame: Buffer, correlationId: number, what: string): Promise<void> {
  const probe = f.corpus[0] as CorpusFrame;
  if (DEBUG) console.error(`frame ${what} ${frame.toString('hex')}`);
  c.sendRaw(frame);
  c.sendRaw(probe.frame);
  while (!c.socket.destroyed && !correlationIds(c).includes(probe.correlationId)) {
    await Promise.race([c.closed, c.waitFrames(c.frames.length + 1).catch(() => undefined)]);
  }
  const got = correlationIds(c);
  const allowed = [[], [correlationId], [probe.correlationId], [correlationId, probe.correlationId]];
  assert.ok(allowed.some((a) => JSON.stringify(a) === JSON.stringify(got)), `${what}: responses ${got.join(',')} to requests ${correlationId},${probe.correlationId}`);
  c.close();
}

/** One lane's view: its own generator (so a seed replays each lane's choices), shared counters. */
interface Fuzzer {
  readonly broker: RunningBroker;
  readonly random: Random;
  readonly corpus: readonly CorpusFrame[];
  readonly tally: Tally;
  /** Advertised max version per served API key, from the broker's own ApiVersions. */
  readonly maxVersion: ReadonlyMap<number, number>;
  readonly ids: { next: number };
}

/** One connection of one kind; each returns after checking the broker's reaction. */
const KINDS: Record<string, (f: Fuzzer) => Promise<void>> = {
  async randomBytes(f) {
    const c = await RawClient.connect(f.broker.port);
    const n = f.random.int(1, 6);
    for (let i = 0; i < n; i++) c.sendRaw(f.random.bytes(f.random.int(1, 300)));
    // Random sizes mostly exceed what was sent; our FIN ends the wait either way.
    c.socket.end();
    await awaitClose(c, 'random bytes and a FIN');
    f.tally.add('random-bytes', n);
  },

  async truncated(f) {
    const c = await RawClient.connect(f.broker.port);
    // Valid requests first, answered before or dropped at the close; none that waits for a rebalance.
    const valid = Array.from({ length: f.random.int(0, 3) }, () => f.random.pick(answeredPromptly(f.corpus)));
    for (const v of valid) c.sendRaw(v.frame);
    const whole = f.random.pick(f.corpus).frame;
    // The size prefix matches the bytes sent: the frame is complete, its content is not.
    const cut = Buffer.from(whole.subarray(0, f.random.int(5, whole.length - 1)));
    cut.writeInt32BE(cut.length - 4, 0);
    c.sendRaw(cut);
    await awaitClose(c, 'a truncated request');
    assertAnsweredPrefix(c, valid.map((v) => v.correlationId), 'truncated');
    f.tally.add('truncated', valid.length + 1);
  },

  async garbageBody(f) {
    const c = await RawClient.connect(f.broker.port);
    const base = f.random.pick(answeredPromptly(f.corpus));
    const header = base.frame.subarray(0, bodyOffset(base.frame));
    const frame = Buffer.concat([header, f.random.bytes(f.random.int(0, 200))]);
    frame.writeInt32BE(frame.length - 4, 0);
    await sendThenProbe(f, c, frame, base.correlationId, 'garbage body');
    f.tally.add('garbage-body', 2);
  },

  async mutated(f) {
    const c = await RawClient.connect(f.broker.port);
    const base = f.random.pick(answeredPromptly(f.corpus));
    const frame = Buffer.from(base.frame);
    const start = bodyOffset(frame);
    if (frame.length > start) {
      for (let i = f.random.int(1, 4); i > 0; i--) frame[f.random.int(start, frame.length - 1)] = f.random.int(0, 255);
    }
    await sendThenProbe(f, c, frame, base.correlationId, 'mutated body');
    f.tally.add('mutated', 2);
  },

  async unknownKey(f) {
    const c = await RawClient.connect(f.broker.port);
    const frame = Buffer.from(f.random.pick(f.corpus).frame);
    // Keys nobody defined, and real Kafka APIs this broker does not advertise (yet, or ever: the
    // inter-broker ones).
    const unserved = [-1, 4, 5, 6, 7, 11, 12, 22, 27, 52, 67, 88, 1000, 32767].filter((k) => !f.maxVersion.has(k));
    frame.writeInt16BE(f.random.pick(unserved), 4);
    c.sendRaw(frame);
    await awaitClose(c, 'an unknown API key');
    assert.equal(c.frames.length, 0, 'an unknown API key gets no response');
    f.tally.add('unknown-key', 1);
  },

  async unsupportedVersion(f) {
    const c = await RawClient.connect(f.broker.port);
    const base = f.random.pick(f.corpus.filter((x) => x.apiKey !== ApiKey.ApiVersions));
    const frame = Buffer.from(base.frame);
    const max = f.maxVersion.get(base.apiKey);
    assert.ok(max !== undefined, `API ${base.apiKey} is advertised`);
    frame.writeInt16BE(f.random.pick([max + 1, max + 2, 99, 32767, -1]), 6);
    c.sendRaw(frame);
    await awaitClose(c, `${base.apiKey} at an unsupported version`);
    assert.equal(c.frames.length, 0);
    f.tally.add('unsupported-version', 1);
  },

  async apiVersionsTooNew(f) {
    const c = await RawClient.connect(f.broker.port);
    const id = f.ids.next++;
    const frame = Buffer.from((f.corpus.find((x) => x.apiKey === ApiKey.ApiVersions && x.version === 3) as CorpusFrame).frame);
    frame.writeInt16BE(f.random.int(5, 32767), 6);
    frame.writeInt32BE(id, 8);
    // The body of a version we do not know is not parsed (KIP-511): garbage after the header too.
    const withGarbage = Buffer.concat([frame.subarray(0, bodyOffset(frame)), f.random.bytes(f.random.int(0, 30))]);
    withGarbage.writeInt32BE(withGarbage.length - 4, 0);
    c.sendRaw(withGarbage);
    const [reply] = await c.waitFrames(1);
    const decoded = decodeResponseFrame(ApiKey.ApiVersions, 0, reply as Buffer);
    assert.equal(decoded.correlationId, id);
    assert.equal(decoded.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(decoded.body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[ApiKey.ApiVersions, 0, 4]]);
    // The connection stays usable: the client retries with a version we speak.
    const again = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'gregor-fuzz', clientSoftwareVersion: '1.0' });
    assert.equal(again.errorCode, 0);
    c.close();
    f.tally.kip511Answered++;
    f.tally.add('api-versions-too-new', 2);
  },

  async oversize(f) {
    const c = await RawClient.connect(f.broker.port);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(f.random.pick([MAX_REQUEST_BYTES + 1, f.random.int(MAX_REQUEST_BYTES + 1, 0x7fffffff), -1, -f.random.int(2, 0x7fffffff)]));
    c.sendRaw(Buffer.concat([prefix, f.random.bytes(f.random.int(0, 100))]));
    await awaitClose(c, 'a size prefix beyond socket.request.max.bytes');
    assert.equal(c.frames.length, 0);
    f.tally.add('oversize', 1);
  },

  async corruptProduce(f) {
    const c = await RawClient.connect(f.broker.port);
    const n = f.random.int(1, 8);
    for (let i = 0; i < n; i++) {
      const version = f.random.int(3, 11);
      const corrupt = corruptBatch(f.random, validBatch(f.random, f.random.int(1, 5)));
      const { frame, correlationId } = produceFrame(f.ids.next++, version, FUZZ_TOPIC, corrupt, f.random.pick([1, -1]));
      c.sendRaw(frame);
      const frames = await c.waitFrames(c.frames.length + 1);
      const response = decodeResponseFrame(ApiKey.Produce, version, frames[frames.length - 1] as Buffer);
      assert.equal(response.correlationId, correlationId);
      const partition = response.body.responses[0]?.partitionResponses[0];
      assert.equal(partition?.errorCode, ErrorCode.CORRUPT_MESSAGE, `Produce v${version} with a corrupt batch: ${partition?.errorMessage}`);
      f.tally.corruptAnswered++;
    }
    assert.ok(!c.socket.destroyed, 'a corrupt batch does not close the connection');
    c.close();
    f.tally.add('corrupt-produce', n);
  },
};

async function lane(f: Fuzzer, clientDone: () => boolean): Promise<void> {
  const kinds = Object.entries(KINDS);
  while ((f.tally.total < MIN_FRAMES || !clientDone()) && !f.tally.failed) {
    const [name, run] = f.random.pick(kinds);
    if (DEBUG) console.error(`fuzz ${f.tally.total} ${name}`);
    const started = DEBUG ? performance.now() : 0;
    try {
      await run(f);
      if (DEBUG) console.error(`took ${name} ${Math.round(performance.now() - started)}`);
    } catch (error) {
      // The other lanes stop at their next case instead of fuzzing a broker about to be closed.
      f.tally.failed = true;
      throw new Error(`fuzz kind ${name} (seed ${SEED}): ${(error as Error).message}`, { cause: error });
    }
  }
}

interface ClientRecord {
  offset: number;
  key: string | null;
  value: string | null;
}

test('thousands of bad frames from many connections leave the broker serving and every record intact', async (t) => {
  const broker = await startBroker({ properties: { 'socket.request.max.bytes': String(MAX_REQUEST_BYTES) } });
  try {
    // Stored before the storm: must be exactly there after it.
    const baseline = Array.from({ length: 2000 }, (_, i) => `b${i}:baseline-${i}\n`).join('');
    await kcatProduce(broker.bootstrap, 'bi-baseline', baseline, ['-z', 'zstd']);
    const before = await kcatConsume(broker.bootstrap, 'bi-baseline');
    assert.equal(before.length, 2000);

    const admin = await RawClient.connect(broker.port);
    const created = await admin.request(ApiKey.CreateTopics, 7, { topics: [{ name: FUZZ_TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
    assert.equal(created.topics[0]?.errorCode, 0);
    const topicId = created.topics[0]?.topicId;
    assert.ok(typeof topicId === 'string');
    const advertised = await admin.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'gregor-test', clientSoftwareVersion: '1' });
    const maxVersion = new Map(advertised.apiKeys.map((k) => [k.apiKey, k.maxVersion]));
    const ranges = new Map(advertised.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
    const target = { topic: FUZZ_TOPIC, topicId, group: 'bi-fuzz-group' };
    const tally = new Tally();
    const ids = { next: 2_000_000 };
    const fuzzers: Fuzzer[] = Array.from({ length: LANES }, (_, lane) => {
      const random = new Random(SEED + lane);
      return { broker, random, corpus: corpus(random, target, ranges, 1_000_000 + lane * 1000), tally, maxVersion, ids };
    });

    // The real client: kafka-python produces, then reads back, while the lanes run.
    const sent = Array.from({ length: 3000 }, (_, i) => ({ key: `c${i}`, value: `client-${i}-${'r'.repeat(i % 64)}`, headers: [] }));
    let clientFinished = false;
    const client = (async () => {
      try {
        const produced = await runPythonJson<{ offsets: number[] }>(KAFKA_PYTHON, { bootstrap: broker.bootstrap, step: 'produce', topic: 'bi-client', codec: 'gzip', records: sent }, 120_000);
        const consumed = await runPythonJson<{ records: ClientRecord[] }>(KAFKA_PYTHON, { bootstrap: broker.bootstrap, step: 'consume', topic: 'bi-client', expected: sent.length }, 120_000);
        return { produced, consumed };
      } finally {
        clientFinished = true;
      }
    })();
    const lanes = Promise.all(fuzzers.map((f) => lane(f, () => clientFinished)));
    const [{ produced, consumed }] = await Promise.all([client, lanes]);

    assert.deepEqual(produced.offsets, sent.map((_, i) => i), 'kafka-python got every offset, in order');
    assert.deepEqual(
      consumed.records.map((r) => [r.offset, r.key, r.value]),
      sent.map((r, i) => [i, r.key, r.value]),
      'kafka-python read back exactly what it wrote',
    );
    assert.ok(tally.total >= MIN_FRAMES, `sent ${tally.total} frames`);
    for (const kind of ['random-bytes', 'truncated', 'garbage-body', 'mutated', 'unknown-key', 'unsupported-version', 'api-versions-too-new', 'oversize', 'corrupt-produce']) {
      assert.ok((tally.connections.get(kind) ?? 0) > 0, `kind ${kind} ran`);
    }
    assert.ok(tally.corruptAnswered > 0 && tally.kip511Answered > 0);

    // Still serving: the connection opened before the storm, kcat's metadata, and the data stored before it.
    const versions = await admin.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'gregor-test', clientSoftwareVersion: '1' });
    assert.equal(versions.errorCode, 0);
    admin.close();
    assert.match(await kcatMetadata(broker.bootstrap, 'bi-baseline'), /topic "bi-baseline" with 1 partitions:/);
    const after = await kcatConsume(broker.bootstrap, 'bi-baseline');
    assert.deepEqual(
      after.map((r) => [r.offset, r.key, r.payload]),
      before.map((r) => [r.offset, r.key, r.payload]),
    );
    // Corrupt batches appended nothing: the fuzz topic holds only whole batches the corpus sent.
    const fuzzed = await kcatConsume(broker.bootstrap, FUZZ_TOPIC);
    assert.ok(fuzzed.every((r) => r.key === null || /^fz-\d$/.test(r.key)), 'only records of valid fuzz batches');
    t.diagnostic(`seed ${SEED}, ${tally.total} frames, ${[...tally.connections.values()].reduce((a, b) => a + b, 0)} connections: ${JSON.stringify(Object.fromEntries(tally.frames))}`);
  } finally {
    await broker.close();
  }
});

// Found by this fuzzer (seed 7): a mutated CreateTopics asked for ~6 million partitions and the broker
// computed every assignment, validate_only or not, until the heap ran out. Kafka caps a request at
// 10,000 partitions (ReplicationControlManager.MAX_PARTITIONS_PER_BATCH) and refuses it whole.
test('CreateTopics and CreatePartitions asking for 2^31-1 partitions get POLICY_VIOLATION, not an exhausted heap', async () => {
  const broker = await startBroker();
  const c = await RawClient.connect(broker.port);
  try {
    const huge = 0x7fffffff;
    for (const validateOnly of [true, false]) {
      const created = await c.request(ApiKey.CreateTopics, 7, {
        topics: [
          { name: 'bi-huge', numPartitions: huge, replicationFactor: 1, assignments: [], configs: [] },
          { name: 'bi-small', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        ],
        timeoutMs: 5000,
        validateOnly,
      });
      assert.deepEqual(created.topics.map((t) => [t.name, t.errorCode]), [['bi-huge', ErrorCode.POLICY_VIOLATION], ['bi-small', ErrorCode.POLICY_VIOLATION]], 'the whole request is refused');
    }
    const ok = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'bi-small', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
    assert.equal(ok.topics[0]?.errorCode, ErrorCode.NONE);
    for (const validateOnly of [true, false]) {
      const grown = await c.request(ApiKey.CreatePartitions, 3, { topics: [{ name: 'bi-small', count: huge, assignments: null }], timeoutMs: 5000, validateOnly });
      assert.deepEqual(grown.results.map((r) => [r.name, r.errorCode]), [['bi-small', ErrorCode.POLICY_VIOLATION]]);
    }
    const md = await c.request(ApiKey.Metadata, 12, { topics: [{ name: 'bi-small' }, { name: 'bi-huge' }], allowAutoTopicCreation: false });
    assert.deepEqual(md.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [['bi-small', ErrorCode.NONE, 1], ['bi-huge', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]]);
  } finally {
    c.close();
    await broker.close();
  }
});
