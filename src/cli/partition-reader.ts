import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, fetchFromBroker, KafkaError, listOffsets, OffsetSpec, RequestAbortedError, type ConsumedRecord, type IsolationLevel } from '../client/index.ts';

/**
 * Reads chosen partitions of a topic without a consumer group (the console consumer's --partition
 * mode, and its default when no --group is given, so no throwaway groups pile up on the broker):
 * one Fetch per leader per round, positions kept here, nothing committed.
 */
export interface PartitionReaderOptions {
  topic: string;
  /** null: every partition of the topic. */
  partitions: number[] | null;
  start: 'earliest' | 'latest' | bigint;
  isolationLevel: IsolationLevel;
  signal: AbortSignal;
  /** Called in offset order per partition; return false to stop reading. */
  onRecord: (r: ConsumedRecord) => boolean;
}

/** Consecutive failed rounds before the reader gives up. */
const MAX_FAILED_ROUNDS = 10;

export async function readPartitions(cluster: Cluster, o: PartitionReaderOptions): Promise<void> {
  const count = await cluster.retry(() => cluster.partitionCount(o.topic));
  const partitions = o.partitions ?? Array.from({ length: count }, (_, p) => p);
  for (const p of partitions) if (p < 0 || p >= count) throw new KafkaError(3, `topic ${o.topic} has no partition ${p} (it has ${count})`);
  const positions = new Map<number, bigint>();
  const reset = async (ps: number[], to: 'earliest' | 'latest'): Promise<void> => {
    const timestamp = to === 'earliest' ? OffsetSpec.earliest : OffsetSpec.latest;
    for (const l of await listOffsets(cluster, o.topic, ps.map((partition) => ({ partition, timestamp })), o.isolationLevel)) positions.set(l.partition, l.offset);
  };
  if (typeof o.start === 'bigint') for (const p of partitions) positions.set(p, o.start);
  else await reset(partitions, o.start);
  // Where to go when a position falls outside the log (auto.offset.reset of the console consumer).
  const onOutOfRange = o.start === 'latest' ? 'latest' : 'earliest';
  let failedRounds = 0;
  while (!o.signal.aborted) {
    try {
      const byLeader = new Map<number, Array<{ topic: string; partition: number; offset: bigint }>>();
      for (const partition of partitions) {
        const leader = await cluster.leaderId(o.topic, partition);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), { topic: o.topic, partition, offset: positions.get(partition)! }]);
      }
      const results = (
        await Promise.all([...byLeader].map(([leader, parts]) => fetchFromBroker(cluster.broker(leader), parts, { maxWaitMs: 500, isolationLevel: o.isolationLevel, signal: o.signal })))
      ).flat();
      let stale = false;
      for (const r of results) {
        if (r.errorCode === 0) {
          for (const record of r.records) if (!o.onRecord(record)) return;
          positions.set(r.partition, r.nextOffset);
        } else if (r.errorCode === 1) {
          // OFFSET_OUT_OF_RANGE: retention moved the log start, or --offset pointed past the end.
          await reset([r.partition], onOutOfRange);
        } else if (new KafkaError(r.errorCode, '').retriable) {
          // Leadership moved (NOT_LEADER_OR_FOLLOWER …): find the new leaders next round.
          cluster.invalidate();
          stale = true;
        } else {
          throw new KafkaError(r.errorCode, `fetch ${o.topic}-${r.partition}`);
        }
      }
      failedRounds = 0;
      if (stale) await sleep(100, undefined, { signal: o.signal }).catch(() => undefined);
    } catch (error) {
      if (o.signal.aborted && error instanceof RequestAbortedError) return;
      if (!(error instanceof Error && 'retriable' in error && error.retriable === true) || ++failedRounds > MAX_FAILED_ROUNDS) throw error;
      cluster.invalidate();
      await sleep(200 * failedRounds, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }
}
