import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compatTargets } from '../../peers/target.ts';
import { startRestartableBroker, type RestartableBroker } from '../helpers/restartable-broker.ts';
import { describeJavaClient, runJavaClient, startJavaClient, type JavaClientResult } from '../java/java-client.ts';

/**
 * An exactly-once pipeline (KIP-98/KIP-447) with the Java client 4.3 through kill -9s: the input
 * topic holds COUNT records; JavaClient's eos-pipeline consumes it read_committed in a group and, a
 * transaction per poll of at most BATCH records, writes each record transformed to the output topic
 * together with the consumed offsets (sendOffsetsToTransaction).
 *
 *   1. Once KILL_AFTER input records are committed the broker is SIGKILLed and restarted on the same
 *      data and port, in the middle of whatever transaction is open; the pipeline rides through
 *      (retrying, or aborting and rewinding to the committed offsets).
 *   2. Once HANG_AFTER are committed the pipeline writes one more transaction, flushes it and is
 *      itself SIGKILLed before ending it: a zombie.
 *   3. The broker is killed and restarted again with the zombie's transaction open.
 *   4. A new pipeline with the same transactional.id fences the zombie, which must abort its open
 *      transaction, and resumes from the group's committed offsets to the end.
 *
 *   5. The broker is killed and restarted a last time, so the readers see what it recovered.
 *
 * Finally a read_committed reader must find every input record in the output exactly once (none
 * lost, none duplicated), and a read_uncommitted one the zombie's records as well.
 *
 * Both targets run in their own process (helpers/restartable-broker.ts), Apache Kafka first: it
 * proves the flow and the assertions right.
 */

const COUNT = 20_000;
const BATCH = 100;
const KILL_AFTER = 6_000;
const HANG_AFTER = 14_000;
const PARTITIONS = 3;
/**
 * Pipeline incarnations allowed: the zombie and its successor, and one more each should one give up
 * on a restarting broker (an application would restart it the same way).
 */
const MAX_RUNS = 4;

const INPUT = 'eos-input';
const OUTPUT = 'eos-output';
const GROUP = 'eos-pipeline';
const TRANSACTIONAL_ID = 'eos-pipeline-1';

const done = (r: JavaClientResult): number | undefined => r.lines.find((l) => typeof l['done'] === 'number')?.['done'] as number | undefined;

for (const name of compatTargets()) {
  describe(`exactly-once pipeline against ${name}`, () => {
    let broker: RestartableBroker;
    before(async () => {
      broker = await startRestartableBroker(name);
    });
    after(async () => {
      await broker?.close();
    });

    test(`Java consume-transform-produce of ${COUNT} records through broker and pipeline kill -9s: every record in the output exactly once`, async (t) => {
      const { bootstrap } = broker;
      for (const topic of [INPUT, OUTPUT]) {
        const created = await runJavaClient(['admin', bootstrap, 'create-topic', topic, '--partitions', String(PARTITIONS)]);
        assert.equal(created.code, 0, describeJavaClient(created));
      }
      const produced = await runJavaClient(['produce', bootstrap, INPUT, String(COUNT), '--acks', 'all'], { timeoutMs: 120_000 });
      assert.equal(produced.code, 0, describeJavaClient(produced));
      assert.equal(produced.lines.length, COUNT);

      const args = ['eos-pipeline', bootstrap, INPUT, OUTPUT, '--group', GROUP, '--transactional-id', TRANSACTIONAL_ID, '--expect', String(COUNT), '--batch', String(BATCH)];
      const zombieArgs = [...args, '--hang-after', String(HANG_AFTER)];
      const runs: JavaClientResult[] = [];
      const story = (): string =>
        runs.map((r, i) => `run ${i + 1}: ${describeJavaClient(r)}\n  aborted: ${JSON.stringify(r.lines.filter((l) => 'aborted' in l))}`).join('\n');
      let open = 0;
      let run = startJavaClient(zombieArgs, { timeoutMs: 180_000 });
      try {
        await run.until((l) => typeof l['committed'] === 'number' && l['committed'] >= KILL_AFTER);
        assert.ok(!run.lines.some((l) => 'done' in l || 'open' in l), `the pipeline was under way when the broker was killed: ${JSON.stringify(run.lines.slice(-3))}`);
        await broker.kill9AndRestart();
        // The zombie: a transaction written and flushed, never ended, its process killed. A pipeline
        // that gave up on the lost broker instead is replaced (same transactional.id) until one hangs.
        for (;;) {
          await run.until((l) => 'open' in l);
          const zombie = run.lines.find((l) => 'open' in l);
          run.kill();
          runs.push(await run.finished);
          if (zombie !== undefined) {
            open = zombie['open'] as number;
            break;
          }
          assert.ok(runs.length < MAX_RUNS, `no pipeline run left a transaction open\n${story()}`);
          run = startJavaClient(zombieArgs, { timeoutMs: 180_000 });
        }
        // Crashed again with the zombie's transaction open: the restarted broker must know it from
        // its logs alone (the coordinator's Ongoing state and partitions, the partitions' producer
        // state and last stable offset) to abort it when the next pipeline fences the zombie.
        await broker.kill9AndRestart();
        do {
          run = startJavaClient(args, { timeoutMs: 180_000 });
          runs.push(await run.finished);
        } while (done(runs[runs.length - 1] as JavaClientResult) === undefined && runs.length < MAX_RUNS);
      } finally {
        run.kill();
      }
      const last = runs[runs.length - 1] as JavaClientResult;
      const transactions = runs.flatMap((r) => r.lines.filter((l) => 'committed' in l)).length;
      const aborts = runs.flatMap((r) => r.lines.filter((l) => 'aborted' in l)).length;
      t.diagnostic(`${runs.length} pipeline runs, ${transactions} committed transactions, ${aborts} aborted by the pipeline, ${open} records in the zombie's`);
      assert.equal(done(last), COUNT, `the pipeline finished within ${MAX_RUNS} runs\n${story()}`);
      assert.equal(last.code, 0, story());

      // Once more, with every transaction ended: what the readers see next comes from the logs as a
      // restarted broker recovers them (markers, aborted-transaction index, last stable offsets).
      await broker.kill9AndRestart();
      const read = await runJavaClient(['read-all', bootstrap, OUTPUT, '--isolation', 'read_committed'], { timeoutMs: 120_000 });
      assert.equal(read.code, 0, describeJavaClient(read));
      // Counted one by one: key-i must appear once, with the transformed value of input i.
      const counts = new Map<string, number>();
      const wrong: string[] = [];
      for (const l of read.lines) {
        const key = l['key'] as string;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (l['value'] !== `out-value-${key.slice('key-'.length)}`) wrong.push(`${key}=${String(l['value'])}`);
      }
      const duplicated = [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
      const missing = Array.from({ length: COUNT }, (_, i) => `key-${i}`).filter((k) => !counts.has(k));
      assert.deepEqual(duplicated.slice(0, 20), [], `${duplicated.length} input records are in the output more than once\n${story()}`);
      assert.deepEqual(missing.slice(0, 20), [], `${missing.length} input records are missing from the output\n${story()}`);
      assert.deepEqual(wrong.slice(0, 20), []);
      assert.equal(read.lines.length, COUNT);

      // The zombie's records are in the log, aborted: a read_uncommitted reader sees them as well.
      const uncommitted = await runJavaClient(['read-all', bootstrap, OUTPUT, '--isolation', 'read_uncommitted'], { timeoutMs: 120_000 });
      assert.equal(uncommitted.code, 0, describeJavaClient(uncommitted));
      assert.ok(uncommitted.lines.length >= COUNT + open, `read_uncommitted sees ${uncommitted.lines.length} records, ${COUNT} committed and ${open} of the zombie's at least`);
    });
  });
}
