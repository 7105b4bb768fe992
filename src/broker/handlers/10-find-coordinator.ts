import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/** FindCoordinator key types (KIP-98): 0 = consumer group, 1 = transactional id. */
const KEY_TYPES = new Set([0, 1]);

/**
 * FindCoordinator (key 10), v0-5. One node: this broker coordinates every group and every
 * transactional id. v4+ batch the keys (KIP-699) and answer per key; earlier versions carry one key
 * and answer at the top level. v6 (share groups, key type 2) is not advertised.
 */
export const handler = defineHandler({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request, version) {
    const { host, port } = ctx.services.advertised();
    const nodeId = ctx.services.nodeId;
    const answer = (key: string) => {
      if (!KEY_TYPES.has(request.keyType)) return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown key type ${request.keyType}` };
      const coordinator = request.keyType === 1 ? ctx.services.transactions : ctx.services.groups;
      if (coordinator.closed) return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
      return { key, nodeId, host, port, errorCode: ErrorCode.NONE, errorMessage: null };
    };
    if (version >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(answer) };
    const one = answer(request.key);
    return { throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port };
  },
  errorResponse: (request, version, errorCode) =>
    version >= 4
      ? { coordinators: request.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: null })) }
      : { errorCode, nodeId: -1, host: '', port: -1 },
});
