import { ERRORS } from '../protocol/messages/index.ts';
import { GregorError } from '../util/index.ts';

/**
 * Errors the client throws. Kafka error codes arrive as data; `KafkaError` turns one into an
 * exception with the code's name (`NOT_LEADER_OR_FOLLOWER`) as its stable `code`, and the
 * retriable flag Java gives it (its exception extends RetriableException).
 */
export class KafkaError extends GregorError {
  readonly errorCode: number;

  constructor(errorCode: number, context: string, message?: string | null) {
    const info = ERRORS.get(errorCode);
    const name = info?.name ?? `KAFKA_ERROR_${errorCode}`;
    super(name, `${context}: ${name}${message ? ` (${message})` : ''}`, { retriable: info?.retriable ?? false });
    this.errorCode = errorCode;
  }
}

/** The connection failed or closed; the request may or may not have reached the broker. */
export class ConnectionError extends GregorError {
  constructor(message: string, cause?: unknown) {
    super('CONNECTION_ERROR', message, { retriable: true, cause });
  }
}

/** The caller's AbortSignal fired before the response came; the connection stays open. */
export class RequestAbortedError extends GregorError {
  constructor(message: string, cause?: unknown) {
    super('ABORTED', message, { cause });
  }
}

/** No response within the request's timeout. */
export class RequestTimeoutError extends GregorError {
  constructor(message: string) {
    super('REQUEST_TIMEOUT', message, { retriable: true });
  }
}

/** The broker and this client share no version of an API (Java's UnsupportedVersionException). */
export class UnsupportedVersionError extends GregorError {
  constructor(message: string) {
    super('UNSUPPORTED_VERSION', message);
  }
}

/** Misuse of the client API (bad arguments, a closed producer). */
export class ClientError extends GregorError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** Throws a KafkaError unless `errorCode` is 0. */
export function check(errorCode: number, context: string, message?: string | null): void {
  if (errorCode !== 0) throw new KafkaError(errorCode, context, message);
}

/** Error codes after which the cached metadata is stale and must be refreshed (Java's InvalidMetadataException). */
export const STALE_METADATA_ERRORS: ReadonlySet<number> = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  9, // REPLICA_NOT_AVAILABLE
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  100, // UNKNOWN_TOPIC_ID
  103, // INCONSISTENT_TOPIC_ID
]);

/** Coordinator errors after which FindCoordinator must be asked again. */
export const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([
  14, // COORDINATOR_LOAD_IN_PROGRESS (retry same coordinator, but re-finding is harmless)
  15, // COORDINATOR_NOT_AVAILABLE
  16, // NOT_COORDINATOR
]);

export function isRetriable(error: unknown): boolean {
  return error instanceof GregorError && error.retriable;
}
