import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * AddOffsetsToTxn (key 25), v0-4: adds the group's `__consumer_offsets` partition to the
 * transaction, so EndTxn writes a marker there and the TxnOffsetCommit offsets settle with it.
 * v0-1 see INVALID_PRODUCER_EPOCH instead of PRODUCER_FENCED (KafkaApis.handleAddOffsetsToTxnRequest).
 */
export const handler = defineHandler({
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const partition = ctx.services.groups.offsetsPartitionFor(request.groupId);
    const r = await ctx.services.transactions.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, [{ topic: '__consumer_offsets', partition }]);
    return { throttleTimeMs: 0, errorCode: version < 2 && r === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r };
  },
  errorResponse: (_request, _version, errorCode) => ({ throttleTimeMs: 0, errorCode }),
});
