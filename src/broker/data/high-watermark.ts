import type { MetadataStore } from '../../cluster/index.ts';
import type { BrokerLogManager } from '../log-manager.ts';

/**
 * When a broker takes leadership of a partition whose in-sync replicas are only itself, everything
 * in its log is committed: the high watermark moves to the log end (Kafka's Partition.makeLeader →
 * maybeIncrementLeaderHW). Without this, a restarted broker would hide every record acknowledged
 * before the restart until the partition's next append (the high-watermark checkpoint lags).
 */
export function advanceSoleReplicaHighWatermarks(metadata: MetadataStore, logs: BrokerLogManager, nodeId: number): void {
  for (const topic of metadata.topics()) {
    for (const p of topic.partitions) {
      if (p.leader !== nodeId || p.isr.some((id) => id !== nodeId)) continue;
      const log = logs.getLog(topic.name, p.partition);
      if (log !== undefined) log.updateHighWatermark(log.logEndOffset);
    }
  }
}
