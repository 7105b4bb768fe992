import { GregorError } from '../util/index.ts';

/**
 * Errors storage throws. Codes are the names of the Kafka error a broker answers with, so a handler
 * maps `code` straight to an error code (e.g. CORRUPT_MESSAGE = 2, OFFSET_OUT_OF_RANGE = 1).
 */
export const StorageErrorCode = {
  corruptMessage: 'CORRUPT_MESSAGE',
  invalidRecord: 'INVALID_RECORD',
  recordTooLarge: 'MESSAGE_TOO_LARGE',
  offsetOutOfRange: 'OFFSET_OUT_OF_RANGE',
  storageError: 'KAFKA_STORAGE_ERROR',
  unknownTopicOrPartition: 'UNKNOWN_TOPIC_OR_PARTITION',
  topicAlreadyExists: 'TOPIC_ALREADY_EXISTS',
  logClosed: 'LOG_CLOSED',
} as const;
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

export class StorageError extends GregorError {
  constructor(code: StorageErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
