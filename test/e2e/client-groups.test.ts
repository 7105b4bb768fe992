import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client, type GroupConsumer, type GroupConsumerOptions, type TopicPartitions } from '../../src/client/index.ts';
import { compatTargets, startTarget, type Target } from '../peers/target.ts';

/**
 * The group consumer and group admin (classic protocol: FindCoordinator, JoinGroup with the
 * MEMBER_ID_REQUIRED round trip, SyncGroup, Heartbeat, OffsetCommit/Fetch, LeaveGroup, assignors,
 * rebalances) against each compat target of test/peers/target.ts (Apache Kafka and Gregor;
 * GREGOR_COMPAT_TARGETS chooses), so a flow that passes on one and fails on the other is a broker bug.
 */

/** Polls `check` until it returns true; fails after `timeoutMs` with `what`. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const FAST: Partial<GroupConsumerOptions> = { heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, maxWaitMs: 200, autoCommitIntervalMs: 200 };

function partitionsOf(a: TopicPartitions, topic: string): number[] {
  return [...(a.get(topic) ?? [])].sort((x, y) => x - y);
}

for (const targetName of compatTargets()) describe(`consumer groups against ${targetName}`, () => {
  let target: Target;
  let client: Client;

  before(async () => {
    target = await startTarget(targetName);
    client = createClient({ brokers: [target.bootstrap], clientId: 'client-groups', retry: { initialBackoffMs: 50, maxBackoffMs: 500, retries: 10 } });
  });
  after(async () => {
    await client?.close();
    await target?.close();
  });

  async function topic(name: string, partitions: number, messages: number): Promise<void> {
    const admin = client.admin();
    const [r] = await admin.createTopics([{ topic: name, numPartitions: partitions, replicationFactor: 1 }]);
    assert.equal(r?.errorCode, 0);
    await admin.close();
    if (messages === 0) return;
    const producer = client.producer();
    await producer.send({ topic: name, messages: Array.from({ length: messages }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.close();
  }

  test('two consumers in one group split the partitions and together read every record once', async () => {
    await topic('split', 4, 0);
    const seen = new Map<string, Array<{ partition: number; offset: bigint }>>();
    const consumers: GroupConsumer[] = [];
    const runs: Array<Promise<void>> = [];
    for (const name of ['c1', 'c2']) {
      const c = client.consumer({ groupId: 'split-group', fromBeginning: true, ...FAST });
      c.subscribe(['split']);
      runs.push(c.run({ eachMessage: (r) => void seen.set(name, [...(seen.get(name) ?? []), { partition: r.partition, offset: r.offset }]) }));
      consumers.push(c);
      if (name === 'c1') await waitFor('c1 to get every partition', () => partitionsOf(c.assignment(), 'split').length === 4);
    }
    const [c1, c2] = consumers as [GroupConsumer, GroupConsumer];
    await waitFor('both consumers to share the topic', () => partitionsOf(c1.assignment(), 'split').length === 2 && partitionsOf(c2.assignment(), 'split').length === 2);
    assert.deepEqual([...partitionsOf(c1.assignment(), 'split'), ...partitionsOf(c2.assignment(), 'split')].sort(), [0, 1, 2, 3]);
    const producer = client.producer();
    await producer.send({ topic: 'split', messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.close();
    const total = (): number => [...seen.values()].reduce((n, v) => n + v.length, 0);
    await waitFor('all 100 records', () => total() === 100);
    // Each consumer read only its own partitions, and no record twice.
    for (const [name, c] of [['c1', c1], ['c2', c2]] as const) {
      const mine = partitionsOf(c.assignment(), 'split');
      const records = seen.get(name) ?? [];
      assert.ok(records.length > 0, `${name} read records`);
      assert.ok(records.every((r) => mine.includes(r.partition)), `${name} read only partitions ${mine}`);
    }
    assert.equal(new Set([...seen.values()].flat().map((r) => `${r.partition}:${r.offset}`)).size, 100);
    await Promise.all(consumers.map((c) => c.close()));
    await Promise.all(runs);
    const admin = client.admin();
    const committed = await admin.fetchOffsets('split-group');
    const ends = await admin.listOffsets('split');
    assert.deepEqual(committed.map((c) => c.offset), ends.map((e) => e.offset), 'the commits on close stored the end of every partition');
    await admin.close();
  });

  test('manual commit, then a new member of the group resumes after the committed offsets', async () => {
    await topic('resume', 2, 20);
    const first = client.consumer({ groupId: 'resume-group', fromBeginning: true, autoCommit: false, ...FAST });
    first.subscribe(['resume']);
    const read: string[] = [];
    const run = first.run({
      eachBatch: async (b) => {
        read.push(...b.records.map((r) => r.value!.toString()));
      },
    });
    await waitFor('the first 20 records', () => read.length === 20);
    await first.commitOffsets();
    await first.close();
    await run;

    const producer = client.producer();
    await producer.send({ topic: 'resume', messages: Array.from({ length: 10 }, (_, i) => ({ key: `n${i}`, value: `new${i}` })) });
    await producer.close();

    const second = client.consumer({ groupId: 'resume-group', fromBeginning: true, ...FAST });
    second.subscribe(['resume']);
    const resumed: string[] = [];
    for await (const record of second) {
      resumed.push(record.value!.toString());
      if (resumed.length === 10) break;
    }
    assert.deepEqual(resumed.sort(), Array.from({ length: 10 }, (_, i) => `new${i}`).sort());
    await second.close();
  });

  test('cooperative-sticky: a joining member takes half, the first member revokes only what moves', async () => {
    await topic('coop', 4, 0);
    const revoked: TopicPartitions[] = [];
    const c1 = client.consumer({ groupId: 'coop-group', assignors: ['cooperative-sticky'], ...FAST, onRevoke: (p) => void revoked.push(p) });
    c1.subscribe(['coop']);
    const run1 = c1.run({ eachMessage: () => undefined });
    await waitFor('c1 to own all four', () => partitionsOf(c1.assignment(), 'coop').length === 4);
    const c2 = client.consumer({ groupId: 'coop-group', assignors: ['cooperative-sticky'], ...FAST });
    c2.subscribe(['coop']);
    const run2 = c2.run({ eachMessage: () => undefined });
    await waitFor('the partitions to be shared', () => partitionsOf(c1.assignment(), 'coop').length === 2 && partitionsOf(c2.assignment(), 'coop').length === 2);
    assert.deepEqual([...partitionsOf(c1.assignment(), 'coop'), ...partitionsOf(c2.assignment(), 'coop')].sort(), [0, 1, 2, 3]);
    // Only the two partitions that moved were revoked from c1, never its whole assignment.
    assert.deepEqual(revoked.map((r) => partitionsOf(r, 'coop').length), [2]);
    // c2 leaves (LeaveGroup): the heartbeat of c1 sees the rebalance and c1 takes everything back.
    await c2.close();
    await run2;
    await waitFor('c1 to own all four again', () => partitionsOf(c1.assignment(), 'coop').length === 4);
    assert.equal(revoked.length, 1, 'taking partitions back revokes nothing');
    await c1.close();
    await run1;
  });

  test('regex subscription, for-await iteration, pause/resume and seek', async () => {
    await topic('rx-a', 1, 5);
    await topic('rx-b', 1, 5);
    const c = client.consumer({ groupId: 'rx-group', fromBeginning: true, ...FAST, topicRefreshMs: 200 });
    c.subscribe([/^rx-/]);
    const got: string[] = [];
    for await (const r of c) {
      got.push(`${r.topic}:${r.value}`);
      if (got.length === 10) break;
    }
    assert.deepEqual(got.filter((g) => g.startsWith('rx-a')).length, 5);
    assert.deepEqual(got.filter((g) => g.startsWith('rx-b')).length, 5);
    assert.deepEqual([...c.assignment().keys()].sort(), ['rx-a', 'rx-b']);
    await c.close();

    // Rewind one topic with seek; pause the other and check that new records wait for resume.
    const d = client.consumer({ groupId: 'rx-group-2', fromBeginning: true, ...FAST });
    d.subscribe(['rx-a', 'rx-b']);
    const values: string[] = [];
    let sought = false;
    const run = d.run({
      eachMessage: (r) => {
        values.push(`${r.topic}:${r.offset}`);
        if (!sought && r.topic === 'rx-a' && r.offset === 4n) {
          sought = true;
          d.seek('rx-a', 0, 3n);
        }
      },
    });
    await waitFor('rx-a read again from offset 3', () => values.filter((v) => v === 'rx-a:3').length === 2 && values.includes('rx-a:4'));
    await waitFor('rx-b read to its end', () => d.position('rx-b', 0) === 5n);
    d.pause([{ topic: 'rx-b' }]);
    assert.deepEqual(d.paused(), [{ topic: 'rx-b', partition: 0 }]);
    const producer = client.producer();
    await producer.send({ topic: 'rx-b', messages: [{ value: 'b-late' }] });
    await producer.send({ topic: 'rx-a', messages: [{ value: 'a-late' }] });
    // The fetch that brings rx-a's new record would have carried rx-b's too, were it not paused.
    await waitFor('rx-a:5', () => values.includes('rx-a:5'));
    assert.ok(!values.includes('rx-b:5'), 'nothing from the paused partition');
    d.resume([{ topic: 'rx-b' }]);
    await waitFor('rx-b:5 after resume', () => values.includes('rx-b:5'));
    await producer.close();
    await d.close();
    await run;
  });

  test('group admin: list, describe, fetch offsets, reset offsets, delete', async () => {
    await topic('gadm', 2, 10);
    const c = client.consumer({ groupId: 'gadm-group', fromBeginning: true, ...FAST });
    c.subscribe(['gadm']);
    let count = 0;
    const run = c.run({ eachMessage: () => void count++ });
    await waitFor('10 records', () => count === 10);
    const admin = client.admin();
    try {
      assert.ok((await admin.listGroups()).some((g) => g.groupId === 'gadm-group' && g.protocolType === 'consumer'));
      await waitFor('the group to be stable', async () => (await admin.describeGroups(['gadm-group']))[0]?.state === 'Stable');
      const [desc] = await admin.describeGroups(['gadm-group']);
      assert.equal(desc?.protocol, 'range');
      assert.equal(desc?.members.length, 1);
      assert.deepEqual(desc?.members[0]?.subscription, ['gadm']);
      assert.deepEqual(desc?.members[0]?.assignment, [{ topic: 'gadm', partitions: [0, 1] }]);
      await c.close();
      await run;
      const committed = await admin.fetchOffsets('gadm-group');
      assert.equal(committed.reduce((n, o) => n + o.offset, 0n), 10n);
      await admin.resetOffsets('gadm-group', 'gadm', 'earliest');
      assert.deepEqual((await admin.fetchOffsets('gadm-group')).map((o) => o.offset), [0n, 0n]);
      await admin.commitOffsets('gadm-group', [{ topic: 'gadm', partition: 0, offset: 1n, metadata: 'note' }]);
      const after = await admin.fetchOffsets('gadm-group', [{ topic: 'gadm', partitions: [0] }]);
      assert.deepEqual(after.map((o) => [o.offset, o.metadata]), [[1n, 'note']]);
      assert.deepEqual(await admin.deleteGroups(['gadm-group']), [{ groupId: 'gadm-group', errorCode: 0 }]);
      assert.ok(!(await admin.listGroups()).some((g) => g.groupId === 'gadm-group'));
    } finally {
      await admin.close();
    }
  });

  test('a throwing eachMessage stops the consumer, leaves the group and commits only what was handled', async () => {
    await topic('throws', 1, 10);
    const c = client.consumer({ groupId: 'throws-group', fromBeginning: true, ...FAST });
    c.subscribe(['throws']);
    const failure = new Error('handler failed at offset 3');
    await assert.rejects(
      c.run({
        eachMessage: (r) => {
          if (r.offset === 3n) throw failure;
        },
      }),
      (e: unknown) => e === failure,
    );
    const admin = client.admin();
    assert.deepEqual((await admin.fetchOffsets('throws-group')).map((o) => o.offset), [3n]);
    await waitFor('the group to be empty', async () => (await admin.describeGroups(['throws-group']))[0]?.members.length === 0);
    await admin.close();
    await c.close();
  });

  test('round-robin assignment with static members (group.instance.id)', async () => {
    await topic('rr-a', 1, 0);
    await topic('rr-b', 1, 0);
    const consumers = ['one', 'two'].map((id) => {
      const c = client.consumer({ groupId: 'rr-group', groupInstanceId: `instance-${id}`, assignors: ['roundrobin'], ...FAST });
      c.subscribe(['rr-a', 'rr-b']);
      return c;
    });
    const runs = consumers.map((c) => c.run({ eachMessage: () => undefined }));
    const [one, two] = consumers as [GroupConsumer, GroupConsumer];
    // Round-robin over (rr-a 0, rr-b 0) in member order: instance-one takes rr-a, instance-two rr-b.
    await waitFor('one partition each', () => [...one.assignment().keys()].join() === 'rr-a' && [...two.assignment().keys()].join() === 'rr-b');
    const admin = client.admin();
    const [desc] = await admin.describeGroups(['rr-group']);
    assert.equal(desc?.protocol, 'roundrobin');
    assert.deepEqual(desc?.members.map((m) => m.groupInstanceId).sort(), ['instance-one', 'instance-two']);
    await admin.close();
    await Promise.all(consumers.map((c) => c.close()));
    await Promise.all(runs);
  });
});
