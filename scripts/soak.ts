/**
 * `npm run soak`: long runs kept out of `npm test`. Today: the consumer-group rebalance storm
 * (issue 5, item 5) at full length — 10 kafkajs consumers joining and leaving at random for a minute
 * over a 3-partition topic while a producer writes — against each compat target (Apache Kafka 4.3
 * and Gregor; GREGOR_COMPAT_TARGETS chooses). The short form of the same code is
 * test/compat/groups/groups-storm.test.ts.
 *
 *   npm run soak                              a random seed, one minute per target
 *   GREGOR_STORM_SEED=123 npm run soak        replay a schedule
 *   npm run soak -- --seconds=120             a longer storm
 *
 * Exits non-zero when a run lost a record, left a commit short of the log end, or ended with the
 * group not Stable; the seed is printed with every result.
 */
import { randomInt } from 'node:crypto';
import { installPeers, isCi } from './install-peers.ts';
import { compatTargets, startTarget } from '../test/peers/target.ts';
import { describeStorm, runStorm } from '../test/compat/groups/rebalance-storm.ts';

const secondsArg = process.argv.find((a) => a.startsWith('--seconds='));
const seconds = secondsArg === undefined ? 60 : Number(secondsArg.slice('--seconds='.length));
const seed = process.env['GREGOR_STORM_SEED'] === undefined ? randomInt(2 ** 31) : Number(process.env['GREGOR_STORM_SEED']);

installPeers({ ci: isCi() });
let failed = false;
for (const name of compatTargets()) {
  const target = await startTarget(name);
  const started = performance.now();
  try {
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
    const verdict = r.ok ? 'ok' : 'FAILED';
    console.log(`soak rebalance storm against ${name}: ${verdict} in ${((performance.now() - started) / 1000).toFixed(0)} s\n${describeStorm(r)}\n`);
    if (!r.ok) failed = true;
  } catch (error) {
    console.log(`soak rebalance storm against ${name}: FAILED (seed ${seed})\n${error instanceof Error ? error.stack : String(error)}\n`);
    failed = true;
  } finally {
    await target.close();
  }
}
if (failed) console.log(`replay with GREGOR_STORM_SEED=${seed}`);
process.exit(failed ? 1 : 0);
