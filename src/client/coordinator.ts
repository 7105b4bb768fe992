import { ApiKey, ErrorCode } from '../protocol/messages/index.ts';
import type { Broker } from './broker.ts';
import type { Cluster } from './cluster.ts';
import { COORDINATOR_ERRORS, KafkaError } from './errors.ts';

/**
 * Finds a group's coordinator (FindCoordinator, key type 0). v4+ asks with a list of keys
 * (KIP-699) and answers in `coordinators`; older versions use the single `key` fields.
 * The coordinator is a broker by node id; its address comes with the response, which may name a
 * broker the metadata has not shown yet, so the address is taken from the response itself.
 */
export async function findCoordinator(cluster: Cluster, groupId: string, keyType = 0): Promise<Broker> {
  return cluster.retry(async () => {
    const broker = await cluster.anyBroker();
    const r = await broker.request(ApiKey.FindCoordinator, (v) => (v >= 4 ? { keyType, coordinatorKeys: [groupId] } : { key: groupId, keyType }));
    const c = r.coordinators.length > 0 ? r.coordinators[0]! : r;
    if (c.errorCode !== ErrorCode.NONE) throw new KafkaError(c.errorCode, `find coordinator of ${groupId}`, c.errorMessage);
    try {
      return cluster.broker(c.nodeId);
    } catch {
      await cluster.refresh([]);
      return cluster.broker(c.nodeId);
    }
  });
}

export function isCoordinatorError(error: unknown): boolean {
  return error instanceof KafkaError && COORDINATOR_ERRORS.has(error.errorCode);
}
