import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StorageErrorCode } from '../errors.ts';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file.ts';
import { withTempDir } from './test-support.ts';

test("offset checkpoints use Kafka's text format and leave no temp file", () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'recovery-point-offset-checkpoint');
    await writeOffsetCheckpoint(file, [
      { topic: 'a-b', partition: 0, offset: 42 },
      { topic: 'c', partition: 11, offset: 0 },
    ]);
    assert.equal(fs.readFileSync(file, 'utf8'), '0\n2\na-b 0 42\nc 11 0\n');
    assert.deepEqual(fs.readdirSync(dir), ['recovery-point-offset-checkpoint']);
    assert.deepEqual([...(await readOffsetCheckpoint(file))], [
      ['a-b-0', 42],
      ['c-11', 0],
    ]);
    assert.equal((await readOffsetCheckpoint(path.join(dir, 'missing'))).size, 0);
  }));

test('a malformed checkpoint is an error, not an empty map', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'cp');
    for (const text of ['1\n0\n', '0\n2\na 0 1\n', '0\nx\n', '0\n1\na 0\n']) {
      fs.writeFileSync(file, text);
      await assert.rejects(readOffsetCheckpoint(file), { code: StorageErrorCode.storageError }, JSON.stringify(text));
    }
  }));
