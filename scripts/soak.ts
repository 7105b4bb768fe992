/**
 * `npm run soak`: long runs kept out of `npm test`. Today: the consumer-group rebalance storms
 * (issue 5, item 5) against each compat target (Apache Kafka 4.3 and Gregor; GREGOR_COMPAT_TARGETS
 * chooses), each over a 3-partition topic while a producer writes, for a minute:
 *   kafkajs    10 kafkajs consumers joining and leaving at random (the short form of the same code
 *              is test/compat/groups/groups-storm.test.ts);
 *   processes  10 confluent-kafka-python member processes joining, leaving and crashing (SIGKILL)
 *              at random (test/compat/groups/process-storm.ts).
 *
 *   npm run soak                              a random seed, one minute per storm and target
 *   GREGOR_STORM_SEED=123 npm run soak        replay a schedule
 *   npm run soak -- --seconds=120             longer storms
 *   npm run soak -- --only=processes          one storm
 *
 * Exits non-zero when a run lost a record, left a commit short of the log end, or ended with the
 * group not Stable; the seed is printed with every result.
 */
import { randomInt } from 'node:crypto';
import { installPeers, isCi } from './install-peers.ts';
import { compatTargets, startTarget } from '../test/peers/target.ts';
import { describeProcessStorm, runProcessStorm } from '../test/compat/groups/process-storm.ts';
import { describeStorm, runStorm } from '../test/compat/groups/rebalance-storm.ts';

const secondsArg = process.argv.find((a) => a.startsWith('--seconds='));
const seconds = secondsArg === undefined ? 60 : Number(secondsArg.slice('--seconds='.length));
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const storms = new Set(onlyArg === undefined ? ['kafkajs', 'processes'] : onlyArg.slice('--only='.length).split(','));
const seed = process.env['GREGOR_STORM_SEED'] === undefined ? randomInt(2 ** 31) : Number(process.env['GREGOR_STORM_SEED']);

installPeers({ ci: isCi() });
let failed = false;
async function soak(name: string, storm: string, run: () => Promise<{ ok: boolean; text: string }>): Promise<void> {
  const started = performance.now();
  try {
    const r = await run();
    console.log(`soak ${storm} storm against ${name}: ${r.ok ? 'ok' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(0)} s\n${r.text}\n`);
    if (!r.ok) failed = true;
  } catch (error) {
    console.log(`soak ${storm} storm against ${name}: FAILED (seed ${seed})\n${error instanceof Error ? error.stack : String(error)}\n`);
    failed = true;
  }
}

for (const name of compatTargets()) {
  const target = await startTarget(name);
  try {
    if (storms.has('kafkajs')) {
      await soak(name, 'kafkajs', async () => {
        const r = await runStorm(target, 'soak-storm', 'soak-storm-group', {
          seed,
          durationMs: seconds * 1000,
          consumers: 10,
          partitions: 3,
          stepMs: [100, 1500],
          perRound: 2,
          produceEveryMs: 50,
          drainTimeoutMs: 120_000,
        });
        return { ok: r.ok, text: describeStorm(r) };
      });
    }
    if (storms.has('processes')) {
      await soak(name, 'processes', async () => {
        const r = await runProcessStorm(target, 'soak-process-storm', 'soak-process-storm-group', {
          seed,
          durationMs: seconds * 1000,
          members: 10,
          partitions: 3,
          stepMs: [300, 2500],
          crashShare: 0.4,
        });
        return { ok: r.ok, text: describeProcessStorm(r) };
      });
    }
  } finally {
    await target.close();
  }
}
if (failed) console.log(`replay with GREGOR_STORM_SEED=${seed}`);
process.exit(failed ? 1 : 0);
