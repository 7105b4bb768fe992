import { ApiKey } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * ListTransactions (key 66), v0-1 (KIP-664): filters by state name and producer id; v1 (KIP-994)
 * adds a duration filter, keeping transactions running longer than it. Unknown state names are
 * echoed in `unknown_state_filters`.
 */
export const handler = defineHandler({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request, version) {
    const duration = version >= 1 ? Number(request.durationFilter) : -1;
    const r = ctx.services.transactions.list(request.stateFilters, request.producerIdFilters, duration);
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      unknownStateFilters: [...r.unknownStateFilters],
      transactionStates: r.transactions.map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
    };
  },
  errorResponse: (_request, _version, errorCode) => ({ throttleTimeMs: 0, errorCode, unknownStateFilters: [], transactionStates: [] }),
});
