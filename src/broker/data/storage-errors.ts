import { ErrorCode } from '../../protocol/messages/index.ts';
import { StorageError, StorageErrorCode } from '../../storage/index.ts';

/**
 * The Kafka error code for a failure of the storage layer. Storage errors name Kafka codes where
 * one exists; a log closing under a request (topic deletion, shutdown) reads to clients as a
 * leadership change, which they retry. Anything else is an I/O failure: KAFKA_STORAGE_ERROR.
 */
export function errorCodeOfStorageFailure(err: unknown): number {
  if (!(err instanceof StorageError)) return ErrorCode.KAFKA_STORAGE_ERROR;
  if (err.code === StorageErrorCode.logClosed) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const code = (ErrorCode as Record<string, number>)[err.code];
  return code ?? ErrorCode.KAFKA_STORAGE_ERROR;
}
