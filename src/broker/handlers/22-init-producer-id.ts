import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * InitProducerId (key 22), v0-5 (KIP-98; v3+ producer_id/producer_epoch of KIP-360; v4 renames
 * INVALID_PRODUCER_EPOCH to PRODUCER_FENCED).
 *
 * With a null transactional_id Kafka's TransactionCoordinator.handleInitProducerId "blindly accepts"
 * and returns a fresh producer id with epoch 0, whatever producer_id/producer_epoch a v3+ request
 * carries; Gregor does the same. (Idempotent Java producers bump their epoch locally after a
 * sequence error, KIP-360, so the broker never needs to bump one for them.)
 *
 * With a transactional_id the transaction coordinator answers: a new id or the next epoch (fencing
 * the previous producer), CONCURRENT_TRANSACTIONS while an ongoing transaction of the old epoch is
 * being aborted, INVALID_TRANSACTION_TIMEOUT above transaction.max.timeout.ms.
 */
export const handler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    if (request.transactionalId === null) {
      const producerId = await ctx.services.producers.ids.generate();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    }
    // KafkaApis: both -1 = no expectation; only one of them -1 is malformed.
    const pid = request.producerId;
    const epoch = request.producerEpoch;
    if ((pid === -1n) !== (epoch === -1)) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 };
    const expected = pid === -1n ? undefined : { producerId: pid, producerEpoch: epoch };
    const r = await ctx.services.transactions.initProducerId(request.transactionalId, request.transactionTimeoutMs, expected);
    // Clients before v4 do not know PRODUCER_FENCED (KafkaApis.handleInitProducerIdRequest).
    const errorCode = version < 4 && r.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
  errorResponse: (_request, _version, errorCode) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 }),
});
