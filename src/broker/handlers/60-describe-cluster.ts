import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED } from './authorized-operations.ts';
import { defineHandler } from './handler.ts';

/** `endpoint_type` of DescribeCluster v1 (KIP-919): 1 = brokers, 2 = controllers. */
const BROKERS = 1;

/**
 * DescribeCluster (key 60), v0-1 (KIP-700): the Java admin's describeCluster. Controllers cannot be
 * described through a broker (Kafka answers UNSUPPORTED_ENDPOINT_TYPE), and Gregor has no separate
 * controller quorum anyway.
 */
export const handler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    const { metadata } = ctx.services;
    const base = { throttleTimeMs: 0, endpointType: request.endpointType, clusterId: metadata.clusterId, controllerId: metadata.controllerId() };
    if (request.endpointType !== BROKERS) {
      return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'The target broker only supports broker endpoints.', brokers: [] };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      brokers: metadata.brokers().map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
  errorResponse: (_request, _version, errorCode) => ({ throttleTimeMs: 0, errorCode, clusterId: '', brokers: [] }),
});
