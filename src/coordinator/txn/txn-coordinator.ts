import { ErrorCode } from '../../protocol/messages/index.ts';
import type { Clock, Logger, Scheduler, Timer } from '../../util/index.ts';
import type { TxnLog, TxnMarkerWriter } from './txn-log.ts';
import {
  EXPIRABLE,
  isEpochExhausted,
  NO_PRODUCER_EPOCH,
  TransactionMetadata,
  TxnState,
  tpKey,
  txnStateFromName,
  TXN_STATE_NAMES,
  type TopicPartition,
  type TxnStateId,
  type TxnTransit,
} from './txn-metadata.ts';
import { decodeTxnKey, decodeTxnValue, txnKey, txnValue } from './txn-records.ts';

export interface TxnCoordinatorConfig {
  /** transaction.max.timeout.ms */
  readonly transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms */
  readonly transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  readonly abortTimedOutTransactionCleanupIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  readonly removeExpiredTransactionalIdCleanupIntervalMs: number;
  /** Pause before re-sending markers (or the completion record) that failed. */
  readonly retryBackoffMs?: number;
  /**
   * How long EndTxn waits for its markers before answering anyway. Kafka answers as soon as
   * PrepareCommit/PrepareAbort is durable; waiting for the markers (normally a few ms) spares the
   * client a round of CONCURRENT_TRANSACTIONS retries and makes the outcome visible on return.
   */
  readonly endTxnMarkerWaitMs?: number;
}

export interface TxnCoordinatorDeps {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly log: TxnLog;
  readonly markers: TxnMarkerWriter;
  /** The broker's producer id allocator (shared with idempotent producers). */
  readonly producerIds: { generate(): Promise<bigint> };
  /** Leader epoch of the `__transaction_state` partition, sent with markers (Kafka's coordinator epoch). */
  readonly coordinatorEpoch?: (partition: number) => number;
}

export interface InitProducerIdResult {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export interface TxnDescription {
  readonly errorCode: number;
  readonly transactionalId: string;
  readonly state: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly timeoutMs: number;
  readonly startTimeMs: bigint;
  readonly partitions: readonly TopicPartition[];
}

export interface TxnListing {
  readonly errorCode: number;
  readonly unknownStateFilters: readonly string[];
  readonly transactions: readonly { transactionalId: string; producerId: bigint; state: string }[];
}

/**
 * Marker results after which sending to that partition again cannot help: the partition is gone
 * (Kafka removes such partitions from the transaction), or it has seen a newer producer epoch or
 * coordinator epoch (Kafka stops sending then; completing the transaction instead keeps the id usable).
 */
const DROP_MARKER_CODES: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
]);

const initError = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1n, producerEpoch: NO_PRODUCER_EPOCH });

/**
 * The transaction coordinator (KIP-98; Kafka's TransactionCoordinator + TransactionStateManager):
 * one TransactionMetadata per transactional id, every transition written to `__transaction_state`
 * before it is applied or answered, markers written through the TxnMarkerWriter, timed-out
 * transactions aborted with an epoch bump, idle ids expired with a tombstone.
 *
 * Single-threaded by construction: each request runs synchronously up to its first log append, so
 * the checks and the `pendingState` they set cannot interleave; `pendingState` then keeps other
 * requests out (CONCURRENT_TRANSACTIONS) until the append resolves.
 */
export class TransactionCoordinator {
  readonly #txns = new Map<string, TransactionMetadata>();
  readonly #config: Required<TxnCoordinatorConfig>;
  readonly #deps: TxnCoordinatorDeps;
  #loading = false;
  #closed = false;
  #abortTimer: Timer | undefined;
  #expireTimer: Timer | undefined;
  /** Completions (markers + Complete* record) in flight, so tests and shutdown can wait for them. */
  readonly #completions = new Set<Promise<void>>();

  constructor(config: TxnCoordinatorConfig, deps: TxnCoordinatorDeps) {
    this.#config = { retryBackoffMs: 100, endTxnMarkerWaitMs: 5_000, ...config };
    this.#deps = deps;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The metadata of an id (tests, DescribeProducers-like diagnostics). */
  metadata(transactionalId: string): TransactionMetadata | undefined {
    return this.#txns.get(transactionalId);
  }

  #unavailable(): number | undefined {
    if (this.#closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.#loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // InitProducerId

  /**
   * InitProducerId with a transactional id (`handleInitProducerId`). `expected` is the v3+ producer
   * id/epoch of a producer recovering from an error (KIP-360). An ongoing transaction of the current
   * epoch is aborted with a bumped epoch first and the producer told CONCURRENT_TRANSACTIONS, so its
   * retry gets yet another epoch (which fences the old producer for good).
   */
  async initProducerId(transactionalId: string, timeoutMs: number, expected?: { producerId: bigint; producerEpoch: number }): Promise<InitProducerIdResult> {
    const unavailable = this.#unavailable();
    if (unavailable !== undefined) return initError(unavailable);
    if (transactionalId === '') return initError(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.#config.transactionMaxTimeoutMs) return initError(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    let md = this.#txns.get(transactionalId);
    if (md === undefined) {
      let producerId: bigint;
      try {
        producerId = await this.#deps.producerIds.generate();
      } catch (error) {
        this.#deps.logger.warn('producer id allocation failed', { error: String(error) });
        return initError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      md = this.#txns.get(transactionalId);
      if (md === undefined) {
        md = new TransactionMetadata({ transactionalId, producerId, producerEpoch: NO_PRODUCER_EPOCH, txnTimeoutMs: timeoutMs, state: TxnState.Empty, txnLastUpdateTimestamp: this.#deps.clock.now() });
        this.#txns.set(transactionalId, md);
      }
    }
    // Epochs exhausted: a new producer id is needed; allocate it before the synchronous checks.
    let rotatedId: bigint | undefined;
    if (md.isProducerEpochExhausted) {
      try {
        rotatedId = await this.#deps.producerIds.generate();
      } catch (error) {
        this.#deps.logger.warn('producer id allocation failed', { error: String(error) });
        return initError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }
    if (this.#txns.get(transactionalId) !== md) return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
    const prepared = this.#prepareInit(md, timeoutMs, expected, rotatedId);
    if (typeof prepared === 'number') return initError(prepared);
    if (prepared.state === TxnState.PrepareEpochFence) {
      const code = await this.#endTransaction(transactionalId, prepared.producerId, prepared.producerEpoch, false, false);
      return initError(code === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : code);
    }
    const code = await this.#append(md, prepared);
    if (code !== ErrorCode.NONE) return initError(code);
    this.#deps.logger.info('initialized transactional id', { transactionalId, producerId: String(md.producerId), producerEpoch: md.producerEpoch });
    return { errorCode: ErrorCode.NONE, producerId: md.producerId, producerEpoch: md.producerEpoch };
  }

  /** Kafka's `prepareInitProducerIdTransit`: an error code, or the transition to write. */
  #prepareInit(md: TransactionMetadata, timeoutMs: number, expected: { producerId: bigint; producerEpoch: number } | undefined, rotatedId: bigint | undefined): TxnTransit | number {
    // A v3+ producer names the id/epoch it had: anything but the current id (or the previous one
    // right after a rotation it never heard about) means another producer has taken over.
    const validExpected =
      expected === undefined ||
      md.producerEpoch === NO_PRODUCER_EPOCH ||
      expected.producerId === md.producerId ||
      (expected.producerId === md.previousProducerId && isEpochExhausted(expected.producerEpoch));
    if (md.pendingState !== undefined) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (!validExpected) return ErrorCode.PRODUCER_FENCED;
    switch (md.state) {
      case TxnState.PrepareAbort:
      case TxnState.PrepareCommit:
        return ErrorCode.CONCURRENT_TRANSACTIONS;
      case TxnState.CompleteAbort:
      case TxnState.CompleteCommit:
      case TxnState.Empty: {
        const now = this.#deps.clock.now();
        if (md.isProducerEpochExhausted && (expected === undefined || expected.producerEpoch === md.producerEpoch)) {
          if (rotatedId === undefined) return ErrorCode.CONCURRENT_TRANSACTIONS;
          return md.prepareProducerIdRotation(rotatedId, timeoutMs, now, expected !== undefined);
        }
        const t = md.prepareIncrementProducerEpoch(timeoutMs, expected?.producerEpoch, now);
        return t === 'fenced' ? ErrorCode.PRODUCER_FENCED : t;
      }
      case TxnState.Ongoing:
        // The bumped epoch is never returned: the abort runs, the client retries and bumps again.
        return md.prepareFenceProducerEpoch();
      default:
        throw new Error(`transactional id ${md.transactionalId} found in state ${md.stateName}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // AddPartitionsToTxn / AddOffsetsToTxn

  /** `handleAddPartitionsToTransaction`: one error for the whole request. */
  async addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number> {
    const unavailable = this.#unavailable();
    if (unavailable !== undefined) return unavailable;
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const md = this.#txns.get(transactionalId);
    if (md === undefined || md.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (md.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (md.pendingState !== undefined) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (md.state === TxnState.PrepareCommit || md.state === TxnState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (md.state === TxnState.Ongoing && partitions.every((tp) => md.partitions.has(tpKey(tp)))) return ErrorCode.NONE;
    return this.#append(md, md.prepareAddPartitions(partitions, this.#deps.clock.now()));
  }

  /**
   * KIP-890 part 1 (`handleVerifyPartitionsInTransaction`): is each partition in the producer's
   * ongoing transaction? TRANSACTION_ABORTABLE for one that is not.
   */
  verifyPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): Map<string, number> {
    const all = (code: number) => new Map(partitions.map((tp) => [tpKey(tp), code]));
    const unavailable = this.#unavailable();
    if (unavailable !== undefined) return all(unavailable);
    if (transactionalId === '') return all(ErrorCode.INVALID_REQUEST);
    const md = this.#txns.get(transactionalId);
    if (md === undefined || md.producerId !== producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (md.producerEpoch !== producerEpoch) return all(ErrorCode.PRODUCER_FENCED);
    if (md.state === TxnState.PrepareCommit || md.state === TxnState.PrepareAbort) return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    return new Map(partitions.map((tp) => [tpKey(tp), md.partitions.has(tpKey(tp)) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE]));
  }

  // -------------------------------------------------------------------------------------------
  // EndTxn

  /** EndTxn from a client (transaction version 0/1: the epoch must match exactly). */
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<number> {
    const unavailable = this.#unavailable();
    if (unavailable !== undefined) return Promise.resolve(unavailable);
    return this.#endTransaction(transactionalId, producerId, producerEpoch, commit, true);
  }

  /**
   * Kafka's `endTransaction`. Must run synchronously up to its first await when called right after
   * `prepareFenceProducerEpoch` (InitProducerId, timeouts): nothing else may see the fence pending.
   */
  async #endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, fromClient: boolean): Promise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const md = this.#txns.get(transactionalId);
    if (md === undefined || md.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    const validEpoch = (!fromClient || producerEpoch === md.producerEpoch) && producerEpoch >= md.producerEpoch;
    if (!validEpoch) return ErrorCode.PRODUCER_FENCED;
    const fencing = md.pendingState === TxnState.PrepareEpochFence;
    if (md.pendingState !== undefined && !fencing) return ErrorCode.CONCURRENT_TRANSACTIONS;
    switch (md.state) {
      case TxnState.Ongoing:
        break;
      case TxnState.CompleteCommit:
        // A retry of an EndTxn that already completed is answered as if it had just succeeded.
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case TxnState.CompleteAbort:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case TxnState.PrepareCommit:
        return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case TxnState.PrepareAbort:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      case TxnState.Empty:
        return ErrorCode.INVALID_TXN_STATE;
      default:
        throw new Error(`transactional id ${transactionalId} found in state ${md.stateName}`);
    }
    if (fencing) {
      if (commit) return ErrorCode.CONCURRENT_TRANSACTIONS;
      // The fence becomes the abort: its bumped epoch goes into the PrepareAbort record and markers.
      md.pendingState = undefined;
      md.producerEpoch = producerEpoch;
      md.lastProducerEpoch = NO_PRODUCER_EPOCH;
    }
    const now = this.#deps.clock.now();
    const prepare = md.prepareAbortOrCommit(commit ? TxnState.PrepareCommit : TxnState.PrepareAbort, now);
    const code = await this.#append(md, prepare);
    if (code !== ErrorCode.NONE) {
      // The epoch was bumped in memory but not written: the next fence must not bump again.
      if (fencing && this.#txns.get(transactionalId) === md) md.hasFailedEpochFence = true;
      return code;
    }
    this.#deps.logger.info(commit ? 'committing transaction' : 'aborting transaction', { transactionalId, producerId: String(md.producerId), producerEpoch: md.producerEpoch, fromClient });
    const done = this.#startCompletion(md, commit);
    // Wait (bounded) for the markers so the outcome is visible when the client hears back.
    await new Promise<void>((resolve) => {
      const timer = this.#deps.scheduler.schedule(this.#config.endTxnMarkerWaitMs, resolve);
      void done.then(() => {
        timer.cancel();
        resolve();
      });
    });
    return ErrorCode.NONE;
  }

  /** Moves a PrepareCommit/PrepareAbort transaction to Complete*: markers first, then the record. */
  #startCompletion(md: TransactionMetadata, commit: boolean): Promise<void> {
    const partitions = [...md.partitions.values()];
    const completion = md.prepareComplete(this.#deps.clock.now());
    return this.#track(this.#complete(md, commit, partitions, completion));
  }

  #track(work: Promise<void>): Promise<void> {
    const p = work.finally(() => this.#completions.delete(p));
    this.#completions.add(p);
    return p;
  }

  async #complete(md: TransactionMetadata, commit: boolean, partitions: TopicPartition[], completion: TxnTransit): Promise<void> {
    const coordinatorEpoch = this.#deps.coordinatorEpoch?.(this.#deps.log.partitionFor(md.transactionalId)) ?? 0;
    let remaining = partitions;
    while (remaining.length > 0) {
      let results: ReadonlyMap<string, number>;
      try {
        results = await this.#deps.markers.write({ producerId: md.producerId, producerEpoch: md.producerEpoch, coordinatorEpoch, commit, partitions: remaining });
      } catch (error) {
        this.#deps.logger.warn('writing transaction markers failed', { transactionalId: md.transactionalId, error: String(error) });
        results = new Map(remaining.map((tp) => [tpKey(tp), ErrorCode.UNKNOWN_SERVER_ERROR]));
      }
      const failed = remaining.filter((tp) => {
        const code = results.get(tpKey(tp)) ?? ErrorCode.NONE;
        if (code === ErrorCode.NONE) return false;
        if (DROP_MARKER_CODES.has(code)) {
          this.#deps.logger.warn('dropping transaction marker for a partition that cannot take it', { transactionalId: md.transactionalId, topic: tp.topic, partition: tp.partition, errorCode: code });
          return false;
        }
        return true;
      });
      remaining = failed;
      if (remaining.length === 0) break;
      if (this.#closed) return; // the Prepare* record stays; the next load sends the markers again
      await this.#sleep();
    }
    // Kafka retries the Complete* append until it succeeds or the coordinator moves.
    for (;;) {
      if (this.#txns.get(md.transactionalId) !== md) return;
      try {
        await this.#deps.log.append(this.#deps.log.partitionFor(md.transactionalId), [{ key: txnKey(md.transactionalId), value: txnValue(completion) }]);
        md.complete(completion);
        return;
      } catch (error) {
        this.#deps.logger.warn('writing transaction completion failed', { transactionalId: md.transactionalId, error: String(error) });
        if (this.#closed) return;
        await this.#sleep();
      }
    }
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => this.#deps.scheduler.schedule(this.#config.retryBackoffMs, resolve));
  }

  /** Resolves when every transaction being completed has its markers and Complete* record written. */
  async idle(): Promise<void> {
    while (this.#completions.size > 0) await Promise.all([...this.#completions]);
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  /** Writes a prepared transition and applies it (`appendTransactionToLog`); the pending state is cleared on failure. */
  async #append(md: TransactionMetadata, t: TxnTransit): Promise<number> {
    try {
      await this.#deps.log.append(this.#deps.log.partitionFor(md.transactionalId), [{ key: txnKey(md.transactionalId), value: txnValue(t) }]);
    } catch (error) {
      this.#deps.logger.warn('transaction log append failed', { transactionalId: md.transactionalId, error: String(error) });
      if (this.#txns.get(md.transactionalId) === md) md.pendingState = undefined;
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    // The id may have been unloaded meanwhile (shutdown); the client must find the coordinator again.
    if (this.#txns.get(md.transactionalId) !== md) return ErrorCode.NOT_COORDINATOR;
    md.complete(t);
    return ErrorCode.NONE;
  }

  // -------------------------------------------------------------------------------------------
  // DescribeTransactions, ListTransactions

  describe(transactionalId: string): TxnDescription {
    const none = (errorCode: number): TxnDescription => ({ errorCode, transactionalId, state: '', producerId: -1n, producerEpoch: -1, timeoutMs: -1, startTimeMs: -1n, partitions: [] });
    const unavailable = this.#unavailable();
    if (unavailable !== undefined) return none(unavailable);
    if (transactionalId === '') return none(ErrorCode.INVALID_REQUEST);
    const md = this.#txns.get(transactionalId);
    if (md === undefined || md.state === TxnState.Dead) return none(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    return {
      errorCode: ErrorCode.NONE,
      transactionalId,
      state: md.stateName,
      producerId: md.producerId,
      producerEpoch: md.producerEpoch,
      timeoutMs: md.txnTimeoutMs,
      startTimeMs: BigInt(md.txnStartTimestamp),
      partitions: [...md.partitions.values()],
    };
  }

  /** `listTransactionStates`: unknown state names are reported back; v1's duration keeps those running longer than it. */
  list(stateFilters: readonly string[], producerIdFilters: readonly bigint[], durationFilterMs = -1): TxnListing {
    const unavailable = this.#unavailable();
    if (unavailable !== undefined) return { errorCode: unavailable, unknownStateFilters: [], transactions: [] };
    const states = new Set<TxnStateId>();
    const unknownStateFilters: string[] = [];
    for (const name of stateFilters) {
      const id = txnStateFromName(name);
      if (id === undefined) unknownStateFilters.push(name);
      else states.add(id);
    }
    const pids = new Set(producerIdFilters);
    const now = this.#deps.clock.now();
    const transactions = [...this.#txns.values()]
      .filter((md) => {
        if (md.state === TxnState.Dead) return false;
        if (pids.size > 0 && !pids.has(md.producerId)) return false;
        if (stateFilters.length > 0 && !states.has(md.state)) return false;
        if (durationFilterMs >= 0 && now - md.txnStartTimestamp <= durationFilterMs) return false;
        return true;
      })
      .map((md) => ({ transactionalId: md.transactionalId, producerId: md.producerId, state: TXN_STATE_NAMES[md.state] }));
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactions };
  }

  // -------------------------------------------------------------------------------------------
  // Timeouts and expiration

  /**
   * Kafka's `abortTimedOutTransactions`: every Ongoing transaction older than its timeout is fenced
   * (epoch + 1, so the producer's next request gets PRODUCER_FENCED) and aborted. Returns how many.
   */
  abortTimedOutTransactions(): number {
    const now = this.#deps.clock.now();
    let count = 0;
    for (const md of [...this.#txns.values()]) {
      if (md.pendingState !== undefined || md.state !== TxnState.Ongoing || md.txnStartTimestamp + md.txnTimeoutMs >= now) continue;
      const fence = md.prepareFenceProducerEpoch();
      count++;
      this.#deps.logger.info('aborting timed-out transaction', { transactionalId: md.transactionalId, producerId: String(md.producerId), timeoutMs: md.txnTimeoutMs });
      this.#track(
        this.#endTransaction(md.transactionalId, fence.producerId, fence.producerEpoch, false, false).then((code) => {
          if (code !== ErrorCode.NONE) this.#deps.logger.warn('abort of timed-out transaction failed', { transactionalId: md.transactionalId, errorCode: code });
        }),
      );
    }
    return count;
  }

  /**
   * Kafka's `removeExpiredTransactionalIds`: an id idle (Empty/Complete*) for
   * transactional.id.expiration.ms gets a tombstone and is forgotten. Returns how many.
   */
  async expireTransactionalIds(): Promise<number> {
    const now = this.#deps.clock.now();
    const byPartition = new Map<number, { md: TransactionMetadata; epoch: number }[]>();
    for (const md of this.#txns.values()) {
      if (md.pendingState !== undefined || !EXPIRABLE.has(md.state) || md.txnLastUpdateTimestamp > now - this.#config.transactionalIdExpirationMs) continue;
      md.prepareDead();
      const p = this.#deps.log.partitionFor(md.transactionalId);
      let list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, (list = []));
      list.push({ md, epoch: md.producerEpoch });
    }
    let expired = 0;
    for (const [partition, list] of byPartition) {
      let ok = true;
      try {
        await this.#deps.log.append(partition, list.map(({ md }) => ({ key: txnKey(md.transactionalId), value: null })));
      } catch (error) {
        ok = false;
        this.#deps.logger.warn('writing tombstones for expired transactional ids failed', { error: String(error) });
      }
      for (const { md, epoch } of list) {
        if (ok && this.#txns.get(md.transactionalId) === md && md.pendingState === TxnState.Dead && md.producerEpoch === epoch) {
          this.#txns.delete(md.transactionalId);
          expired++;
        } else md.pendingState = undefined;
      }
    }
    if (expired > 0) this.#deps.logger.info('expired transactional ids', { count: expired });
    return expired;
  }

  #scheduleAbort(): void {
    this.#abortTimer = this.#deps.scheduler.schedule(this.#config.abortTimedOutTransactionCleanupIntervalMs, () => {
      if (this.#closed) return;
      this.abortTimedOutTransactions();
      this.#scheduleAbort();
    });
  }

  #scheduleExpire(): void {
    this.#expireTimer = this.#deps.scheduler.schedule(this.#config.removeExpiredTransactionalIdCleanupIntervalMs, () => {
      if (this.#closed) return;
      void this.expireTransactionalIds().finally(() => {
        if (!this.#closed) this.#scheduleExpire();
      });
    });
  }

  // -------------------------------------------------------------------------------------------
  // Loading and shutdown

  /**
   * Reads `__transaction_state` back (last record per id wins; a tombstone forgets it), then starts
   * the timers. A transaction found in PrepareCommit/PrepareAbort is completed (markers re-sent); one
   * found Ongoing is left to the timeout, as Kafka's `loadTransactionsForTxnTopicPartition` does.
   */
  async load(): Promise<void> {
    this.#loading = true;
    let records = 0;
    try {
      for await (const rec of this.#deps.log.readAll()) {
        records++;
        if (rec.control !== undefined) continue;
        try {
          const id = decodeTxnKey(rec.key);
          if (id === undefined) continue;
          if (rec.value === null) this.#txns.delete(id);
          else this.#txns.set(id, decodeTxnValue(id, rec.value));
        } catch (error) {
          this.#deps.logger.warn('skipping undecodable __transaction_state record', { error: String(error) });
        }
      }
    } finally {
      this.#loading = false;
    }
    let resumed = 0;
    for (const md of this.#txns.values()) {
      if (md.state === TxnState.PrepareCommit || md.state === TxnState.PrepareAbort) {
        resumed++;
        void this.#startCompletion(md, md.state === TxnState.PrepareCommit);
      }
    }
    if (records > 0) this.#deps.logger.info('loaded transaction state', { records, transactionalIds: this.#txns.size, resumed });
    if (!this.#closed) {
      this.#scheduleAbort();
      this.#scheduleExpire();
    }
  }

  close(): void {
    this.#closed = true;
    this.#abortTimer?.cancel();
    this.#expireTimer?.cancel();
  }
}
