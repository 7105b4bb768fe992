import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../protocol/messages/index.ts';
import { ManualClock, silentLogger } from '../../util/index.ts';
import { TransactionCoordinator, type TxnCoordinatorConfig } from './txn-coordinator.ts';
import { MemoryTxnLog, type TxnMarkerRequest } from './txn-log.ts';
import { TxnState } from './txn-metadata.ts';
import { decodeTxnKey, decodeTxnValue } from './txn-records.ts';

/** The transaction state machine driven by a ManualClock over a memory log: no sockets, no sleeps. */

const CONFIG: TxnCoordinatorConfig = {
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 7 * 24 * 3_600_000,
  abortTimedOutTransactionCleanupIntervalMs: 10_000,
  removeExpiredTransactionalIdCleanupIntervalMs: 3_600_000,
};

class RecordingMarkers {
  readonly requests: TxnMarkerRequest[] = [];
  /** Error code to answer per partition key, consumed once each. */
  readonly failOnce = new Map<string, number>();
  async write(req: TxnMarkerRequest): Promise<Map<string, number>> {
    this.requests.push(req);
    const out = new Map<string, number>();
    for (const tp of req.partitions) {
      const key = `${tp.topic}:${tp.partition}`;
      const code = this.failOnce.get(key);
      if (code !== undefined) {
        this.failOnce.delete(key);
        out.set(key, code);
      } else out.set(key, ErrorCode.NONE);
    }
    return out;
  }
}

function setup(opts: { log?: MemoryTxnLog; clock?: ManualClock; config?: Partial<TxnCoordinatorConfig>; nextPid?: { n: bigint } } = {}) {
  const clock = opts.clock ?? new ManualClock(1_700_000_000_000);
  const log = opts.log ?? new MemoryTxnLog();
  const markers = new RecordingMarkers();
  const pid = opts.nextPid ?? { n: 1000n };
  const tc = new TransactionCoordinator(
    { ...CONFIG, ...opts.config },
    { clock, scheduler: clock, logger: silentLogger, log, markers, producerIds: { generate: async () => pid.n++ } },
  );
  return { clock, log, markers, tc, pid };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function init(tc: TransactionCoordinator, id = 'tx', timeoutMs = 60_000) {
  const r = await tc.initProducerId(id, timeoutMs);
  assert.equal(r.errorCode, ErrorCode.NONE);
  return r;
}

const T0 = { topic: 't', partition: 0 };
const T1 = { topic: 't', partition: 1 };

/** Decoded records of the memory log, oldest first. */
function records(log: MemoryTxnLog) {
  return log.partitions.flat().map((r) => ({ id: decodeTxnKey(r.key), value: r.value === null ? null : decodeTxnValue(decodeTxnKey(r.key)!, r.value) }));
}

describe('TransactionCoordinator: InitProducerId', () => {
  test('a new id gets a fresh producer id at epoch 0, written to the log first', async () => {
    const { tc, log } = setup();
    const r = await init(tc);
    assert.deepEqual(r, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    const recs = records(log);
    assert.equal(recs.length, 1);
    assert.equal(recs[0]!.id, 'tx');
    assert.equal(recs[0]!.value!.state, TxnState.Empty);
    assert.equal(recs[0]!.value!.producerEpoch, 0);
    assert.equal(recs[0]!.value!.txnTimeoutMs, 60_000);
  });

  test('a second InitProducerId bumps the epoch of the same producer id, fencing the first', async () => {
    const { tc } = setup();
    const first = await init(tc);
    const second = await init(tc);
    assert.equal(second.producerId, first.producerId);
    assert.equal(second.producerEpoch, 1);
    assert.equal(await tc.addPartitions('tx', first.producerId, first.producerEpoch, [T0]), ErrorCode.PRODUCER_FENCED);
    assert.equal(await tc.addPartitions('tx', second.producerId, second.producerEpoch, [T0]), ErrorCode.NONE);
  });

  test('timeouts above transaction.max.timeout.ms or not positive are INVALID_TRANSACTION_TIMEOUT; empty id INVALID_REQUEST', async () => {
    const { tc } = setup({ config: { transactionMaxTimeoutMs: 1000 } });
    assert.equal((await tc.initProducerId('tx', 1001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await tc.initProducerId('tx', 0)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await tc.initProducerId('', 1000)).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await tc.initProducerId('tx', 1000)).errorCode, ErrorCode.NONE);
  });

  test('an ongoing transaction is aborted with a bumped epoch first: CONCURRENT_TRANSACTIONS, then the retry gets epoch + 2', async () => {
    const { tc, markers } = setup();
    const p = await init(tc);
    assert.equal(await tc.addPartitions('tx', p.producerId, 0, [T0, T1]), ErrorCode.NONE);
    const fenced = await tc.initProducerId('tx', 60_000);
    assert.equal(fenced.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    await tc.idle();
    assert.equal(markers.requests.length, 1);
    assert.equal(markers.requests[0]!.commit, false);
    assert.equal(markers.requests[0]!.producerEpoch, 1, 'the abort markers carry the bumped epoch');
    assert.equal(tc.metadata('tx')!.state, TxnState.CompleteAbort);
    const retry = await init(tc);
    assert.equal(retry.producerEpoch, 2);
    // The old producer is fenced everywhere.
    assert.equal(await tc.endTxn('tx', p.producerId, 0, true), ErrorCode.PRODUCER_FENCED);
  });

  test('KIP-360: a producer naming its current id/epoch gets the next epoch; a retry of that bump gets the same; a stale one is fenced', async () => {
    const { tc } = setup();
    const p = await init(tc);
    const bumped = await tc.initProducerId('tx', 60_000, { producerId: p.producerId, producerEpoch: 0 });
    assert.deepEqual(bumped, { errorCode: ErrorCode.NONE, producerId: p.producerId, producerEpoch: 1 });
    const retried = await tc.initProducerId('tx', 60_000, { producerId: p.producerId, producerEpoch: 0 });
    assert.equal(retried.producerEpoch, 1, 'expected epoch = last epoch: a retry, not a new bump');
    const other = await init(tc); // a new producer (no expected epoch) takes over at epoch 2
    assert.equal(other.producerEpoch, 2);
    const stale = await tc.initProducerId('tx', 60_000, { producerId: p.producerId, producerEpoch: 1 });
    assert.equal(stale.errorCode, ErrorCode.PRODUCER_FENCED);
    const wrongId = await tc.initProducerId('tx', 60_000, { producerId: 4242n, producerEpoch: 2 });
    assert.equal(wrongId.errorCode, ErrorCode.PRODUCER_FENCED);
  });

  test('exhausted epochs rotate to a new producer id at epoch 0', async () => {
    const { tc } = setup();
    const p = await init(tc);
    tc.metadata('tx')!.producerEpoch = 32766;
    const r = await init(tc);
    assert.notEqual(r.producerId, p.producerId);
    assert.equal(r.producerEpoch, 0);
    assert.equal(tc.metadata('tx')!.previousProducerId, p.producerId);
  });

  test('a failed log append answers COORDINATOR_NOT_AVAILABLE and leaves no pending state', async () => {
    const { tc, log } = setup();
    await init(tc);
    log.failWith = new Error('disk full');
    assert.equal((await tc.initProducerId('tx', 60_000)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(tc.metadata('tx')!.pendingState, undefined);
    log.failWith = undefined;
    assert.equal((await init(tc)).producerEpoch, 1);
  });
});

describe('TransactionCoordinator: AddPartitionsToTxn and EndTxn', () => {
  test('commit: Ongoing → PrepareCommit (logged) → markers → CompleteCommit (logged)', async () => {
    const { tc, log, markers, clock } = setup();
    const p = await init(tc);
    clock.advance(5);
    assert.equal(await tc.addPartitions('tx', p.producerId, 0, [T0]), ErrorCode.NONE);
    const md = tc.metadata('tx')!;
    assert.equal(md.state, TxnState.Ongoing);
    assert.equal(md.txnStartTimestamp, clock.now());
    assert.equal(await tc.addPartitions('tx', p.producerId, 0, [T0, T1]), ErrorCode.NONE);
    assert.equal(await tc.endTxn('tx', p.producerId, 0, true), ErrorCode.NONE);
    assert.equal(md.state, TxnState.CompleteCommit);
    assert.equal(md.partitions.size, 0);
    assert.deepEqual(
      records(log).map((r) => r.value!.state),
      [TxnState.Empty, TxnState.Ongoing, TxnState.Ongoing, TxnState.PrepareCommit, TxnState.CompleteCommit],
    );
    const prepare = records(log)[3]!.value!;
    assert.deepEqual([...prepare.partitions.keys()].sort(), ['t:0', 't:1']);
    assert.equal(markers.requests.length, 1);
    assert.deepEqual(
      { commit: markers.requests[0]!.commit, pid: markers.requests[0]!.producerId, epoch: markers.requests[0]!.producerEpoch, n: markers.requests[0]!.partitions.length },
      { commit: true, pid: p.producerId, epoch: 0, n: 2 },
    );
    // The next transaction starts from CompleteCommit.
    assert.equal(await tc.addPartitions('tx', p.producerId, 0, [T1]), ErrorCode.NONE);
    assert.equal(await tc.endTxn('tx', p.producerId, 0, false), ErrorCode.NONE);
    assert.equal(md.state, TxnState.CompleteAbort);
  });

  test('adding partitions already in the transaction writes nothing', async () => {
    const { tc, log } = setup();
    const p = await init(tc);
    await tc.addPartitions('tx', p.producerId, 0, [T0]);
    const before = log.appends;
    assert.equal(await tc.addPartitions('tx', p.producerId, 0, [T0]), ErrorCode.NONE);
    assert.equal(log.appends, before);
  });

  test('errors: unknown id / wrong producer id INVALID_PRODUCER_ID_MAPPING, old epoch PRODUCER_FENCED, EndTxn on Empty INVALID_TXN_STATE', async () => {
    const { tc } = setup();
    assert.equal(await tc.addPartitions('nope', 1n, 0, [T0]), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    assert.equal(await tc.endTxn('nope', 1n, 0, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const p = await init(tc);
    assert.equal(await tc.addPartitions('tx', p.producerId + 1n, 0, [T0]), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    assert.equal(await tc.addPartitions('tx', p.producerId, 1, [T0]), ErrorCode.PRODUCER_FENCED);
    assert.equal(await tc.endTxn('tx', p.producerId, 0, true), ErrorCode.INVALID_TXN_STATE);
    assert.equal(await tc.addPartitions('', p.producerId, 0, [T0]), ErrorCode.INVALID_REQUEST);
  });

  test('a retried EndTxn after completion answers NONE; the opposite outcome is INVALID_TXN_STATE', async () => {
    const { tc } = setup();
    const p = await init(tc);
    await tc.addPartitions('tx', p.producerId, 0, [T0]);
    assert.equal(await tc.endTxn('tx', p.producerId, 0, true), ErrorCode.NONE);
    assert.equal(await tc.endTxn('tx', p.producerId, 0, true), ErrorCode.NONE);
    assert.equal(await tc.endTxn('tx', p.producerId, 0, false), ErrorCode.INVALID_TXN_STATE);
  });

  test('while markers are out, requests get CONCURRENT_TRANSACTIONS; failed markers are retried after a backoff', async () => {
    const { tc, markers, clock } = setup({ config: { endTxnMarkerWaitMs: 1_000 } });
    const p = await init(tc);
    await tc.addPartitions('tx', p.producerId, 0, [T0, T1]);
    markers.failOnce.set('t:1', ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const end = tc.endTxn('tx', p.producerId, 0, true);
    await settle();
    await settle();
    assert.equal(tc.metadata('tx')!.state, TxnState.PrepareCommit);
    assert.equal(await tc.addPartitions('tx', p.producerId, 0, [T0]), ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(await tc.endTxn('tx', p.producerId, 0, true), ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal((await tc.initProducerId('tx', 60_000)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    clock.advance(100);
    assert.equal(await end, ErrorCode.NONE);
    await tc.idle();
    assert.equal(tc.metadata('tx')!.state, TxnState.CompleteCommit);
    assert.equal(markers.requests.length, 2);
    assert.deepEqual(markers.requests[1]!.partitions, [T1], 'only the failed partition is sent again');
  });

  test('a partition whose topic is gone (UNKNOWN_TOPIC_OR_PARTITION) is dropped, not retried', async () => {
    const { tc, markers } = setup();
    const p = await init(tc);
    await tc.addPartitions('tx', p.producerId, 0, [T0]);
    markers.failOnce.set('t:0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(await tc.endTxn('tx', p.producerId, 0, false), ErrorCode.NONE);
    assert.equal(tc.metadata('tx')!.state, TxnState.CompleteAbort);
    assert.equal(markers.requests.length, 1);
  });

  test('verifyPartitions (KIP-890): TRANSACTION_ABORTABLE for a partition not added', async () => {
    const { tc } = setup();
    const p = await init(tc);
    await tc.addPartitions('tx', p.producerId, 0, [T0]);
    const v = tc.verifyPartitions('tx', p.producerId, 0, [T0, T1]);
    assert.equal(v.get('t:0'), ErrorCode.NONE);
    assert.equal(v.get('t:1'), ErrorCode.TRANSACTION_ABORTABLE);
    assert.equal(tc.verifyPartitions('tx', p.producerId, 1, [T0]).get('t:0'), ErrorCode.PRODUCER_FENCED);
  });
});

describe('TransactionCoordinator: timeouts and expiration', () => {
  test('an Ongoing transaction past its timeout is aborted on the cleanup timer with a bumped epoch', async () => {
    const { tc, clock, markers } = setup();
    await tc.load();
    const p = await init(tc, 'tx', 20_000);
    await tc.addPartitions('tx', p.producerId, 0, [T0]);
    clock.advance(10_000); // first sweep: 10 s < 20 s
    await settle();
    assert.equal(tc.metadata('tx')!.state, TxnState.Ongoing);
    clock.advance(20_000); // 30 s > 20 s
    await tc.idle();
    const md = tc.metadata('tx')!;
    assert.equal(md.state, TxnState.CompleteAbort);
    assert.equal(md.producerEpoch, 1);
    assert.equal(markers.requests[0]!.commit, false);
    assert.equal(markers.requests[0]!.producerEpoch, 1);
    // The timed-out producer learns it was fenced.
    assert.equal(await tc.endTxn('tx', p.producerId, 0, true), ErrorCode.PRODUCER_FENCED);
    assert.equal(await tc.addPartitions('tx', p.producerId, 0, [T0]), ErrorCode.PRODUCER_FENCED);
    tc.close();
  });

  test('idle ids expire after transactional.id.expiration.ms with a tombstone; active ones do not', async () => {
    const { tc, clock, log } = setup({ config: { transactionalIdExpirationMs: 60_000 } });
    const a = await init(tc, 'idle');
    const b = await init(tc, 'busy');
    await tc.addPartitions('busy', b.producerId, 0, [T0]);
    clock.advance(61_000);
    assert.equal(await tc.expireTransactionalIds(), 1);
    assert.equal(tc.metadata('idle'), undefined);
    assert.notEqual(tc.metadata('busy'), undefined);
    assert.deepEqual(records(log).filter((r) => r.value === null).map((r) => r.id), ['idle']);
    assert.equal(tc.describe('idle').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    // A new InitProducerId for the expired id starts over with a new producer id.
    const again = await init(tc, 'idle');
    assert.notEqual(again.producerId, a.producerId);
    assert.equal(again.producerEpoch, 0);
  });
});

describe('TransactionCoordinator: persistence', () => {
  test('a restart over the same log restores ids, epochs and the ongoing transaction', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const log = new MemoryTxnLog();
    const pid = { n: 1000n };
    const first = setup({ log, clock, nextPid: pid });
    const p = await init(first.tc);
    await init(first.tc, 'other');
    await first.tc.addPartitions('tx', p.producerId, 0, [T0, T1]);
    first.tc.close();

    const second = setup({ log, clock, nextPid: pid });
    await second.tc.load();
    const md = second.tc.metadata('tx')!;
    assert.equal(md.state, TxnState.Ongoing);
    assert.equal(md.producerId, p.producerId);
    assert.deepEqual([...md.partitions.keys()].sort(), ['t:0', 't:1']);
    assert.equal(second.markers.requests.length, 0, 'an Ongoing transaction is left to its timeout');
    assert.equal(await second.tc.endTxn('tx', p.producerId, 0, true), ErrorCode.NONE);
    assert.equal(second.markers.requests.length, 1);
    assert.equal(second.tc.describe('other').state, 'Empty');
    second.tc.close();
  });

  test('a transaction found in PrepareCommit is completed at load: markers re-sent, CompleteCommit written', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const log = new MemoryTxnLog();
    const first = setup({ log, clock });
    const p = await init(first.tc);
    await first.tc.addPartitions('tx', p.producerId, 0, [T0]);
    // The markers never get through before the "crash".
    first.markers.write = () => new Promise(() => undefined);
    void first.tc.endTxn('tx', p.producerId, 0, true);
    await settle();
    assert.equal(first.tc.metadata('tx')!.state, TxnState.PrepareCommit);
    first.tc.close();

    const second = setup({ log, clock });
    await second.tc.load();
    await second.tc.idle();
    assert.equal(second.markers.requests.length, 1);
    assert.equal(second.markers.requests[0]!.commit, true);
    assert.deepEqual(second.markers.requests[0]!.partitions, [T0]);
    assert.equal(second.tc.metadata('tx')!.state, TxnState.CompleteCommit);
    const last = records(log).at(-1)!;
    assert.equal(last.value!.state, TxnState.CompleteCommit);
    second.tc.close();
  });

  test('tombstoned ids stay gone after a restart', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const log = new MemoryTxnLog();
    const first = setup({ log, clock, config: { transactionalIdExpirationMs: 1_000 } });
    await init(first.tc, 'gone');
    clock.advance(2_000);
    assert.equal(await first.tc.expireTransactionalIds(), 1);
    const second = setup({ log, clock });
    await second.tc.load();
    assert.equal(second.tc.metadata('gone'), undefined);
    second.tc.close();
  });
});

describe('TransactionCoordinator: DescribeTransactions and ListTransactions', () => {
  test('describe shows state, producer, timeout, start time and partitions', async () => {
    const { tc, clock } = setup();
    const p = await init(tc, 'tx', 30_000);
    await tc.addPartitions('tx', p.producerId, 0, [T0]);
    const d = tc.describe('tx');
    assert.deepEqual(d, {
      errorCode: ErrorCode.NONE,
      transactionalId: 'tx',
      state: 'Ongoing',
      producerId: p.producerId,
      producerEpoch: 0,
      timeoutMs: 30_000,
      startTimeMs: BigInt(clock.now()),
      partitions: [T0],
    });
    assert.equal(tc.describe('').errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('list filters by state, producer id and duration, and reports unknown state names', async () => {
    const { tc, clock } = setup();
    const a = await init(tc, 'a');
    await init(tc, 'b');
    await tc.addPartitions('a', a.producerId, 0, [T0]);
    clock.advance(5_000);
    const all = tc.list([], []);
    assert.deepEqual(all.transactions.map((t) => t.transactionalId).sort(), ['a', 'b']);
    const ongoing = tc.list(['Ongoing', 'Bogus'], []);
    assert.deepEqual(ongoing.transactions.map((t) => t.transactionalId), ['a']);
    assert.deepEqual(ongoing.unknownStateFilters, ['Bogus']);
    assert.deepEqual(tc.list([], [a.producerId]).transactions.map((t) => t.transactionalId), ['a']);
    assert.deepEqual(tc.list(['Ongoing'], [], 4_000).transactions.map((t) => t.transactionalId), ['a']);
    assert.deepEqual(tc.list(['Ongoing'], [], 6_000).transactions, []);
  });
});
