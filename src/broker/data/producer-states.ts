import type { MetadataStore } from '../../cluster/index.ts';
import type { ProducerStateManager } from '../../coordinator/index.ts';
import type { PartitionLog } from '../../storage/index.ts';
import type { Logger } from '../../util/index.ts';
import type { BrokerLogManager } from '../log-manager.ts';

/**
 * At start, builds the producer state of every partition led here in the background (Kafka loads
 * it in LogLoader before the log serves anything). Until a partition's state is built its log may
 * hold an open transaction nobody knows of, so compaction is held at the log start until then;
 * Produce, Fetch and writeTxnMarkers wait for the state themselves.
 */
export function loadProducerStates(metadata: MetadataStore, logs: BrokerLogManager, producers: ProducerStateManager, nodeId: number, logger: Logger): void {
  const pending: Array<{ topic: string; partition: number; log: PartitionLog }> = [];
  for (const topic of metadata.topics()) {
    for (const p of topic.partitions) {
      if (p.leader !== nodeId) continue;
      const log = logs.getLog(topic.name, p.partition);
      if (log === undefined || producers.loaded(log) !== undefined) continue;
      log.firstUnstableOffset = () => log.logStartOffset;
      pending.push({ topic: topic.name, partition: p.partition, log });
    }
  }
  // One partition at a time: each load reads its log in 1 MiB steps. A partition a request needs
  // first is loaded by that request (`load` is shared), and skipped here.
  void (async () => {
    for (const { topic, partition, log } of pending) {
      if (log.closed) continue;
      await producers.load(log).catch((err: unknown) => {
        if (!log.closed) logger.error('could not build producer state', { topic, partition, error: String(err) });
      });
    }
  })();
}
