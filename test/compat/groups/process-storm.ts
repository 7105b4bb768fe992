import { setTimeout as sleep } from 'node:timers/promises';
import { Random } from '../helpers/fuzz-frames.ts';
import { committedOffsets, createTopic, type Listening } from './fixtures.ts';
import { checkDelivery, describeGroup, KeyedProducer, logEndOffsets, MemberProcess, until } from './member-harness.ts';

/**
 * The rebalance storm with crashes, for `npm run soak`: confluent-kafka-python 1.7 (librdkafka 2.0.2)
 * member processes join, leave cleanly (close) or crash (SIGKILL: the broker only learns of it when
 * the 6 s session expires) at random — a seeded schedule — over a 3-partition topic while a producer
 * writes; members commit manually or automatically, chosen at random. Afterwards every record was
 * delivered, duplicates lie inside the at-least-once window (checkDelivery), the commits reach the
 * log end and the group is Stable with the members still running.
 */

export interface ProcessStormOptions {
  readonly seed: number;
  readonly durationMs: number;
  readonly members: number;
  readonly partitions: number;
  readonly stepMs: readonly [number, number];
  /** Of the steps that stop a running member, the share that kill it instead of closing it. */
  readonly crashShare: number;
  readonly log?: (line: string) => void;
}

export interface ProcessStormResult {
  readonly seed: number;
  readonly produced: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly lost: string[];
  readonly unexcused: string[];
  readonly joins: number;
  readonly leaves: number;
  readonly crashes: number;
  readonly logEnd: number[];
  readonly committed: (bigint | undefined)[];
  readonly finalState: string;
  readonly finalMembers: number;
  readonly running: number;
  readonly schedule: string[];
  readonly ok: boolean;
}

export function describeProcessStorm(r: ProcessStormResult): string {
  return [
    `seed ${r.seed}: produced ${r.produced}, delivered ${r.delivered} (${r.duplicates} duplicates), lost ${r.lost.length}, outside the at-least-once window ${r.unexcused.length}`,
    `joins ${r.joins}, clean leaves ${r.leaves}, crashes (SIGKILL) ${r.crashes}`,
    `log end ${r.logEnd.join(',')}, committed ${r.committed.map(String).join(',')}, group ${r.finalState} with ${r.finalMembers} members (${r.running} running)`,
    `schedule ${r.schedule.join(' ')}`,
    r.lost.length > 0 ? `lost ${r.lost.slice(0, 20).join(',')}` : '',
    r.unexcused.length > 0 ? `unexcused ${r.unexcused.slice(0, 10).join('; ')}` : '',
  ].filter((l) => l !== '').join('\n');
}

export async function runProcessStorm(broker: Listening & { readonly bootstrap: string }, topic: string, group: string, o: ProcessStormOptions): Promise<ProcessStormResult> {
  const random = new Random(o.seed);
  const log = o.log ?? (() => undefined);
  await createTopic(broker, topic, o.partitions);
  const producer = new KeyedProducer(broker, topic, o.partitions, 's');
  const all: MemberProcess[] = [];
  const slots: (MemberProcess | undefined)[] = new Array(o.members).fill(undefined);
  const schedule: string[] = [];
  let joins = 0;
  let leaves = 0;
  let crashes = 0;
  let generation = 0;
  const start = (i: number): void => {
    const commit = random.next() < 0.5 ? 'manual' : 'auto';
    const m = MemberProcess.python({ bootstrap: broker.bootstrap, group, topic, client: `storm-${i}-${generation++}`, commit, session_ms: 6000 });
    all.push(m);
    slots[i] = m;
    schedule.push(`+${i}${commit === 'manual' ? 'm' : 'a'}`);
    joins++;
  };
  producer.start(2, 50);
  try {
    for (let i = 0; i < Math.ceil(o.members / 2); i++) start(i);
    const stormEnd = Date.now() + o.durationMs;
    while (Date.now() < stormEnd) {
      await sleep(random.int(o.stepMs[0], o.stepMs[1]));
      const i = random.int(0, o.members - 1);
      const member = slots[i];
      const running = slots.filter((s) => s !== undefined).length;
      if (member === undefined) start(i);
      else if (running > 1) {
        slots[i] = undefined;
        if (random.next() < o.crashShare) {
          schedule.push(`x${i}`);
          crashes++;
          await member.kill();
        } else {
          schedule.push(`-${i}`);
          leaves++;
          await member.close();
        }
      }
      log(`process storm: ${schedule.at(-1)} (${slots.filter((s) => s !== undefined).length} running, ${producer.total()} produced)`);
    }
    await producer.stop();
    const logEnd = await logEndOffsets(broker, topic, o.partitions);
    const running = slots.filter((s) => s !== undefined).length;
    let committed: (bigint | undefined)[] = [];
    let finalState = '';
    let finalMembers = -1;
    // Drain: crashed members' sessions expire, the rest read and commit to the log end.
    const drained = await until(
      'the drain',
      async () => {
        const offsets = await committedOffsets(broker, group);
        committed = logEnd.map((_, p) => offsets.get(`${topic}:${p}`));
        const d = await describeGroup(broker, group);
        finalState = d.state;
        finalMembers = d.members.length;
        return committed.every((c, p) => c === BigInt(logEnd[p] ?? -1)) && finalState === 'Stable' && finalMembers === running;
      },
      120_000,
    ).then(
      () => true,
      () => false,
    );
    for (const m of slots) await m?.close();
    const delivery = checkDelivery(producer, all);
    return {
      seed: o.seed,
      ...delivery,
      joins,
      leaves,
      crashes,
      logEnd,
      committed,
      finalState,
      finalMembers,
      running,
      schedule,
      ok: drained && delivery.lost.length === 0 && delivery.unexcused.length === 0,
    };
  } finally {
    await producer.stop().catch(() => undefined);
    for (const m of all) await m.kill().catch(() => undefined);
  }
}
