import type { Durability } from '../../storage/index.ts';
import type { BrokerConfig } from '../config/index.ts';

/**
 * Gregor's single-node durability policy. Kafka acknowledges acks=all once every in-sync replica
 * has the write in memory and leaves fsync to the OS (flush.messages/flush.ms default to never):
 * replication is its durability. A partition with one replica has no other copy, so an acks=all
 * write to it is fsynced before the acknowledgement (group commit: concurrent producers share one
 * fsync); `log.flush.on.ack.all=false` restores Kafka's behaviour. acks=1 and acks=0 acknowledge
 * once the bytes are in the page cache: they survive a process crash, not a power loss.
 */
export function durabilityFor(config: BrokerConfig, acks: number, replicaCount: number): Durability {
  if (acks !== -1 || replicaCount > 1) return 'none';
  return config.bool('log.flush.on.ack.all') ? 'fsync' : 'none';
}
