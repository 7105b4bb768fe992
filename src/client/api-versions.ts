import { API_INFO, ApiKey, ErrorCode, decodeResponseFrame } from '../protocol/messages/index.ts';
import type { Connection } from './connection.ts';
import { KafkaError, UnsupportedVersionError } from './errors.ts';

/**
 * Versions this client sends, where narrower than what the codec can encode:
 * - Produce >= 3: earlier versions carry message sets v0/v1, not record batches v2.
 * - Fetch <= 12: 13+ name topics by id only; we address topics by name (Java does the same
 *   when a topic has no id, AbstractFetch/FetchRequest.Builder).
 * - ListOffsets >= 1: v0 returns a list of offsets instead of one.
 * - Metadata >= 1: v0 has no controller id and an empty list means "all topics".
 */
const CLIENT_RANGES: Partial<Record<number, { min?: number; max?: number }>> = {
  [ApiKey.Produce]: { min: 3 },
  [ApiKey.Fetch]: { max: 12 },
  [ApiKey.ListOffsets]: { min: 1 },
  [ApiKey.Metadata]: { min: 1 },
};

/** Our own range for an API: the codec's, narrowed by CLIENT_RANGES. */
export function clientRange(apiKey: number): { min: number; max: number } | undefined {
  const info = API_INFO[apiKey];
  if (info === undefined) return undefined;
  const narrow = CLIENT_RANGES[apiKey];
  return { min: Math.max(info.minVersion, narrow?.min ?? 0), max: Math.min(info.maxVersion, narrow?.max ?? Infinity) };
}

/** What one broker advertised, and the version we pick per API: min(broker max, our max), if >= both mins. */
export class VersionTable {
  readonly #broker = new Map<number, { min: number; max: number }>();

  constructor(apiKeys: ReadonlyArray<{ apiKey: number; minVersion: number; maxVersion: number }>) {
    for (const k of apiKeys) this.#broker.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
  }

  supports(apiKey: number): boolean {
    return this.#pick(apiKey) !== null;
  }

  brokerRange(apiKey: number): { min: number; max: number } | undefined {
    return this.#broker.get(apiKey);
  }

  /** The version to send; throws UnsupportedVersionError naming both ranges when they do not overlap. */
  pick(apiKey: number): number {
    const v = this.#pick(apiKey);
    if (v !== null) return v;
    const name = API_INFO[apiKey]?.name ?? `api ${apiKey}`;
    const ours = clientRange(apiKey);
    const theirs = this.#broker.get(apiKey);
    throw new UnsupportedVersionError(
      theirs === undefined
        ? `the broker does not support ${name}`
        : `no common version of ${name}: broker ${theirs.min}-${theirs.max}, client ${ours?.min}-${ours?.max}`,
    );
  }

  #pick(apiKey: number): number | null {
    const ours = clientRange(apiKey);
    const theirs = this.#broker.get(apiKey);
    if (ours === undefined || theirs === undefined) return null;
    const v = Math.min(ours.max, theirs.max);
    return v >= ours.min && v >= theirs.min ? v : null;
  }
}

export interface ClientSoftware {
  name: string;
  version: string;
}

/**
 * ApiVersions handshake with KIP-511 fallback, as Java's NetworkClient.handleApiVersionsResponse:
 * send our newest version; a broker that does not know it answers with a v0 body carrying
 * UNSUPPORTED_VERSION and (usually) its own ApiVersions range; retry with that range's max (or v0).
 * The error code is the first field of every version, so it is peeked before choosing a decoder.
 */
export async function negotiateVersions(conn: Connection, software: ClientSoftware, timeoutMs?: number): Promise<VersionTable> {
  let version = API_INFO[ApiKey.ApiVersions]!.maxVersion;
  for (let attempt = 0; attempt < 3; attempt++) {
    const frame = await conn.requestFrame(
      ApiKey.ApiVersions,
      version,
      { clientSoftwareName: software.name, clientSoftwareVersion: software.version },
      timeoutMs === undefined ? {} : { timeoutMs },
    );
    // Response header v0 (correlation id) always, then int16 error code.
    const errorCode = frame!.length >= 6 ? frame!.readInt16BE(4) : ErrorCode.NONE;
    if (errorCode === ErrorCode.UNSUPPORTED_VERSION && version > 0) {
      const body = decodeResponseFrame(ApiKey.ApiVersions, 0, frame!).body;
      const own = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
      version = own === undefined ? 0 : Math.min(own.maxVersion, version - 1);
      continue;
    }
    const body = decodeResponseFrame(ApiKey.ApiVersions, version, frame!).body;
    if (body.errorCode !== ErrorCode.NONE) throw new KafkaError(body.errorCode, `ApiVersions v${version} to ${conn.describe()}`);
    return new VersionTable(body.apiKeys);
  }
  throw new UnsupportedVersionError(`${conn.describe()} rejected every ApiVersions version`);
}
