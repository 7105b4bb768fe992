import { randomBytes } from 'node:crypto';
import { uuidFromBytes, uuidToBase64, ZERO_UUID } from '../protocol/wire/index.ts';

/** Kafka reserves the zero UUID ("no id") and 0…01 (`Uuid.METADATA_TOPIC_ID`). */
const METADATA_TOPIC_ID = '00000000-0000-0000-0000-000000000001';

/**
 * A random version-4 UUID as Kafka's `Uuid.randomUuid()`: never a reserved value, and never one
 * whose base64 form starts with '-' (it would read as a command-line flag, KAFKA-12315).
 */
export function randomUuid(): string {
  for (;;) {
    const raw = randomBytes(16);
    raw[6] = ((raw[6] ?? 0) & 0x0f) | 0x40;
    raw[8] = ((raw[8] ?? 0) & 0x3f) | 0x80;
    const id = uuidFromBytes(raw, 0);
    if (id === ZERO_UUID || id === METADATA_TOPIC_ID || uuidToBase64(id).startsWith('-')) continue;
    return id;
  }
}

/** A new cluster id: 22 characters of URL-safe base64, as `kafka-storage.sh random-uuid` prints. */
export function randomClusterId(): string {
  return uuidToBase64(randomUuid());
}
