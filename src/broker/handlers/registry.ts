import { API_INFO, type ApiKeyNumber } from '../../protocol/messages/index.ts';
import { GregorError } from '../../util/index.ts';
import type { AnyHandler, Handler } from './handler.ts';
import { handler as produce } from './00-produce.ts';
import { handler as fetch } from './01-fetch.ts';
import { handler as listOffsets } from './02-list-offsets.ts';
import { handler as metadata } from './03-metadata.ts';
import { handler as offsetCommit } from './08-offset-commit.ts';
import { handler as offsetFetch } from './09-offset-fetch.ts';
import { handler as findCoordinator } from './10-find-coordinator.ts';
import { handler as joinGroup } from './11-join-group.ts';
import { handler as heartbeat } from './12-heartbeat.ts';
import { handler as leaveGroup } from './13-leave-group.ts';
import { handler as syncGroup } from './14-sync-group.ts';
import { handler as describeGroups } from './15-describe-groups.ts';
import { handler as listGroups } from './16-list-groups.ts';
import { handler as apiVersions } from './18-api-versions.ts';
import { handler as createTopics } from './19-create-topics.ts';
import { handler as deleteTopics } from './20-delete-topics.ts';
import { handler as deleteRecords } from './21-delete-records.ts';
import { handler as initProducerId } from './22-init-producer-id.ts';
import { handler as offsetForLeaderEpoch } from './23-offset-for-leader-epoch.ts';
import { handler as addPartitionsToTxn } from './24-add-partitions-to-txn.ts';
import { handler as addOffsetsToTxn } from './25-add-offsets-to-txn.ts';
import { handler as endTxn } from './26-end-txn.ts';
import { handler as txnOffsetCommit } from './28-txn-offset-commit.ts';
import { handler as describeConfigs } from './32-describe-configs.ts';
import { handler as alterConfigs } from './33-alter-configs.ts';
import { handler as describeLogDirs } from './35-describe-log-dirs.ts';
import { handler as createPartitions } from './37-create-partitions.ts';
import { handler as deleteGroups } from './42-delete-groups.ts';
import { handler as incrementalAlterConfigs } from './44-incremental-alter-configs.ts';
import { handler as offsetDelete } from './47-offset-delete.ts';
import { handler as describeCluster } from './60-describe-cluster.ts';
import { handler as describeProducers } from './61-describe-producers.ts';
import { handler as describeTransactions } from './65-describe-transactions.ts';
import { handler as listTransactions } from './66-list-transactions.ts';
import { handler as consumerGroupHeartbeat } from './68-consumer-group-heartbeat.ts';
import { handler as consumerGroupDescribe } from './69-consumer-group-describe.ts';

/**
 * API key → handler. One line per handler file (`NN-name.ts` exports `handler`); a key appears in
 * ApiVersions exactly when its line is here. Keep the list in key order.
 */
export const HANDLERS: readonly AnyHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  offsetForLeaderEpoch,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  txnOffsetCommit,
  describeConfigs,
  alterConfigs,
  describeLogDirs,
  createPartitions,
  deleteGroups,
  incrementalAlterConfigs,
  offsetDelete,
  describeCluster,
  describeProducers,
  describeTransactions,
  listTransactions,
  consumerGroupHeartbeat,
  consumerGroupDescribe,
];

export class HandlerRegistry {
  readonly #byKey = new Map<number, AnyHandler>();

  constructor(handlers: readonly AnyHandler[] = HANDLERS) {
    for (const h of handlers) {
      const info = API_INFO[h.apiKey];
      const lowest = h.advertisedMinVersion ?? h.minVersion;
      if (info === undefined || lowest < info.minVersion || h.maxVersion > info.maxVersion || lowest > h.minVersion || h.minVersion > h.maxVersion) {
        throw new GregorError('INVALID_HANDLER', `handler for API key ${h.apiKey} serves versions the codec does not support`);
      }
      if (this.#byKey.has(h.apiKey)) throw new GregorError('INVALID_HANDLER', `two handlers for API key ${h.apiKey}`);
      this.#byKey.set(h.apiKey, h);
    }
  }

  get<K extends ApiKeyNumber>(apiKey: K): Handler<K> | undefined;
  get(apiKey: number): AnyHandler | undefined;
  get(apiKey: number): AnyHandler | undefined {
    return this.#byKey.get(apiKey);
  }

  /** The ApiVersions table, in key order. */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.#byKey.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.advertisedMinVersion ?? h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
