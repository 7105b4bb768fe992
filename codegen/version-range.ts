/** A version range from the message specs: "3", "0-4", "9+", "none". `max` is Infinity for "N+". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export const NO_VERSIONS: VersionRange = { min: 0, max: -1 };

export function parseRange(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none') return NO_VERSIONS;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const span = /^(\d+)-(\d+)$/.exec(text);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`bad version range: ${text}`);
}

export function contains(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}
