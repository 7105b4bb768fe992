import {
  ApiKey,
  ErrorCode,
  decodeRequestFrameBody,
  decodeRequestHeaderFrom,
  encodeResponseFrame,
  type ApiKeyNumber,
  type RequestBodies,
  type RequestHeader,
  type ResponseInputs,
} from '../protocol/messages/index.ts';
import { Reader } from '../protocol/wire/index.ts';
import type { Logger } from '../util/index.ts';
import {
  CLOSE_CONNECTION,
  NO_RESPONSE,
  type AnyHandler,
  type BrokerServices,
  type ConnectionInfo,
  type HandlerResult,
  type InterceptAction,
  type RequestContext,
} from './handlers/handler.ts';
import type { HandlerRegistry } from './handlers/registry.ts';
import type { Interceptors } from './interceptors.ts';

/** What the connection does with one request frame, in request order. */
export type Outcome =
  | { readonly kind: 'respond'; readonly chunks: Buffer[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'close'; readonly reason: string };

const NONE: Outcome = { kind: 'none' };

/**
 * Turns one request frame (without its size prefix) into an outcome: decode the header, pick the
 * handler, check the version, decode the body, run interceptors and the handler, encode the response.
 * Follows Kafka's `SocketServer`/`KafkaApis` behaviour for bad input: unknown API keys, unsupported
 * versions (other than ApiVersions, KIP-511) and undecodable requests close the connection. A handler
 * that throws is a bug: it is logged and answered with UNKNOWN_SERVER_ERROR when the API has an error
 * response, else the connection is closed. Nothing here throws.
 */
export class Router {
  readonly #registry: HandlerRegistry;
  readonly #interceptors: Interceptors;
  readonly #services: BrokerServices;
  readonly #logger: Logger;

  constructor(deps: { registry: HandlerRegistry; interceptors: Interceptors; services: BrokerServices; logger: Logger }) {
    this.#registry = deps.registry;
    this.#interceptors = deps.interceptors;
    this.#services = deps.services;
    this.#logger = deps.logger;
  }

  dispatch(frame: Buffer, connection: ConnectionInfo, signal: AbortSignal): Outcome | Promise<Outcome> {
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = decodeRequestHeaderFrom(r);
    } catch (error) {
      return this.#close(connection, 'undecodable request header', { error: String(error), size: frame.length });
    }
    const { apiKey, apiVersion: version } = header;
    const handler = this.#registry.get(apiKey);
    if (handler === undefined) {
      return this.#close(connection, 'unknown or unsupported API key', { apiKey, version, correlationId: header.correlationId });
    }
    const lowest = handler.advertisedMinVersion ?? handler.minVersion;
    if (version < lowest || version > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions) return this.#unsupportedApiVersions(header, handler);
      return this.#close(connection, 'unsupported API version', { apiKey, version, correlationId: header.correlationId });
    }
    if (version < handler.minVersion) {
      // Advertised only for old clients' feature detection (Produce v0-2); Apache 4.0 closes too.
      return this.#close(connection, 'API version advertised for compatibility but not served', { apiKey, version });
    }
    let request: RequestBodies[ApiKeyNumber];
    try {
      request = decodeRequestFrameBody(apiKey as ApiKeyNumber, version, r);
    } catch (error) {
      return this.#close(connection, 'undecodable request body', { apiKey, version, correlationId: header.correlationId, error: String(error) });
    }
    const ctx: RequestContext = { header, connection, services: this.#services, signal, requestSize: frame.length };
    if (this.#interceptors.size > 0) {
      return this.#intercepted(handler, ctx, request, version).catch((error: unknown) => this.#failed(handler, ctx, request, version, error));
    }
    return this.#invoke(handler, ctx, request, version);
  }

  async #intercepted(handler: AnyHandler, ctx: RequestContext, request: RequestBodies[ApiKeyNumber], version: number): Promise<Outcome> {
    const action: InterceptAction = await this.#interceptors.run({ apiKey: handler.apiKey, version, request, ctx });
    switch (action.action) {
      case 'pass':
        return this.#invoke(handler, ctx, request, version);
      case 'respond':
        return this.#encode(ctx, version, action.response as ResponseInputs[ApiKeyNumber]);
      case 'error':
        return this.#errorResponse(handler, ctx, request, version, action.errorCode, 'interceptor asked for an error');
      case 'drop':
        return NONE;
      case 'close':
        return this.#close(ctx.connection, 'interceptor closed the connection', { apiKey: handler.apiKey });
    }
  }

  #invoke(handler: AnyHandler, ctx: RequestContext, request: RequestBodies[ApiKeyNumber], version: number): Outcome | Promise<Outcome> {
    let result: HandlerResult<ApiKeyNumber> | Promise<HandlerResult<ApiKeyNumber>>;
    try {
      // The registry pairs each handler with its own key, so the request type matches.
      result = (handler.handle as (c: RequestContext, q: unknown, v: number) => HandlerResult<ApiKeyNumber> | Promise<HandlerResult<ApiKeyNumber>>)(ctx, request, version);
    } catch (error) {
      return this.#failed(handler, ctx, request, version, error);
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => this.#finish(ctx, version, value),
        (error: unknown) => this.#failed(handler, ctx, request, version, error),
      );
    }
    return this.#finish(ctx, version, result);
  }

  #finish(ctx: RequestContext, version: number, result: HandlerResult<ApiKeyNumber>): Outcome {
    if (result === NO_RESPONSE) return NONE;
    if (result === CLOSE_CONNECTION) return this.#close(ctx.connection, 'handler closed the connection', { apiKey: ctx.header.apiKey });
    return this.#encode(ctx, version, result);
  }

  #encode(ctx: RequestContext, version: number, body: ResponseInputs[ApiKeyNumber]): Outcome {
    try {
      return { kind: 'respond', chunks: encodeResponseFrame(ctx.header.apiKey as ApiKeyNumber, version, ctx.header.correlationId, body) };
    } catch (error) {
      this.#logger.error('response could not be encoded (a bug); closing the connection', {
        connection: ctx.connection.id,
        apiKey: ctx.header.apiKey,
        version,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return { kind: 'close', reason: 'response encoding failed' };
    }
  }

  #failed(handler: AnyHandler, ctx: RequestContext, request: RequestBodies[ApiKeyNumber], version: number, error: unknown): Outcome {
    this.#logger.error('handler failed (a bug)', {
      connection: ctx.connection.id,
      apiKey: handler.apiKey,
      version,
      correlationId: ctx.header.correlationId,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return this.#errorResponse(handler, ctx, request, version, ErrorCode.UNKNOWN_SERVER_ERROR, 'handler failed');
  }

  #errorResponse(handler: AnyHandler, ctx: RequestContext, request: RequestBodies[ApiKeyNumber], version: number, errorCode: number, why: string): Outcome {
    const build = handler.errorResponse as ((q: unknown, v: number, e: number) => ResponseInputs[ApiKeyNumber]) | undefined;
    if (build === undefined) return this.#close(ctx.connection, `${why}; the API has no error response`, { apiKey: handler.apiKey });
    let body: ResponseInputs[ApiKeyNumber];
    try {
      body = build(request, version, errorCode);
    } catch (error) {
      return this.#close(ctx.connection, 'error response could not be built', { apiKey: handler.apiKey, error: String(error) });
    }
    return this.#encode(ctx, version, body);
  }

  /**
   * KIP-511: an ApiVersions version we do not know is answered, not closed: a v0 body with
   * UNSUPPORTED_VERSION and only our ApiVersions range, so the client retries with a version we speak
   * (`ApiVersionsRequest.getErrorResponse`; the response header is always v0).
   */
  #unsupportedApiVersions(header: RequestHeader, handler: AnyHandler): Outcome {
    const chunks = encodeResponseFrame(ApiKey.ApiVersions, 0, header.correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: handler.advertisedMinVersion ?? handler.minVersion, maxVersion: handler.maxVersion }],
    });
    return { kind: 'respond', chunks };
  }

  #close(connection: ConnectionInfo, reason: string, fields: Record<string, unknown>): Outcome {
    this.#logger.warn(`closing connection: ${reason}`, { connection: connection.id, remote: `${connection.remoteAddress}:${connection.remotePort}`, ...fields });
    return { kind: 'close', reason };
  }
}
