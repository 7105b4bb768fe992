import { ApiKey, ErrorCode } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * ApiVersions (key 18), v0-4 (v4 is v3 on the wire; Java and franz-go send it first). The table lists
 * one entry per registered handler, so a key is advertised only once it is served. Unknown versions
 * never reach this file: the router answers them with the KIP-511 v0 reply.
 */

/** KIP-511 client software name/version rule (`ApiVersionsRequest.isValid`). */
const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const handler = defineHandler({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request, version) {
    const apiKeys = ctx.services.apiVersions().map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }));
    // Kafka answers INVALID_REQUEST to malformed client software fields (librdkafka then retries with v0).
    const valid = version < 3 || (SOFTWARE.test(request.clientSoftwareName) && SOFTWARE.test(request.clientSoftwareVersion));
    return {
      errorCode: valid ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
      apiKeys,
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: -1n,
    };
  },
  errorResponse: (_request, _version, errorCode) => ({ errorCode, apiKeys: [] }),
});
