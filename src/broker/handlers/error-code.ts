import { ErrorCode } from '../../protocol/messages/index.ts';
import { GregorError } from '../../util/index.ts';

const BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(ErrorCode));

/**
 * The Kafka error code for an error thrown below the broker. Storage, cluster and coordinator errors
 * use Kafka error names as their `code` (StorageErrorCode.offsetOutOfRange = 'OFFSET_OUT_OF_RANGE'),
 * so a handler turns them into response data with this; anything else is UNKNOWN_SERVER_ERROR.
 */
export function errorCodeOf(error: unknown): number {
  if (error instanceof GregorError) return BY_NAME.get(error.code) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}
