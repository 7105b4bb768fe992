import { startBroker } from '../../src/broker/index.ts';
import { writeTxnMarkers } from '../../src/broker/data/txn-markers.ts';
import { buildControlBatch } from '../../src/protocol/records/index.ts';
import { RawClient } from './broker-raw-client.ts';
import { TOPIC, createTopic, produce, txnBatch } from './txn-partition-support.ts';

/**
 * Child process of txn-partition.test.ts, killed with SIGKILL once it prints READY. In `log.dirs`
 * (argv[2]) it leaves: offsets 0-1 producer 1 (aborted by a marker at 2, with its .txnindex entry),
 * 3 producer 2 whose ABORT marker at 4 is appended straight to the log without its index entry (a
 * crash between the two writes), 5 producer 3 whose transaction is still open.
 */
const dir = process.argv[2]!;
const broker = await startBroker({ properties: { 'log.dirs': dir, 'transaction.partition.verification.enable': 'false' } });
const c = await RawClient.connect(broker.port);
await createTopic(c);
const check = (what: string, code: number): void => {
  if (code !== 0) throw new Error(`${what}: error ${code}`);
};
check('p1', (await produce(c, txnBatch(1n, 0, ['p1-a', 'p1-b']))).errorCode);
const r = await writeTxnMarkers(broker.services, { producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0, commit: false, partitions: [{ topic: TOPIC, partition: 0 }] });
check('marker p1', r.get(`${TOPIC}:0`) ?? -1);
check('p2', (await produce(c, txnBatch(2n, 0, ['p2-a']))).errorCode);
const log = broker.services.logs.getLog(TOPIC, 0)!;
const raw = await log.append(buildControlBatch({ type: 'abort', producerId: 2n, producerEpoch: 0, coordinatorEpoch: 0 }), { requiredDurability: 'fsync', leaderEpoch: 0 });
log.updateHighWatermark(raw.lastOffset + 1n);
check('p3', (await produce(c, txnBatch(3n, 0, ['p3-a']))).errorCode);
process.stdout.write('READY\n');
setInterval(() => undefined, 1000);
