import { boolProperty, UsageError } from './args.ts';

/**
 * Kafka's console-producer line format (LineMessageReader in kafka-console-producer.sh): with
 * parse.headers, the line starts with `k1:v1,k2:v2` then headers.delimiter; with parse.key, the key
 * then key.separator; the rest is the value. A field equal to null.marker becomes null.
 */
export interface ParsedLine {
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
}

export interface LineFormat {
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  nullMarker: string | undefined;
  /** On a line without a separator: the whole line is the value (true), or the line is an error. */
  ignoreError: boolean;
}

const KNOWN = new Set(['parse.key', 'key.separator', 'parse.headers', 'headers.delimiter', 'headers.separator', 'headers.key.separator', 'null.marker', 'ignore.error']);

export function lineFormat(props: ReadonlyMap<string, string>): LineFormat {
  for (const name of props.keys()) if (!KNOWN.has(name)) throw new UsageError(`unknown --property '${name}'; known: ${[...KNOWN].join(', ')}`);
  const nonEmpty = (name: string, fallback: string): string => {
    const v = props.get(name) ?? fallback;
    if (v === '') throw new UsageError(`--property ${name} must not be empty`);
    return v;
  };
  const format: LineFormat = {
    parseKey: boolProperty(props, 'parse.key', false),
    keySeparator: nonEmpty('key.separator', '\t'),
    parseHeaders: boolProperty(props, 'parse.headers', false),
    headersDelimiter: nonEmpty('headers.delimiter', '\t'),
    headersSeparator: nonEmpty('headers.separator', ','),
    headersKeySeparator: nonEmpty('headers.key.separator', ':'),
    nullMarker: props.get('null.marker'),
    ignoreError: boolProperty(props, 'ignore.error', false),
  };
  // An empty marker would turn every empty key or value into null, which is never what is meant.
  if (format.nullMarker === '') throw new UsageError('--property null.marker must not be empty');
  return format;
}

/** Thrown for a line that does not match the format; the producer stops there, as Kafka's does. */
export class LineError extends Error {}

export function parseLine(line: string, lineNumber: number, f: LineFormat): ParsedLine {
  const nullable = (s: string): string | null => (f.nullMarker !== undefined && s === f.nullMarker ? null : s);
  let rest = line;
  const headers: ParsedLine['headers'] = [];
  if (f.parseHeaders) {
    const at = rest.indexOf(f.headersDelimiter);
    if (at < 0) {
      if (!f.ignoreError) throw new LineError(`no headers delimiter found on line number ${lineNumber}: '${line}'`);
    } else {
      const part = rest.slice(0, at);
      rest = rest.slice(at + f.headersDelimiter.length);
      if (part !== '') {
        for (const pair of part.split(f.headersSeparator)) {
          const sep = pair.indexOf(f.headersKeySeparator);
          if (sep < 0) throw new LineError(`no header key separator found in pair '${pair}' on line number ${lineNumber}`);
          headers.push({ key: pair.slice(0, sep), value: nullable(pair.slice(sep + f.headersKeySeparator.length)) });
        }
      }
    }
  }
  let key: string | null = null;
  if (f.parseKey) {
    const at = rest.indexOf(f.keySeparator);
    if (at < 0) {
      if (!f.ignoreError) throw new LineError(`no key separator found on line number ${lineNumber}: '${line}'`);
    } else {
      key = nullable(rest.slice(0, at));
      rest = rest.slice(at + f.keySeparator.length);
    }
  }
  return { key, value: nullable(rest), headers };
}
