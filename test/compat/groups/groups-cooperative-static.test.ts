import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';
import { committedOffsets, createTopic } from './fixtures.ts';
import { startJavaMember } from './java-member.ts';
import { checkDelivery, describeGroup, KeyedProducer, logEndOffsets, MemberProcess, readsMore, splitAmong, until, type MemberConfig, type MemberEvent } from './member-harness.ts';

/**
 * Issue 5, item 4, with confluent-kafka-python 1.7 (librdkafka 2.0.2) member processes while a
 * producer writes:
 *  - cooperative-sticky (KIP-429 incremental rebalancing): when a member joins, the members already
 *    there give up only the partitions that move (an incremental on_revoke), never their whole
 *    assignment; when a member leaves, the others only gain partitions.
 *  - static membership (KIP-345): a member with group.instance.id that restarts within its session
 *    gets its partitions back and the other member sees no rebalance at all.
 * Runs against Apache Kafka 4.3 and Gregor. With `range` (eager) the cooperative test fails: every
 * member is revoked everything on each rebalance.
 *
 * The cooperative members auto-commit. With synchronous manual commits librdkafka 2.0.2 sends a
 * commit with its previous generation while an incremental rebalance completes, gets
 * ILLEGAL_GENERATION (from Apache Kafka 4.3 and Gregor alike, as Kafka's ClassicGroup
 * validateOffsetCommit prescribes) and then treats its whole assignment as lost: a full revoke
 * that says nothing about the broker's incremental protocol.
 */

const PARTITIONS = 6;

interface Client {
  readonly name: string;
  readonly start: (config: MemberConfig) => MemberProcess;
  /** How the cooperative members commit (see above for why librdkafka's auto-commit). */
  readonly cooperativeCommit: 'manual' | 'auto';
}

const CLIENTS: readonly Client[] = [
  { name: 'librdkafka', start: (c) => MemberProcess.python(c), cooperativeCommit: 'auto' },
  // Java does not send a commit with a stale generation during a rebalance (RebalanceInProgressException instead).
  { name: 'java', start: startJavaMember, cooperativeCommit: 'manual' },
];

/** Events after the first `from` of a member's list. */
const since = (m: MemberProcess, from: number): MemberEvent[] => m.events.slice(from);
const revoked = (events: MemberEvent[]): number[] => events.flatMap((e) => (e.ev === 'revoke' ? e.parts : [])).sort((a, b) => a - b);
const assigned = (events: MemberEvent[]): number[] => events.flatMap((e) => (e.ev === 'assign' ? e.parts : [])).sort((a, b) => a - b);

for (const name of compatTargets()) {
  describe(`cooperative-sticky and static members against ${name}`, () => {
    let target: Target;
    const members: MemberProcess[] = [];
    const producers: KeyedProducer[] = [];
    before(async () => {
      target = await startTarget(name);
    });
    after(async () => {
      for (const p of producers) await p.stop().catch(() => undefined);
      for (const m of members) await m.kill().catch(() => undefined);
      await target?.close();
    });
    const describeAll = () => members.map((m) => m.describe()).join('\n');

    for (const client of CLIENTS) {
      const start = (config: Omit<MemberConfig, 'bootstrap'>): MemberProcess => {
        const m = client.start({ bootstrap: target.bootstrap, ...config });
        members.push(m);
        return m;
      };

      test(`${client.name} cooperative-sticky: joining members take only the partitions that move, a leaver only gives`, async () => {
        const topic = `cooperative-${client.name}`;
        const group = `cooperative-${client.name}-group`;
        await createTopic(target, topic, PARTITIONS);
        const producer = new KeyedProducer(target, topic, PARTITIONS);
        producers.push(producer);
        producer.start(1, 100);
        const base = { group, topic, strategy: 'cooperative-sticky', commit: client.cooperativeCommit };

        const x = start({ ...base, client: `${client.name}-x` });
        await until(() => `x to hold every partition\n${x.describe()}`, splitAmong([x], PARTITIONS));
        await until('x to read', readsMore(x));

        // y joins: x gives up some partitions (incremental revoke), keeps the rest without interruption.
        const xBefore = x.held();
        const xMark = x.events.length;
        const y = start({ ...base, client: `${client.name}-y` });
        await until(() => `x and y to split the partitions\n${describeAll()}`, splitAmong([x, y], PARTITIONS));
        const xKept = x.held();
        assert.deepEqual(revoked(since(x, xMark)), xBefore.filter((p) => !xKept.includes(p)), `x was revoked only what moved to y\n${x.describe()}`);
        assert.deepEqual(assigned(since(x, xMark)), [], 'x was not handed back partitions it kept (no full revoke and re-assign)');
        assert.ok(xKept.every((p) => xBefore.includes(p)) && xKept.length === PARTITIONS / 2, `sticky and balanced: x keeps ${xKept}`);
        for (const m of [x, y]) await until(`${m.name} to read after y joined`, readsMore(m));

        // z joins: x and y each give up only what z takes.
        const held = new Map([x, y].map((m) => [m, m.held()] as const));
        const marks = new Map([x, y].map((m) => [m, m.events.length] as const));
        const z = start({ ...base, client: `${client.name}-z` });
        await until(() => `x, y and z to split the partitions\n${describeAll()}`, splitAmong([x, y, z], PARTITIONS));
        for (const m of [x, y]) {
          const before = held.get(m) ?? [];
          const after = m.held();
          assert.deepEqual(revoked(since(m, marks.get(m) ?? 0)), before.filter((p) => !after.includes(p)), `${m.name} was revoked only what moved\n${m.describe()}`);
          assert.deepEqual(assigned(since(m, marks.get(m) ?? 0)), [], `${m.name} kept its other partitions`);
          assert.equal(after.length, 2);
        }
        assert.deepEqual(z.held().length, 2);

        // y leaves (LeaveGroup): x and z only gain partitions, nothing is revoked from them.
        const gainers = [x, z];
        const gainerMarks = new Map(gainers.map((m) => [m, m.events.length] as const));
        const yHeld = y.held();
        await y.close();
        await until(() => `x and z to take over y's partitions\n${describeAll()}`, splitAmong(gainers, PARTITIONS));
        for (const m of gainers) assert.deepEqual(revoked(since(m, gainerMarks.get(m) ?? 0)), [], `${m.name} lost nothing when y left\n${m.describe()}`);
        assert.deepEqual(gainers.flatMap((m) => assigned(since(m, gainerMarks.get(m) ?? 0))).sort(), yHeld, "y's partitions were handed out incrementally");

        await producer.stop();
        const ends = await logEndOffsets(target, topic, PARTITIONS);
        await until(() => `the group to commit the log end ${ends.join(',')}\n${describeAll()}`, async () => {
          const committed = await committedOffsets(target, group);
          return ends.every((end, p) => committed.get(`${topic}:${p}`) === BigInt(end));
        });
        for (const m of gainers) await m.close();
        const delivery = checkDelivery(producer, [x, y, z]);
        console.log(`${name} ${client.name} cooperative: produced ${delivery.produced}, delivered ${delivery.delivered}, duplicates ${delivery.duplicates}`);
        assert.deepEqual(delivery.lost, []);
        assert.deepEqual(delivery.unexcused, []);
      });

      test(`${client.name} static membership: a restarted member gets its partitions back, the other member sees no rebalance`, async () => {
        const topic = `static-${client.name}`;
        const group = `static-${client.name}-group`;
        await createTopic(target, topic, PARTITIONS);
        const producer = new KeyedProducer(target, topic, PARTITIONS);
        producers.push(producer);
        producer.start(1, 100);
        // A 30 s session: the restart must land well inside it.
        const base = { group, topic, strategy: 'range', commit: 'manual' as const, session_ms: 30_000 };
        const s1 = start({ ...base, client: `${client.name}-static-1`, instance: 'instance-1' });
        const s2 = start({ ...base, client: `${client.name}-static-2`, instance: 'instance-2' });
        await until(() => `s1 and s2 to split the partitions\n${describeAll()}`, splitAmong([s1, s2], PARTITIONS));
        for (const m of [s1, s2]) await until(`${m.name} to read`, readsMore(m));
        const before = await describeGroup(target, group);
        assert.equal(before.state, 'Stable');
        const s1Held = s1.held();
        const s2Mark = s2.events.length;

        // close() of a static member sends no LeaveGroup (KIP-345): the group keeps its slot.
        await s1.close();
        const between = await describeGroup(target, group);
        assert.equal(between.state, 'Stable');
        assert.deepEqual(between.members.map((m) => m.groupInstanceId).sort(), ['instance-1', 'instance-2']);

        const s1b = start({ ...base, client: `${client.name}-static-1b`, instance: 'instance-1' });
        await until(() => `the restarted s1 to get its partitions\n${describeAll()}`, () => s1b.held().length > 0);
        assert.deepEqual(s1b.held(), s1Held, 'the same partitions as before the restart');
        await until('s1b to read', readsMore(s1b));
        await until('s2 to keep reading', readsMore(s2));
        const s2Events = since(s2, s2Mark).filter((e) => e.ev === 'assign' || e.ev === 'revoke');
        assert.deepEqual(s2Events, [], `no rebalance reached s2\n${s2.describe()}`);
        const afterRestart = await describeGroup(target, group);
        assert.equal(afterRestart.state, 'Stable');
        const id = (d: typeof before) => d.members.find((m) => m.groupInstanceId === 'instance-1')?.memberId;
        assert.notEqual(id(afterRestart), id(before), 'the new process has a new member id in the same slot');

        await producer.stop();
        const ends = await logEndOffsets(target, topic, PARTITIONS);
        await until(() => `the group to commit the log end ${ends.join(',')}\n${describeAll()}`, async () => {
          const committed = await committedOffsets(target, group);
          return ends.every((end, p) => committed.get(`${topic}:${p}`) === BigInt(end));
        });
        await s1b.close();
        await s2.close();
        const delivery = checkDelivery(producer, [s1, s2, s1b]);
        console.log(`${name} ${client.name} static: produced ${delivery.produced}, delivered ${delivery.delivered}, duplicates ${delivery.duplicates}`);
        assert.deepEqual(delivery.lost, []);
        assert.deepEqual(delivery.unexcused, []);
      });
    }
  });
}
