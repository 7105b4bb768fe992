import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * EndTxn (key 26), v0-4 (transaction version 0/1; v5 is KIP-890 part 2 and not advertised). The
 * coordinator writes PrepareCommit/PrepareAbort, the markers, then CompleteCommit/CompleteAbort; a
 * retry after completion with the same outcome is answered NONE, as Kafka does. v0-1 see
 * INVALID_PRODUCER_EPOCH instead of PRODUCER_FENCED (KafkaApis.handleEndTxnRequest).
 */
export const handler = defineHandler({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const r = await ctx.services.transactions.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed);
    return { throttleTimeMs: 0, errorCode: version < 2 && r === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r };
  },
  errorResponse: (_request, _version, errorCode) => ({ throttleTimeMs: 0, errorCode }),
});
