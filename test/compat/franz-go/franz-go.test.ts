import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic } from '../groups/fixtures.ts';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';
import { FRANZ_GO_VERSION, runFranzGoClient } from './franz-go-client.ts';

/**
 * franz-go (kgo and kadm, the versions client/go.mod pins) against each compat target, for what
 * kgo's own integration tests (`npm run compat`) leave out: produce with each codec, offsets by
 * time, topic configs, and static membership. kgo's producer is idempotent by default.
 */

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const BASE_TS = 1_700_000_000_000;

interface Produced {
  offsets: number[];
  producerId: number;
  records: { offset: number; key: string; value: string; timestamp: number }[];
}

for (const name of compatTargets()) {
  describe(`franz-go ${FRANZ_GO_VERSION} against ${name}`, { timeout: 240_000 }, () => {
    let target: Target;
    const run = <T>(input: Record<string, unknown>): Promise<T> => runFranzGoClient<T>({ bootstrap: target.bootstrap, ...input });
    before(async () => {
      target = await startTarget(name);
    });
    after(() => target?.close());

    for (const codec of CODECS) {
      test(`produce (${codec}) with the idempotent default producer; a partition consumer reads every record back`, async () => {
        const topic = `fg-${codec}`;
        await createTopic(target, topic, 1);
        const out = await run<Produced>({ step: 'produce', topic, codec, count: 200, baseTimestamp: BASE_TS });
        assert.deepEqual(out.offsets, Array.from({ length: 200 }, (_, i) => i));
        assert.ok(out.producerId >= 0, `an idempotent producer id (${out.producerId})`);
        assert.deepEqual(
          out.records.map((r) => [r.offset, r.key, r.timestamp]),
          Array.from({ length: 200 }, (_, i) => [i, `${codec}-k${i}`, BASE_TS + 10 * i]),
        );
        assert.ok(out.records.every((r, i) => r.value === `${codec} value ${i} ${'fg'.repeat(i % 40)}`));
      });
    }

    test('kadm ListOffsetsAfterMilli, ListStartOffsets and ListEndOffsets', async () => {
      const topic = 'fg-times';
      await createTopic(target, topic, 1);
      await run<Produced>({ step: 'produce', topic, codec: 'none', count: 30, baseTimestamp: BASE_TS });
      const out = await run<{ start: number; end: number; after: number[] }>({ step: 'lookup', topic, timestamps: [BASE_TS - 1, BASE_TS + 5, BASE_TS + 150, BASE_TS + 290, BASE_TS + 291] });
      assert.deepEqual([out.start, out.end], [0, 30]);
      // Past the last record, kadm reports the end offset.
      assert.deepEqual(out.after, [0, 1, 15, 29, 30]);
    });

    test('kadm CreateTopic with a config, AlterTopicConfigs (set and delete), DescribeTopicConfigs', async () => {
      const out = await run<{ before: Record<string, string>; after: Record<string, string> }>({ step: 'configs', topic: 'fg-configs' });
      assert.deepEqual(out.before, { 'retention.ms': '3600000' });
      assert.deepEqual(out.after, { 'cleanup.policy': 'compact' });
    });

    test('static membership (InstanceID): a restarted member gets its partitions back in the same generation', async () => {
      const topic = 'fg-static';
      await createTopic(target, topic, 3);
      const first = await run<{ partitions: number[]; generation: number; memberId: string }>({ step: 'static', topic, group: 'fg-static-group', instanceId: 'fg-instance-1' });
      assert.deepEqual(first.partitions, [0, 1, 2]);
      // kgo's close sends no LeaveGroup for a static member: the group keeps its place.
      const second = await run<{ partitions: number[]; generation: number; memberId: string }>({ step: 'static', topic, group: 'fg-static-group', instanceId: 'fg-instance-1' });
      assert.deepEqual(second.partitions, [0, 1, 2]);
      assert.equal(second.generation, first.generation, 'no rebalance');
      assert.notEqual(second.memberId, first.memberId, 'the restarted instance got a new member id');
    });
  });
}
