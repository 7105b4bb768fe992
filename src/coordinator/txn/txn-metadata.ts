/**
 * One transactional id's state (Kafka's `TransactionMetadata` / `TransactionState`,
 * core/src/main/scala/kafka/coordinator/transaction/TransactionMetadata.scala). A transition is
 * prepared (`pendingState` set, which also acts as the lock: other requests get
 * CONCURRENT_TRANSACTIONS), written to `__transaction_state`, and only then applied with `complete`.
 * Transaction version 0/1 semantics (EndTxn v0-4): the epoch is bumped by InitProducerId and fencing
 * only, not by every EndTxn (that is KIP-890 part 2, EndTxn v5).
 */

/** Ids as stored in TransactionLogValue.TransactionStatus; names as DescribeTransactions/ListTransactions show them. */
export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnStateId = (typeof TxnState)[keyof typeof TxnState];

export const TXN_STATE_NAMES: Readonly<Record<TxnStateId, string>> = {
  0: 'Empty',
  1: 'Ongoing',
  2: 'PrepareCommit',
  3: 'PrepareAbort',
  4: 'CompleteCommit',
  5: 'CompleteAbort',
  6: 'Dead',
  7: 'PrepareEpochFence',
};

export function txnStateFromName(name: string): TxnStateId | undefined {
  for (const [id, n] of Object.entries(TXN_STATE_NAMES)) if (n === name) return Number(id) as TxnStateId;
  return undefined;
}

/** Kafka's `TransactionState.validPreviousStates`. */
const VALID_PREVIOUS: Readonly<Record<TxnStateId, readonly TxnStateId[]>> = {
  0: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  1: [TxnState.Ongoing, TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  2: [TxnState.Ongoing],
  3: [TxnState.Ongoing, TxnState.PrepareEpochFence],
  4: [TxnState.PrepareCommit],
  5: [TxnState.PrepareAbort],
  6: [TxnState.Empty, TxnState.CompleteAbort, TxnState.CompleteCommit],
  7: [TxnState.Ongoing],
};

/** States an idle id may expire from (`isExpirationAllowed`). */
export const EXPIRABLE: ReadonlySet<TxnStateId> = new Set([TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort]);

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

/** Kafka never hands out epoch Short.MaxValue, so a fence can always bump once more. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= SHORT_MAX - 1;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

/** The target of a transition, written to the log before it is applied (`TxnTransitMetadata`). */
export interface TxnTransit {
  readonly producerId: bigint;
  readonly previousProducerId: bigint;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TxnStateId;
  readonly partitions: ReadonlyMap<string, TopicPartition>;
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
}

export class IllegalTxnTransition extends Error {}

export class TransactionMetadata {
  readonly transactionalId: string;
  producerId: bigint;
  previousProducerId: bigint;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnStateId;
  readonly partitions = new Map<string, TopicPartition>();
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  /** Set while a transition is being written (and while markers are out): the per-id lock. */
  pendingState: TxnStateId | undefined;
  /** A fence whose write failed already bumped the epoch; the next fence must not bump again. */
  hasFailedEpochFence = false;

  constructor(init: {
    transactionalId: string;
    producerId: bigint;
    previousProducerId?: bigint;
    producerEpoch: number;
    lastProducerEpoch?: number;
    txnTimeoutMs: number;
    state: TxnStateId;
    partitions?: Iterable<TopicPartition>;
    txnStartTimestamp?: number;
    txnLastUpdateTimestamp: number;
  }) {
    this.transactionalId = init.transactionalId;
    this.producerId = init.producerId;
    this.previousProducerId = init.previousProducerId ?? NO_PRODUCER_ID;
    this.producerEpoch = init.producerEpoch;
    this.lastProducerEpoch = init.lastProducerEpoch ?? NO_PRODUCER_EPOCH;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    for (const tp of init.partitions ?? []) this.partitions.set(tpKey(tp), tp);
    this.txnStartTimestamp = init.txnStartTimestamp ?? -1;
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp;
  }

  get stateName(): string {
    return TXN_STATE_NAMES[this.state];
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  get hasPendingTransaction(): boolean {
    return this.state === TxnState.Ongoing || this.state === TxnState.PrepareAbort || this.state === TxnState.PrepareCommit;
  }

  /** Bumps the epoch (once, even after a failed fence) and marks the ongoing transaction for abort. */
  prepareFenceProducerEpoch(): TxnTransit {
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.#prepare(TxnState.PrepareEpochFence, this.producerId, bumped, NO_PRODUCER_EPOCH, this.txnTimeoutMs, this.partitions, this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /**
   * InitProducerId on an idle id: next epoch. With an expected epoch (KIP-360, v3+) a retry of a
   * bump that succeeded gets the current epoch back; any other stale epoch is fenced.
   */
  prepareIncrementProducerEpoch(newTimeoutMs: number, expectedEpoch: number | undefined, now: number): TxnTransit | 'fenced' {
    if (this.isProducerEpochExhausted) throw new IllegalTxnTransition(`no more epochs for producer id ${this.producerId}`);
    const bumped = this.producerEpoch + 1;
    let next: number;
    let last: number;
    if (expectedEpoch === undefined) [next, last] = [bumped, NO_PRODUCER_EPOCH];
    else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) [next, last] = [bumped, this.producerEpoch];
    else if (expectedEpoch === this.lastProducerEpoch) [next, last] = [this.producerEpoch, this.lastProducerEpoch];
    else return 'fenced';
    return this.#prepare(TxnState.Empty, this.producerId, next, last, newTimeoutMs, new Map(), -1, now);
  }

  /** Epochs exhausted: a fresh producer id at epoch 0. */
  prepareProducerIdRotation(newProducerId: bigint, newTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransit {
    if (this.hasPendingTransaction) throw new IllegalTxnTransition('cannot rotate producer ids while a transaction is pending');
    return this.#prepare(TxnState.Empty, newProducerId, 0, recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH, newTimeoutMs, new Map(), -1, now);
  }

  prepareAddPartitions(added: readonly TopicPartition[], now: number): TxnTransit {
    const start = this.state === TxnState.Empty || this.state === TxnState.CompleteAbort || this.state === TxnState.CompleteCommit ? now : this.txnStartTimestamp;
    const partitions = new Map(this.partitions);
    for (const tp of added) partitions.set(tpKey(tp), tp);
    return this.#prepare(TxnState.Ongoing, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, partitions, start, now);
  }

  prepareAbortOrCommit(state: typeof TxnState.PrepareCommit | typeof TxnState.PrepareAbort, now: number): TxnTransit {
    return this.#prepare(state, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.partitions, this.txnStartTimestamp, now);
  }

  /** After the markers are written. Kafka's transit keeps `lastProducerEpoch = producerEpoch` here. */
  prepareComplete(now: number): TxnTransit {
    const state = this.state === TxnState.PrepareCommit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
    this.hasFailedEpochFence = false;
    return this.#prepare(state, this.producerId, this.producerEpoch, this.producerEpoch, this.txnTimeoutMs, new Map(), this.txnStartTimestamp, now);
  }

  prepareDead(): TxnTransit {
    return this.#prepare(TxnState.Dead, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new Map(), this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  #prepare(
    state: TxnStateId,
    producerId: bigint,
    producerEpoch: number,
    lastProducerEpoch: number,
    txnTimeoutMs: number,
    partitions: ReadonlyMap<string, TopicPartition>,
    txnStartTimestamp: number,
    now: number,
  ): TxnTransit {
    if (this.pendingState !== undefined) throw new IllegalTxnTransition(`${this.transactionalId}: transition to ${TXN_STATE_NAMES[state]} while ${TXN_STATE_NAMES[this.pendingState]} is pending`);
    if (producerId < 0n) throw new IllegalTxnTransition(`illegal producer id ${producerId}`);
    if (state !== TxnState.Dead && producerEpoch < 0) throw new IllegalTxnTransition(`illegal producer epoch ${producerEpoch}`);
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new IllegalTxnTransition(`${this.transactionalId}: ${TXN_STATE_NAMES[this.state]} → ${TXN_STATE_NAMES[state]} is not a valid transition`);
    }
    this.pendingState = state;
    return {
      producerId,
      previousProducerId: this.producerId,
      producerEpoch,
      lastProducerEpoch,
      txnTimeoutMs,
      state,
      partitions: new Map(partitions),
      txnStartTimestamp,
      txnLastUpdateTimestamp: now,
    };
  }

  /** Applies a transition once its record is in the log (`completeTransitionTo`). */
  complete(t: TxnTransit): void {
    if (this.pendingState !== t.state) throw new IllegalTxnTransition(`${this.transactionalId}: completing ${TXN_STATE_NAMES[t.state]} but pending is ${String(this.pendingState)}`);
    switch (t.state) {
      case TxnState.Empty:
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.previousProducerId = t.previousProducerId;
        this.producerId = t.producerId;
        this.txnStartTimestamp = -1;
        this.partitions.clear();
        break;
      case TxnState.Ongoing:
        this.txnStartTimestamp = t.txnStartTimestamp;
        for (const [k, tp] of t.partitions) this.partitions.set(k, tp);
        break;
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort:
        break;
      case TxnState.CompleteCommit:
      case TxnState.CompleteAbort:
        this.txnStartTimestamp = t.txnStartTimestamp;
        this.partitions.clear();
        break;
      default:
        throw new IllegalTxnTransition(`${this.transactionalId}: cannot complete a transition to ${TXN_STATE_NAMES[t.state]}`);
    }
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.pendingState = undefined;
    this.state = t.state;
  }
}
