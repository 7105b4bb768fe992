import { ApiKey } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/** DescribeTransactions (key 65), v0 (KIP-664): one state per transactional id asked for. */
export const handler = defineHandler({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((id) => {
        const d = ctx.services.transactions.describe(id);
        const topics = new Map<string, number[]>();
        for (const tp of d.partitions) {
          let list = topics.get(tp.topic);
          if (list === undefined) topics.set(tp.topic, (list = []));
          list.push(tp.partition);
        }
        return {
          errorCode: d.errorCode,
          transactionalId: id,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: d.startTimeMs,
          producerId: d.producerId,
          producerEpoch: d.producerEpoch,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        };
      }),
    };
  },
  errorResponse: (request, _version, errorCode) => ({
    throttleTimeMs: 0,
    transactionStates: request.transactionalIds.map((transactionalId) => ({
      errorCode,
      transactionalId,
      transactionState: '',
      transactionTimeoutMs: 0,
      transactionStartTimeMs: -1n,
      producerId: -1n,
      producerEpoch: -1,
      topics: [],
    })),
  }),
});
