import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { compatTargets, startTarget, type Target } from '../../peers/target.ts';
import { describeStorm, runStorm } from './rebalance-storm.ts';

/**
 * Issue 5, item 5, short form (about 15 s of churn): 10 kafkajs consumers join and leave a group over
 * a 3-partition topic at random while a producer writes; afterwards every record was consumed and
 * committed and the group is Stable. The full minute runs in `npm run soak` (scripts/soak.ts).
 * GREGOR_STORM_SEED=<n> replays a schedule; the seed is in every failure message.
 */

const SEED = process.env['GREGOR_STORM_SEED'] === undefined ? randomInt(2 ** 31) : Number(process.env['GREGOR_STORM_SEED']);

for (const name of compatTargets()) {
  describe(`rebalance storm against ${name}`, () => {
    let target: Target;
    before(async () => {
      target = await startTarget(name);
    });
    after(() => target?.close());

    test(`10 kafkajs consumers join and leave at random for 15 s (seed ${SEED})`, async () => {
      const r = await runStorm(target, 'storm', 'storm-group', {
        seed: SEED,
        durationMs: 15_000,
        consumers: 10,
        partitions: 3,
        stepMs: [100, 900],
        perRound: 2,
        produceEveryMs: 50,
      });
      console.log(`${name}: ${describeStorm(r)}`);
      const why = `GREGOR_STORM_SEED=${SEED}\n${describeStorm(r)}`;
      assert.deepEqual(r.lost, [], `records never consumed\n${why}`);
      assert.deepEqual(r.unexplainedCrashes, [], `kafkajs consumers crashed other than by its known offset-manager race\n${why}`);
      assert.deepEqual(r.committed, r.logEnd.map(BigInt), `committed offsets are the log end\n${why}`);
      assert.equal(r.finalState, 'Stable', why);
      assert.equal(r.finalMembers, r.running, `the group holds exactly the consumers still running\n${why}`);
      assert.ok(r.joins + r.leaves >= 10, `the storm churned\n${why}`);
      assert.ok(r.ok, why);
    });
  });
}
