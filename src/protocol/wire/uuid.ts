/** Kafka UUIDs (topic ids) are 16 raw bytes on the wire; in memory, the canonical 8-4-4-4-12 hex form. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function uuidFromBytes(buf: Buffer, at: number): string {
  const hex = buf.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function uuidToBytes(uuid: string, out: Buffer, at: number): void {
  if (!UUID_PATTERN.test(uuid)) throw new TypeError(`not a UUID: ${uuid}`);
  out.write(uuid.replaceAll('-', ''), at, 16, 'hex');
}

/** Kafka prints topic and cluster ids as URL-safe base64 without padding (`Uuid.toString`). */
export function uuidToBase64(uuid: string): string {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64url');
}

export function uuidFromBase64(text: string): string {
  const raw = Buffer.from(text, 'base64url');
  if (raw.length !== 16) throw new TypeError(`not a base64 UUID: ${text}`);
  return uuidFromBytes(raw, 0);
}
