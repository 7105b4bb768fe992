/**
 * The APIs and versions Gregor's codec covers (issue #2's table; clients-and-storage.md §4 gives
 * the reasons for each range). `[min, max]` are the versions generated; the broker decides which
 * of them it advertises and serves.
 */
export const API_TABLE: ReadonlyArray<readonly [name: string, min: number, max: number]> = [
  ['Produce', 0, 11],
  ['Fetch', 4, 16],
  ['ListOffsets', 1, 9],
  ['Metadata', 0, 12],
  ['OffsetCommit', 2, 9],
  ['OffsetFetch', 1, 9],
  ['FindCoordinator', 0, 5],
  ['JoinGroup', 0, 9],
  ['Heartbeat', 0, 4],
  ['LeaveGroup', 0, 5],
  ['SyncGroup', 0, 5],
  ['DescribeGroups', 0, 5],
  ['ListGroups', 0, 5],
  ['SaslHandshake', 0, 1],
  ['ApiVersions', 0, 4],
  ['CreateTopics', 0, 7],
  ['DeleteTopics', 0, 6],
  ['DeleteRecords', 0, 2],
  ['InitProducerId', 0, 5],
  ['OffsetForLeaderEpoch', 2, 4],
  ['AddPartitionsToTxn', 0, 3],
  ['AddOffsetsToTxn', 0, 4],
  ['EndTxn', 0, 4],
  ['TxnOffsetCommit', 0, 4],
  ['DescribeAcls', 1, 3],
  ['CreateAcls', 1, 3],
  ['DeleteAcls', 1, 3],
  ['DescribeConfigs', 0, 4],
  ['AlterConfigs', 0, 2],
  ['DescribeLogDirs', 1, 4],
  ['SaslAuthenticate', 0, 2],
  ['CreatePartitions', 0, 3],
  ['DeleteGroups', 0, 2],
  ['IncrementalAlterConfigs', 0, 1],
  ['OffsetDelete', 0, 0],
  ['DescribeCluster', 0, 1],
  ['DescribeProducers', 0, 0],
  ['DescribeTransactions', 0, 0],
  ['ListTransactions', 0, 1],
  ['ConsumerGroupHeartbeat', 0, 1],
  // v1 (KIP-1099 member type) is not in the shared spec copy; v0 only until it is.
  ['ConsumerGroupDescribe', 0, 1],
];

/** Embedded payloads the broker stores or inspects, with the versions generated. */
export const DATA_TABLE: ReadonlyArray<readonly [name: string, min: number, max: number]> = [
  ['ConsumerProtocolSubscription', 0, 3],
  ['ConsumerProtocolAssignment', 0, 3],
  ['OffsetCommitKey', 0, 1],
  ['OffsetCommitValue', 0, 4],
  ['GroupMetadataKey', 2, 2],
  ['GroupMetadataValue', 0, 4],
  // KIP-848 consumer group records of __consumer_offsets (key version = record type 3, 5-8).
  ['ConsumerGroupMetadataKey', 3, 3],
  ['ConsumerGroupMetadataValue', 0, 0],
  ['ConsumerGroupMemberMetadataKey', 5, 5],
  ['ConsumerGroupMemberMetadataValue', 0, 0],
  ['ConsumerGroupTargetAssignmentMetadataKey', 6, 6],
  ['ConsumerGroupTargetAssignmentMetadataValue', 0, 0],
  ['ConsumerGroupTargetAssignmentMemberKey', 7, 7],
  ['ConsumerGroupTargetAssignmentMemberValue', 0, 0],
  ['ConsumerGroupCurrentMemberAssignmentKey', 8, 8],
  ['ConsumerGroupCurrentMemberAssignmentValue', 0, 0],
  ['TransactionLogKey', 0, 0],
  ['TransactionLogValue', 0, 1],
];

export const HEADER_TABLE: ReadonlyArray<readonly [name: string, min: number, max: number]> = [
  ['RequestHeader', 0, 2],
  ['ResponseHeader', 0, 1],
];
