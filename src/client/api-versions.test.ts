import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API_INFO, ApiKey } from '../protocol/messages/index.ts';
import { VersionTable, clientRange } from './api-versions.ts';
import { UnsupportedVersionError } from './errors.ts';

test('picks min(broker max, client max) per API', () => {
  const t = new VersionTable([
    { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 13 },
    { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 7 },
    { apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: 17 },
  ]);
  assert.equal(t.pick(ApiKey.Metadata), API_INFO[ApiKey.Metadata]!.maxVersion);
  assert.equal(t.pick(ApiKey.Produce), 7);
  assert.equal(t.pick(ApiKey.Fetch), 12, 'Fetch is capped at 12: 13+ addresses topics by id only');
});

test('fails clearly when the ranges do not overlap or the broker lacks the API', () => {
  const t = new VersionTable([
    { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 2 },
    { apiKey: ApiKey.Metadata, minVersion: 20, maxVersion: 25 },
  ]);
  assert.throws(() => t.pick(ApiKey.Produce), (e: unknown) => e instanceof UnsupportedVersionError && /Produce: broker 0-2, client 3-11/.test(e.message));
  assert.throws(() => t.pick(ApiKey.Metadata), /no common version of Metadata: broker 20-25/);
  assert.throws(() => t.pick(ApiKey.JoinGroup), /the broker does not support JoinGroup/);
  assert.equal(t.supports(ApiKey.Produce), false);
});

test('the client range narrows the codec range where record batches v2 require it', () => {
  assert.deepEqual(clientRange(ApiKey.Produce), { min: 3, max: API_INFO[ApiKey.Produce]!.maxVersion });
  assert.equal(clientRange(9999), undefined);
});
