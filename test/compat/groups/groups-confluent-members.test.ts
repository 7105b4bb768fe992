import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawClient } from '../../e2e/broker-raw-client.ts';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';
import { committedOffsets, createTopic } from './fixtures.ts';
import { checkDelivery, describeGroup, KeyedProducer, logEndOffsets, MemberProcess, readsMore, splitAmong, until, type MemberConfig } from './member-harness.ts';

/**
 * Issue 5, item 4: a confluent-kafka-python 1.7 (librdkafka 2.0.2, eager `range`) group of three
 * member processes while a producer writes throughout. One member is killed (SIGKILL: the broker
 * only notices when its 6 s session times out) and restarted from the committed offsets, one leaves
 * cleanly (close(): LeaveGroup and a final auto commit); members commit manually (synchronous commit
 * after each batch) or automatically (every 200 ms). Afterwards every record was delivered, every
 * duplicate is inside the at-least-once window (checkDelivery), the committed offsets are the log
 * end, and a new member starts exactly after them. Runs against Apache Kafka 4.3 and Gregor.
 */

const TOPIC = 'members';
const GROUP = 'members-group';
const PARTITIONS = 6;

for (const name of compatTargets()) {
  describe(`confluent-kafka-python member processes against ${name}`, () => {
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

    test('3 members: one killed and restarted, one leaves; no record lost, duplicates only in the at-least-once window', async () => {
      await createTopic(target, TOPIC, PARTITIONS);
      const producer = new KeyedProducer(target, TOPIC, PARTITIONS);
      producers.push(producer);
      const start = (client: string, commit: 'manual' | 'auto'): MemberProcess => {
        const config: MemberConfig = { bootstrap: target.bootstrap, group: GROUP, topic: TOPIC, client, commit, session_ms: 6000 };
        const m = MemberProcess.python(config);
        members.push(m);
        return m;
      };
      const describeAll = () => members.map((m) => m.describe()).join('\n');
      const split = (live: MemberProcess[]) => splitAmong(live, PARTITIONS);
      const readSome = readsMore;

      producer.start(2, 100);
      const a = start('member-a', 'manual');
      const b = start('member-b', 'auto');
      const c = start('member-c', 'manual');
      await until(() => `a, b and c to split the partitions\n${describeAll()}`, split([a, b, c]));
      for (const m of [a, b, c]) await until(() => `${m.name} to read records\n${m.describe()}`, readSome(m));

      // A crash: no LeaveGroup, so b and c keep their partitions until a's session expires.
      await a.kill();
      await until(() => `b and c to take over a's partitions\n${describeAll()}`, split([b, c]));
      for (const m of [b, c]) await until(`${m.name} to read after the takeover`, readSome(m));

      // The crashed member comes back (a new process, a new member id) and resumes from the commits.
      const a2 = start('member-a2', 'manual');
      await until(() => `a2, b and c to split the partitions\n${describeAll()}`, split([a2, b, c]));
      await until('a2 to read records', readSome(a2));

      // A clean leave: LeaveGroup starts the rebalance at once.
      await b.close();
      await until(() => `a2 and c to take over b's partitions\n${describeAll()}`, split([a2, c]));
      for (const m of [a2, c]) await until(`${m.name} to read after b left`, readSome(m));

      await producer.stop();
      const ends = await logEndOffsets(target, TOPIC, PARTITIONS);
      assert.equal(ends.reduce((s, n) => s + n, 0), producer.total());
      const wanted = ends.map((end, p) => [`${TOPIC}:${p}`, BigInt(end)] as const);
      await until(() => `the group to commit the log end ${ends.join(',')}\n${describeAll()}`, async () => {
        const committed = await committedOffsets(target, GROUP);
        return wanted.every(([k, v]) => committed.get(k) === v);
      });
      await a2.close();
      await c.close();
      assert.equal((await describeGroup(target, GROUP)).state, 'Empty');

      // A restart of the whole group: a new member starts exactly at the committed offsets.
      const client = new KeyedProducer(target, TOPIC, PARTITIONS, 'late');
      const raw = await RawClient.connect(target.port);
      try {
        await client.produceOnce(raw, 3);
      } finally {
        raw.close();
      }
      const r = start('member-r', 'manual');
      await until(() => `r to read the ${client.total()} new records\n${r.describe()}`, () => r.records().length >= client.total() && r.held().length === PARTITIONS);
      await r.close();
      assert.deepEqual(r.records().map((x) => x.k).sort(), client.allKeys().sort(), 'the restarted group read only what came after its commits');

      const delivery = checkDelivery(producer, [a, b, c, a2]);
      console.log(`${name}: produced ${delivery.produced}, delivered ${delivery.delivered}, duplicates ${delivery.duplicates}`);
      assert.deepEqual(delivery.lost, [], 'no record lost');
      assert.deepEqual(delivery.unexcused, [], 'duplicates only inside the at-least-once window');
      assert.ok(delivery.produced > 0);
      for (const m of members) assert.deepEqual(m.errors(), [], m.describe());
    });
  });
}
