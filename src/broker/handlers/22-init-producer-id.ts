import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * InitProducerId (key 22), v0-5, for idempotent producers only (KIP-98; v3+ fields of KIP-360).
 *
 * With a null transactional_id Kafka's TransactionCoordinator.handleInitProducerId "blindly accepts"
 * and returns a fresh producer id with epoch 0, whatever producer_id/producer_epoch a v3+ request
 * carries; Gregor does the same. (Idempotent Java producers bump their epoch locally after a
 * sequence error, KIP-360, so the broker never needs to bump one for them; a fresh id is always safe
 * because producer state is keyed by id.)
 *
 * A transactional_id means transactions, which Gregor does not serve yet (no AddPartitionsToTxn,
 * EndTxn, __transaction_state). It is answered with INVALID_REQUEST: not retriable, so clients fail
 * at once (the Java producer's initTransactions throws "Unexpected error in InitProducerIdResponse"),
 * where COORDINATOR_NOT_AVAILABLE would make them retry until max.block.ms.
 */
export const handler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    if (request.transactionalId !== null) {
      ctx.services.logger.warn('InitProducerId with a transactional.id refused: transactions are not supported', {
        transactionalId: request.transactionalId,
        connection: ctx.connection.id,
      });
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 };
    }
    const producerId = await ctx.services.producers.ids.generate();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
  errorResponse: (_request, _version, errorCode) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 }),
});
