import type { ApiKeyNumber, RequestBodies, RequestHeader, ResponseInputs } from '../../protocol/messages/index.ts';
import type { MetadataStore } from '../../cluster/index.ts';
import type { GroupCoordinator, ProducerIdManager, ProducerStateManager, TransactionCoordinator } from '../../coordinator/index.ts';
import type { Clock, Logger, Scheduler } from '../../util/index.ts';
import type { BrokerConfig } from '../config/index.ts';
import type { BrokerLogManager } from '../log-manager.ts';
import type { TopicManager } from '../topic-manager.ts';

/**
 * The contract between the network layer and the per-API handler files (`NN-name.ts`, numbered like
 * the API key, in the manner of franz-go's kfake). The router decodes a request, checks the version
 * against the handler's range, calls `handle`, and encodes whatever it returns at the request's
 * version; fields a version lacks are dropped by the codec, so a handler fills in everything it knows.
 */

/** Returned by a handler when Kafka sends nothing back (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('gregor.noResponse');
/** Returned by a handler to close the connection after earlier responses are written (Kafka's `closeConnection`). */
export const CLOSE_CONNECTION: unique symbol = Symbol('gregor.closeConnection');

export type HandlerResult<K extends ApiKeyNumber> = ResponseInputs[K] | typeof NO_RESPONSE | typeof CLOSE_CONNECTION;

export interface ConnectionInfo {
  /** Unique per broker process, for log lines. */
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The listener the request arrived on, e.g. `PLAINTEXT`. */
  readonly listenerName: string;
}

/** The host and port clients are told to connect to (Kafka's `advertised.listeners`). */
export interface AdvertisedEndpoint {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
}

/** Everything a handler may use. Built once per broker by start-broker.ts; shared by all connections. */
export interface BrokerServices {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly logs: BrokerLogManager;
  /** Topic create/delete/config with validation, shared by CreateTopics, Metadata auto-create, DeleteTopics. */
  readonly topics: TopicManager;
  /** Consumer groups and committed offsets (JoinGroup … OffsetDelete). */
  readonly groups: GroupCoordinator;
  /** Idempotent producers: id allocation (InitProducerId) and per-partition sequence state (Produce). */
  readonly producers: { readonly ids: ProducerIdManager; readonly state: ProducerStateManager };
  /** Transactional ids (KIP-98): InitProducerId with a transactional id, AddPartitionsToTxn … ListTransactions. */
  readonly transactions: TransactionCoordinator;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** This broker's endpoint, resolved after the listener is bound (ephemeral ports). */
  advertised(): AdvertisedEndpoint;
  /** The ApiVersions table as advertised: one entry per registered handler. */
  apiVersions(): readonly { apiKey: number; minVersion: number; maxVersion: number }[];
}

export interface RequestContext {
  readonly header: RequestHeader;
  readonly connection: ConnectionInfo;
  readonly services: BrokerServices;
  /** Aborted when the connection closes or the broker shuts down, so long waits (Fetch max_wait_ms) end early. */
  readonly signal: AbortSignal;
  /** Size of the request frame in bytes, without its 4-byte size prefix. */
  readonly requestSize: number;
}

export interface Handler<K extends ApiKeyNumber> {
  readonly apiKey: K;
  /** Versions this handler answers; the codec must support them. */
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Lowest version advertised in ApiVersions when lower than `minVersion`. Versions in
   * [advertisedMinVersion, minVersion) are advertised but answered by closing the connection, as Apache
   * 4.0 does for Produce v0-2: librdkafka < 2.11.1 only enables compression if Produce v0 is advertised.
   */
  readonly advertisedMinVersion?: number;
  handle(ctx: RequestContext, request: RequestBodies[K], version: number): HandlerResult<K> | Promise<HandlerResult<K>>;
  /**
   * The response that reports `errorCode` for every part of `request` (Kafka's
   * `AbstractRequest.getErrorResponse`). Used when the handler throws (UNKNOWN_SERVER_ERROR) and by
   * interceptors; without it such failures close the connection.
   */
  errorResponse?(request: RequestBodies[K], version: number, errorCode: number): ResponseInputs[K];
}

/** A handler of some API key, as stored in the registry. */
export type AnyHandler = { [K in ApiKeyNumber]: Handler<K> }[ApiKeyNumber];

/** Identity function that lets TypeScript infer K from `apiKey`. */
export function defineHandler<K extends ApiKeyNumber>(handler: Handler<K>): Handler<K> {
  return handler;
}

// ---------------------------------------------------------------------------------------------
// Test hook: interceptors (kfake's `ControlKey`). A test installs a function that sees every decoded
// request before its handler and may answer it, fail it, delay it, drop it or close the connection.

export interface InterceptedRequest {
  readonly apiKey: ApiKeyNumber;
  readonly version: number;
  readonly request: RequestBodies[ApiKeyNumber];
  readonly ctx: RequestContext;
}

export type InterceptAction =
  /** Let the next interceptor, then the handler, deal with it (the default for `undefined`). */
  | { readonly action: 'pass' }
  /** Answer with this body instead of calling the handler (must match the API key). */
  | { readonly action: 'respond'; readonly response: unknown }
  /** Answer with the handler's `errorResponse` for this code (closes if the handler has none). */
  | { readonly action: 'error'; readonly errorCode: number }
  /** Send nothing back, as for acks=0. */
  | { readonly action: 'drop' }
  /** Close the connection. */
  | { readonly action: 'close' };

/** May be async: awaiting a promise before returning delays the request (responses stay in order). */
export type Interceptor = (request: InterceptedRequest) => InterceptAction | undefined | Promise<InterceptAction | undefined>;

export interface InterceptOptions {
  /** Only requests with this API key reach the interceptor. */
  readonly apiKey?: ApiKeyNumber;
  /** Remove the interceptor after it has acted (returned anything but pass) this many times. */
  readonly times?: number;
}
