import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey, ErrorCode } from '../../../src/protocol/messages/index.ts';
import { buildBatch } from '../../../src/protocol/records/index.ts';
import { RawClient } from '../../e2e/broker-raw-client.ts';
import { trackChild } from '../../peers/run-process.ts';
import { PYTHON } from '../helpers/run-process.ts';
import type { Listening } from './fixtures.ts';

/**
 * What the member-process group tests share: a long-running confluent-kafka-python member
 * (confluent_member.py) watched through its event lines, a producer that writes keyed records while
 * members come and go, and the checks that say every record was delivered at least once and that
 * every duplicate lies inside the at-least-once window.
 */

const MEMBER_SCRIPT = new URL('./confluent_member.py', import.meta.url).pathname;

export type MemberEvent =
  | { ev: 'ready' | 'closed' }
  | { ev: 'assign' | 'revoke'; parts: number[] }
  | { ev: 'rec'; p: number; o: number; k: string }
  | { ev: 'commit'; p: number; o: number }
  | { ev: 'eof'; p: number }
  | { ev: 'commit-failed' | 'error'; error: string };

export interface MemberConfig {
  readonly bootstrap: string;
  readonly group: string;
  readonly topic: string;
  readonly client: string;
  readonly commit?: 'manual' | 'auto';
  readonly strategy?: string;
  readonly instance?: string;
  readonly session_ms?: number;
}

/** Polls `check` every 50 ms (or between its answers when async); throws naming `what` after `timeoutMs` (a bound for a hung client, not a timing assertion). */
export async function until(what: string | (() => string), check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

/** A check that the given members hold all of partitions 0..n-1 between them, each some, none twice. */
export function splitAmong(live: readonly MemberProcess[], partitions: number): () => boolean {
  return () => {
    const held = live.map((m) => m.held());
    return held.every((h) => h.length > 0) && held.flat().sort((a, b) => a - b).join() === [...Array(partitions).keys()].join();
  };
}

/** A check that `m` has received more records than it had when this was called. */
export function readsMore(m: MemberProcess): () => boolean {
  const n = m.records().length;
  return () => m.records().length > n;
}

/**
 * One member process printing the event lines above: confluent_member.py (`MemberProcess.python`) or
 * JavaGroupMember.java (java-member.ts). `stop` is how it is asked to leave cleanly.
 */
export class MemberProcess {
  readonly name: string;
  readonly events: MemberEvent[] = [];
  readonly #child: ChildProcess;
  readonly #stop: 'sigterm' | 'stdin-eof';
  #stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  static python(config: MemberConfig): MemberProcess {
    return new MemberProcess(config.client, PYTHON, [MEMBER_SCRIPT], { input: JSON.stringify(config) + '\n', stop: 'sigterm' });
  }

  constructor(name: string, command: string, args: readonly string[], options: { readonly input?: string; readonly stop: 'sigterm' | 'stdin-eof' }) {
    this.name = name;
    this.#stop = options.stop;
    this.#child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(this.#child);
    let pending = '';
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.events.push(JSON.parse(line) as MemberEvent);
    });
    this.#child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.#stderr += s));
    this.#child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) this.#child.stdin?.write(options.input);
    // A member that stops at the end of its input keeps the pipe open until close().
    if (options.stop === 'sigterm') this.#child.stdin?.end();
    this.exited = new Promise((resolve) => this.#child.once('close', (code, signal) => resolve({ code, signal })));
  }

  /** The partitions the member holds now, from its assign and revoke events (eager or incremental). */
  held(): number[] {
    const held = new Set<number>();
    for (const e of this.events) {
      if (e.ev === 'assign') for (const p of e.parts) held.add(p);
      else if (e.ev === 'revoke') for (const p of e.parts) held.delete(p);
    }
    return [...held].sort((a, b) => a - b);
  }

  records(): { p: number; o: number; k: string }[] {
    return this.events.filter((e): e is Extract<MemberEvent, { ev: 'rec' }> => e.ev === 'rec');
  }

  /** The highest confirmed commit per partition (the next offset this member said it was done with). */
  confirmedCommits(): Map<number, number> {
    const out = new Map<number, number>();
    for (const e of this.events) if (e.ev === 'commit') out.set(e.p, Math.max(out.get(e.p) ?? -1, e.o));
    return out;
  }

  count(ev: MemberEvent['ev']): number {
    return this.events.filter((e) => e.ev === ev).length;
  }

  errors(): string[] {
    return this.events.flatMap((e) => (e.ev === 'error' ? [e.error] : []));
  }

  /** SIGKILL: a crash; the broker only notices when the session times out. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM or the end of its input: the member closes its consumer (LeaveGroup unless static, final auto commit) and exits. */
  async close(): Promise<void> {
    if (this.#stop === 'sigterm') this.#child.kill('SIGTERM');
    else this.#child.stdin?.end();
    const r = await Promise.race([this.exited, sleep(30_000).then(() => undefined)]);
    if (r === undefined) {
      this.#child.kill('SIGKILL');
      throw new Error(`${this.name} did not close in 30 s\n${this.describe()}`);
    }
    assert.equal(r.code, 0, `${this.name} exited badly\n${this.describe()}`);
    assert.equal(this.events.at(-1)?.ev, 'closed', this.describe());
  }

  describe(): string {
    const summary = this.events.filter((e) => e.ev !== 'rec' && e.ev !== 'commit' && e.ev !== 'eof').map((e) => JSON.stringify(e));
    return `${this.name}: ${this.records().length} records; events ${summary.join(' ').slice(-1500)}\nstderr: ${this.#stderr.slice(-1500)}`;
  }
}

/** Writes keyed records `k<n>` round-robin over the partitions in small batches until stopped. */
export class KeyedProducer {
  /** Every key acknowledged, per partition, in offset order. */
  readonly produced = new Map<number, string[]>();
  #next = 0;
  #stop = false;
  #loop: Promise<void> | undefined;

  readonly broker: Listening;
  readonly topic: string;
  readonly partitions: number;
  readonly prefix: string;

  constructor(broker: Listening, topic: string, partitions: number, prefix = 'k') {
    this.broker = broker;
    this.topic = topic;
    this.partitions = partitions;
    this.prefix = prefix;
  }

  /** Produces one batch of `perPartition` records to every partition, retrying while a new topic has no leader yet. */
  async produceOnce(client: RawClient, perPartition: number): Promise<void> {
    for (let p = 0; p < this.partitions; p++) {
      const keys = Array.from({ length: perPartition }, () => `${this.prefix}${this.#next++}`);
      const records = buildBatch({ records: keys.map((k) => ({ key: Buffer.from(k), value: Buffer.from(`v-${k}`) })) });
      for (let attempt = 0; ; attempt++) {
        const r = await client.request(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: this.topic, partitionData: [{ index: p, records }] }] });
        const code = r.responses[0]?.partitionResponses[0]?.errorCode;
        if (attempt < 50 && (code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.LEADER_NOT_AVAILABLE || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) {
          await sleep(100);
          continue;
        }
        assert.equal(code, ErrorCode.NONE, `produce to ${this.topic}-${p}`);
        break;
      }
      this.produced.set(p, [...(this.produced.get(p) ?? []), ...keys]);
    }
  }

  /** Starts writing `perPartition` records to every partition every `intervalMs`. */
  start(perPartition: number, intervalMs: number): void {
    this.#stop = false;
    this.#loop = (async () => {
      const client = await RawClient.connect(this.broker.port);
      try {
        while (!this.#stop) {
          await this.produceOnce(client, perPartition);
          await sleep(intervalMs);
        }
      } finally {
        client.close();
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#loop;
  }

  total(): number {
    let n = 0;
    for (const keys of this.produced.values()) n += keys.length;
    return n;
  }

  allKeys(): string[] {
    return [...this.produced.values()].flat();
  }
}

/** ListOffsets (latest) for partitions 0..n-1. */
export async function logEndOffsets(broker: Listening, topic: string, partitions: number): Promise<number[]> {
  const client = await RawClient.connect(broker.port);
  try {
    const r = await client.request(ApiKey.ListOffsets, 2, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, p) => ({ partitionIndex: p, timestamp: -1n })) }],
    });
    const out = new Array<number>(partitions).fill(-1);
    for (const p of r.topics[0]?.partitions ?? []) {
      assert.equal(p.errorCode, ErrorCode.NONE);
      out[p.partitionIndex] = Number(p.offset);
    }
    return out;
  } finally {
    client.close();
  }
}

/** DescribeGroups v5: the state and member ids a tool would see. */
export async function describeGroup(broker: Listening, group: string): Promise<{ state: string; members: { memberId: string; groupInstanceId: string | null }[] }> {
  const client = await RawClient.connect(broker.port);
  try {
    const r = await client.request(ApiKey.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    const g = r.groups[0];
    assert.equal(g?.errorCode, ErrorCode.NONE);
    return { state: g.groupState, members: g.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) };
  } finally {
    client.close();
  }
}

export interface Delivery {
  /** Records produced. */
  readonly produced: number;
  /** Deliveries to the application, all members together. */
  readonly delivered: number;
  /** Deliveries beyond the first of each record. */
  readonly duplicates: number;
  /** Produced keys never delivered. */
  readonly lost: string[];
  /** Records delivered more than once where the at-least-once contract does not excuse it (see below). */
  readonly unexcused: string[];
}

/**
 * Counts every produced record by key across all members. A record may be delivered more than once
 * only inside the at-least-once window. A delivery is "covered" when the member that received it
 * confirmed a commit past it before it lost the partition (in its own event order); owners of a
 * partition follow one another, so two covered deliveries of one record mean the later owner
 * started below a commit the broker had confirmed: unexcused. So is a member reading a record after
 * it confirmed a commit past it. Records must also arrive with the key the producer wrote at their
 * offset.
 */
export function checkDelivery(producer: KeyedProducer, members: readonly MemberProcess[]): Delivery {
  const readers = new Map<string, MemberProcess[]>();
  let delivered = 0;
  for (const m of members) {
    for (const r of m.records()) {
      const want = producer.produced.get(r.p)?.[r.o];
      assert.equal(r.k, want, `${m.name} read ${r.k} at ${r.p}:${r.o}, the producer wrote ${want} there`);
      delivered++;
      const list = readers.get(r.k) ?? [];
      list.push(m);
      readers.set(r.k, list);
    }
  }
  const lost = producer.allKeys().filter((k) => !readers.has(k));
  const unexcused: string[] = [];
  let duplicates = 0;
  for (const list of readers.values()) duplicates += list.length - 1;
  // Covered deliveries per key, from each member's own event order.
  const covered = new Map<string, string[]>();
  for (const m of members) {
    const open = new Map<number, { o: number; k: string }[]>();
    const committed = new Map<number, number>();
    for (const e of m.events) {
      if (e.ev === 'rec') {
        if ((committed.get(e.p) ?? -1) > e.o) unexcused.push(`${m.name} re-read ${e.k}@${e.p}:${e.o} after committing ${committed.get(e.p)}`);
        open.set(e.p, [...(open.get(e.p) ?? []), { o: e.o, k: e.k }]);
      } else if (e.ev === 'commit') {
        committed.set(e.p, Math.max(committed.get(e.p) ?? -1, e.o));
        const reads = open.get(e.p) ?? [];
        for (const r of reads.filter((x) => x.o < e.o)) covered.set(r.k, [...(covered.get(r.k) ?? []), m.name]);
        open.set(e.p, reads.filter((x) => x.o >= e.o));
      } else if (e.ev === 'revoke') {
        for (const p of e.parts) open.delete(p);
      }
    }
  }
  for (const [k, by] of covered) if (by.length > 1) unexcused.push(`${k} read and committed past by ${by.join(' and ')}`);
  return { produced: producer.total(), delivered, duplicates, lost, unexcused };
}
