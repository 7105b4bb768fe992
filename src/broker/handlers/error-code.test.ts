import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../protocol/messages/index.ts';
import { StorageError, StorageErrorCode } from '../../storage/index.ts';
import { GregorError } from '../../util/index.ts';
import { errorCodeOf } from './error-code.ts';

test('errors named after Kafka errors map to their codes; others are UNKNOWN_SERVER_ERROR', () => {
  assert.equal(errorCodeOf(new StorageError(StorageErrorCode.offsetOutOfRange, 'x')), ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(errorCodeOf(new StorageError(StorageErrorCode.corruptMessage, 'x')), ErrorCode.CORRUPT_MESSAGE);
  assert.equal(errorCodeOf(new GregorError('NOT_A_KAFKA_ERROR', 'x')), ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.equal(errorCodeOf(new TypeError('bug')), ErrorCode.UNKNOWN_SERVER_ERROR);
});
