import fs from 'node:fs';
import { StorageError, StorageErrorCode } from '../errors.ts';
import { isNotFound, writeFileAtomic } from './fs-io.ts';

/**
 * Kafka's text checkpoint format (`org.apache.kafka.server.common.CheckpointFile`): a version line
 * (`0`), an entry count line, then one entry per line with space-separated fields. Used for the
 * log-dir offset checkpoints and the per-partition `leader-epoch-checkpoint`.
 */
export const CHECKPOINT_VERSION = 0;

export async function writeCheckpoint(file: string, lines: readonly string[]): Promise<void> {
  await writeFileAtomic(file, `${CHECKPOINT_VERSION}\n${lines.length}\n${lines.map((l) => `${l}\n`).join('')}`);
}

/** The entry lines, split into fields; an absent file has no entries. A malformed one is an error, not silence. */
export async function readCheckpoint(file: string): Promise<string[][]> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const malformed = (why: string): StorageError =>
    new StorageError(StorageErrorCode.storageError, `malformed checkpoint file ${file}: ${why}`);
  if (lines[0]?.trim() !== String(CHECKPOINT_VERSION)) throw malformed(`unsupported version line ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0) throw malformed(`bad entry count ${JSON.stringify(lines[1])}`);
  if (lines.length !== count + 2) throw malformed(`expected ${count} entries, found ${lines.length - 2}`);
  return lines.slice(2).map((l) => l.trim().split(/\s+/));
}

/** `topic partition offset` entries of the log-dir checkpoints, keyed `topic-partition`. */
export async function readOffsetCheckpoint(file: string): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const fields of await readCheckpoint(file)) {
    const [topic, partition, offset] = fields;
    if (topic === undefined || partition === undefined || offset === undefined || fields.length !== 3) {
      throw new StorageError(StorageErrorCode.storageError, `malformed entry in ${file}: ${fields.join(' ')}`);
    }
    result.set(`${topic}-${Number(partition)}`, Number(offset));
  }
  return result;
}

export async function writeOffsetCheckpoint(
  file: string,
  entries: Iterable<{ topic: string; partition: number; offset: number }>,
): Promise<void> {
  const lines: string[] = [];
  for (const e of entries) lines.push(`${e.topic} ${e.partition} ${e.offset}`);
  await writeCheckpoint(file, lines);
}
