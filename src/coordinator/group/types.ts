/**
 * The group coordinator's API in domain terms: one request/result pair per group operation. The
 * broker's handler files translate wire requests of every version into these and back; fields mirror
 * the JSON message definitions so that translation stays a copy. Kafka error codes are data here.
 */

export interface JoinRequest {
  readonly groupId: string;
  /** "" for a member joining for the first time. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly protocolType: string;
  readonly protocols: readonly { readonly name: string; readonly metadata: Buffer }[];
  readonly sessionTimeoutMs: number;
  /** JoinGroup v0 has none: Kafka uses the session timeout. */
  readonly rebalanceTimeoutMs: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** JoinGroup v4+ (KIP-394): a first join is answered MEMBER_ID_REQUIRED with the id to use. */
  readonly requireKnownMemberId: boolean;
  /** JoinGroup v9+ (KIP-814): a rejoining static leader can be told to skip the assignment. */
  readonly supportsSkipAssignment?: boolean;
  readonly reason?: string | null;
}

export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  readonly memberId: string;
  /** Filled for the leader only: every member with its metadata for the chosen protocol. */
  readonly members: readonly { readonly memberId: string; readonly groupInstanceId: string | null; readonly metadata: Buffer }[];
  /** KIP-814 (JoinGroup v9): a static leader rejoining a stable group must not compute a new assignment. */
  readonly skipAssignment: boolean;
}

export interface SyncRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** SyncGroup v5+; null when the client did not send them. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Buffer }[];
}

export interface SyncResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

export interface HeartbeatRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveResult {
  /** Top-level error (the group itself); NONE when per-member results apply. */
  readonly errorCode: number;
  readonly members: readonly { readonly memberId: string; readonly groupInstanceId: string | null; readonly errorCode: number }[];
}

export interface GroupDescription {
  readonly errorCode: number;
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  /** The chosen protocol when Stable, else "" (Kafka's `GroupCoordinator.NoProtocol`). */
  readonly protocolData: string;
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
    readonly clientId: string;
    readonly clientHost: string;
    readonly memberMetadata: Buffer;
    readonly memberAssignment: Buffer;
  }[];
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: string;
  /** KIP-848: "classic" (JoinGroup) or "consumer" (ConsumerGroupHeartbeat). */
  readonly type: 'classic' | 'consumer';
}

export interface OffsetCommitRequest {
  readonly groupId: string;
  /** -1 for a commit by a client outside group management (admin, assign()). */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** The OffsetCommit version: KIP-848 members must use v9+ (UNSUPPORTED_VERSION otherwise). Absent = not checked. */
  readonly apiVersion?: number;
  readonly offsets: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly offset: bigint;
    readonly leaderEpoch: number;
    readonly metadata: string | null;
  }[];
}

export interface PartitionError {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

export interface FetchedOffset {
  readonly topic: string;
  readonly partition: number;
  /** -1 when nothing is committed. */
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

/** TxnOffsetCommit (KIP-98; member fields from v3, KIP-447). */
export interface TxnOffsetCommitRequest {
  readonly transactionalId: string;
  readonly groupId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** -1 (and memberId "") before v3 or outside group management. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly offsets: OffsetCommitRequest['offsets'];
}
