import type { ConsumedRecord } from '../client/index.ts';
import { boolProperty, UsageError } from './args.ts';

/**
 * How `gregor consume` prints a record. `value` and `key-value` follow Kafka's DefaultMessageFormatter
 * (print.timestamp, print.partition, print.offset, print.headers, print.key, print.value, separated
 * by key.separator, a tab); `json` prints one object per line for scripts.
 */
export type RecordFormatter = (r: ConsumedRecord) => string;

const FORMATS = ['value', 'key-value', 'json'] as const;
const KNOWN = new Set([
  'print.timestamp', 'print.partition', 'print.offset', 'print.headers', 'print.key', 'print.value',
  'key.separator', 'line.separator', 'headers.separator', 'null.literal',
]);

/** int64 as a JSON number while it is exact, else as a string, so nothing loses precision. */
function jsonInt(n: bigint): number | string {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

export function recordFormatter(format: string, props: ReadonlyMap<string, string>): RecordFormatter {
  if (!FORMATS.some((f) => f === format)) throw new UsageError(`--format expects one of ${FORMATS.join(', ')}, got '${format}'`);
  for (const name of props.keys()) if (!KNOWN.has(name)) throw new UsageError(`unknown --property '${name}'; known: ${[...KNOWN].join(', ')}`);
  const lineSep = props.get('line.separator') ?? '\n';
  if (format === 'json') {
    return (r) =>
      JSON.stringify({
        topic: r.topic,
        partition: r.partition,
        offset: jsonInt(r.offset),
        timestamp: jsonInt(r.timestamp),
        key: text(r.key),
        value: text(r.value),
        // A list, not an object: Kafka headers may repeat a key, and their order is kept.
        headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
      }) + lineSep;
  }
  const printTimestamp = boolProperty(props, 'print.timestamp', false);
  const printPartition = boolProperty(props, 'print.partition', false);
  const printOffset = boolProperty(props, 'print.offset', false);
  const printHeaders = boolProperty(props, 'print.headers', false);
  const printKey = boolProperty(props, 'print.key', format === 'key-value');
  const printValue = boolProperty(props, 'print.value', true);
  const keySep = props.get('key.separator') ?? '\t';
  const headersSep = props.get('headers.separator') ?? ',';
  const nullLiteral = props.get('null.literal') ?? 'null';
  return (r) => {
    const columns: string[] = [];
    if (printTimestamp) columns.push(r.timestamp < 0n ? 'NO_TIMESTAMP' : `CreateTime:${r.timestamp}`);
    if (printPartition) columns.push(`Partition:${r.partition}`);
    if (printOffset) columns.push(`Offset:${r.offset}`);
    if (printHeaders) columns.push(r.headers.length === 0 ? 'NO_HEADERS' : r.headers.map((h) => `${h.key}:${text(h.value) ?? nullLiteral}`).join(headersSep));
    if (printKey) columns.push(text(r.key) ?? nullLiteral);
    if (printValue) columns.push(text(r.value) ?? nullLiteral);
    return columns.join(keySep) + lineSep;
  };
}
