import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';
import { describeJavaClient, runJavaClient } from './java-client.ts';

// The Java client (kafka-clients) against each compat target: admin, produce with each compression
// codec, consume in a group, offsets and configs. See test/peers/target.ts for the targets.
for (const name of compatTargets()) {
  describe(`Java client against ${name}`, () => {
    let target: Target;
    const topic = 'java-compat';
    const gaps = (): string[] => Object.entries(target.producerProperties).flatMap(([k, v]) => ['--property', `${k}=${v}`]);

    before(async () => {
      target = await startTarget(name);
    });
    after(async () => {
      await target?.close();
    });

    test('admin: describe-cluster lists one node on the bootstrap port', async () => {
      const r = await runJavaClient(['admin', target.bootstrap, 'describe-cluster']);
      assert.equal(r.code, 0, describeJavaClient(r));
      const cluster = r.lines[0] as { nodes: Array<{ id: number; port: number }>; clusterId: string };
      assert.equal(cluster.nodes.length, 1);
      assert.equal(cluster.nodes[0]?.port, target.port);
      assert.ok(cluster.clusterId.length > 0);
    });

    test('admin: create-topic with a config, then describe-topic and describe-configs', async () => {
      const created = await runJavaClient(['admin', target.bootstrap, 'create-topic', topic, '--partitions', '3', '--config', 'retention.ms=3600000']);
      assert.equal(created.code, 0, describeJavaClient(created));
      const described = await runJavaClient(['admin', target.bootstrap, 'describe-topic', topic]);
      assert.equal(described.code, 0, describeJavaClient(described));
      const partitions = (described.lines[0] as { partitions: Array<{ partition: number; leader: number }> }).partitions;
      assert.deepEqual(partitions.map((p) => p.partition), [0, 1, 2]);
      const configs = await runJavaClient(['admin', target.bootstrap, 'describe-configs', 'topic', topic]);
      assert.equal(configs.code, 0, describeJavaClient(configs));
      const retention = (configs.lines[0] as { configs: Record<string, { value: string; source: string }> }).configs['retention.ms'];
      assert.deepEqual(retention && { value: retention.value, source: retention.source }, { value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG' });
    });

    test('produce: acks=all with each compression codec gives dense offsets per partition', async () => {
      const seen = new Map<number, number[]>();
      for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
        const r = await runJavaClient(['produce', target.bootstrap, topic, '4', '--compression', compression, '--value-prefix', `${compression}-`, ...gaps()]);
        assert.equal(r.code, 0, describeJavaClient(r));
        assert.equal(r.lines.length, 4);
        for (const line of r.lines) {
          const p = line['partition'] as number;
          seen.set(p, [...(seen.get(p) ?? []), line['offset'] as number]);
        }
      }
      let total = 0;
      for (const offsets of seen.values()) {
        assert.deepEqual([...offsets].sort((a, b) => a - b), offsets.map((_, i) => i));
        total += offsets.length;
      }
      assert.equal(total, 20);
    });

    test('list-offsets: latest offsets add up to the records produced', async () => {
      const r = await runJavaClient(['admin', target.bootstrap, 'list-offsets', topic, 'latest']);
      assert.equal(r.code, 0, describeJavaClient(r));
      assert.equal(r.lines.reduce((sum, l) => sum + (l['offset'] as number), 0), 20);
    });

    test('consume: a group reads all 20 records, then has nothing left', async () => {
      const r = await runJavaClient(['consume', target.bootstrap, topic, '--group', 'java-compat-group', '--max', '20']);
      assert.equal(r.code, 0, describeJavaClient(r));
      const values = r.lines.map((l) => l['value'] as string).sort();
      const want = ['none', 'gzip', 'snappy', 'lz4', 'zstd'].flatMap((c) => [0, 1, 2, 3].map((i) => `${c}-${i}`)).sort();
      assert.deepEqual(values, want);
      // The offsets were committed: the same group resumes at the end and times out with nothing.
      const again = await runJavaClient(['consume', target.bootstrap, topic, '--group', 'java-compat-group', '--max', '1', '--timeout-ms', '3000']);
      assert.equal(again.code, 3, describeJavaClient(again));
      assert.equal(again.lines.length, 0);
    });
  });
}
