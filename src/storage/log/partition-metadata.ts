import fs from 'node:fs';
import path from 'node:path';
import { StorageError, StorageErrorCode } from '../errors.ts';
import { PARTITION_METADATA_FILE } from './file-names.ts';
import { isNotFound, writeFileAtomic } from './fs-io.ts';

/**
 * `partition.metadata`, Kafka's `PartitionMetadataFile`: `version: 0` then `topic_id: <id>` with the
 * id in Kafka's printed form (URL-safe base64 without padding). It lets a broker tell a recreated
 * topic of the same name from the old one. In memory the id is the canonical 8-4-4-4-12 UUID.
 */
export async function writePartitionMetadata(dir: string, topicId: string): Promise<void> {
  await writeFileAtomic(path.join(dir, PARTITION_METADATA_FILE), `version: 0\ntopic_id: ${uuidToKafkaString(topicId)}\n`);
}

export async function readPartitionMetadata(dir: string): Promise<string | undefined> {
  const file = path.join(dir, PARTITION_METADATA_FILE);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const match = /^version: 0\ntopic_id: ([A-Za-z0-9_-]{22})\n?$/.exec(text);
  if (match === null) throw new StorageError(StorageErrorCode.storageError, `malformed ${file}: ${JSON.stringify(text)}`);
  return uuidFromKafkaString(match[1]!);
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function uuidToKafkaString(uuid: string): string {
  if (!UUID_PATTERN.test(uuid)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64url');
}

export function uuidFromKafkaString(text: string): string {
  const hex = Buffer.from(text, 'base64url').toString('hex');
  if (hex.length !== 32) throw new TypeError(`not a Kafka UUID string: ${text}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
