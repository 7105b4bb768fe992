import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBrokerProcess } from '../compat/helpers/broker-process.ts';
import { execFileSync } from 'node:child_process';

/** Every record of every partition of `hw`, as kcat's JSON lines. */
function consumeAll(bootstrap: string): Array<{ partition: number }> {
  const out = execFileSync('kcat', ['-b', bootstrap, '-C', '-t', 'hw', '-o', 'beginning', '-e', '-J', '-q', '-m', '20'], { timeout: 60_000, encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { partition: number });
}

function produce(bootstrap: string, partition: number, input: string): void {
  execFileSync('kcat', ['-b', bootstrap, '-P', '-t', 'hw', '-p', String(partition), '-K', ':', '-X', 'acks=all', '-m', '20'], { input, timeout: 60_000 });
}

/**
 * Regression (found by Kafka's VerifiableProducer/Consumer in `npm run compat`): after a kill -9,
 * partitions that received nothing after the restart looked empty to consumers — the records were
 * on disk, but the high watermark restarted at its (lagging) checkpoint and only an append moved
 * it. A sole-replica leader must expose its whole log at once, as Kafka's makeLeader does.
 */
test('after kill -9, acknowledged records are readable on partitions not written since the restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-hw-'));
  let broker = await startBrokerProcess(dir, 0, ['num.partitions=3']);
  try {
    const lines = (p: number) => Array.from({ length: 20 }, (_, i) => `k${p}-${i}:v${p}-${i}`).join('\n') + '\n';
    for (const p of [0, 1, 2]) produce(broker.bootstrap, p, lines(p));
    await broker.kill9();
    broker = await startBrokerProcess(dir, broker.port);
    // Only partition 2 is written after the restart.
    produce(broker.bootstrap, 2, 'late:v\n');
    const records = consumeAll(broker.bootstrap);
    for (const p of [0, 1]) {
      assert.equal(records.filter((r) => r.partition === p).length, 20, `partition ${p} still serves its 20 acknowledged records`);
    }
    assert.equal(records.filter((r) => r.partition === 2).length, 21);
  } finally {
    await broker.kill9();
    await rm(dir, { recursive: true, force: true });
  }
});
