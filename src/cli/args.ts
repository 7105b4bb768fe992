import { createClient, type Client } from '../client/index.ts';
import { GregorError } from '../util/index.ts';
import { ExitCode, type CommandIo, type CommandOption, type ParsedArgs } from './command.ts';

/**
 * Flag reading shared by the client-side commands (topics, produce, consume, groups, perf): Kafka's
 * flag names, values checked up front so a typo is a usage error (exit 2) before anything connects.
 */

/** The caller's mistake: the command prints the message and exits 2. */
export class UsageError extends Error {}

export const BOOTSTRAP_OPTION: CommandOption = {
  type: 'string',
  description: 'Brokers to bootstrap from, host:port[,host:port…] (default localhost:9092)',
  valueName: 'servers',
};

export function stringArg(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (Array.isArray(v)) {
    const last = v[v.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

export function requiredString(args: ParsedArgs, name: string): string {
  const v = stringArg(args, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function listArg(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** An integer flag within [min, max]; `fallback` when absent. */
export function intArg(args: ParsedArgs, name: string, fallback: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  const v = stringArg(args, name);
  if (v === undefined) return fallback;
  return parseIntArg(name, v, min, max);
}

export function parseIntArg(name: string, v: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`--${name} expects an integer, got '${v}'`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** `k=v` pairs (--config, --property); a value may itself contain '='. */
export function keyValues(args: ParsedArgs, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of listArg(args, name)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name} expects key=value, got '${item}'`);
    out.set(item.slice(0, eq).trim(), item.slice(eq + 1));
  }
  return out;
}

/** Kafka spells booleans in properties as true/false. */
export function boolProperty(props: ReadonlyMap<string, string>, name: string, fallback: boolean): boolean {
  const v = props.get(name);
  if (v === undefined) return fallback;
  if (v.toLowerCase() === 'true') return true;
  if (v.toLowerCase() === 'false') return false;
  throw new UsageError(`--property ${name} expects true or false, got '${v}'`);
}

/** `--acks all|-1|0|1`, as kafka-console-producer's --request-required-acks. */
export function acksArg(args: ParsedArgs, fallback: -1 | 0 | 1): -1 | 0 | 1 {
  const v = stringArg(args, 'acks');
  if (v === undefined) return fallback;
  if (v === 'all' || v === '-1') return -1;
  if (v === '0') return 0;
  if (v === '1') return 1;
  throw new UsageError(`--acks expects all, -1, 0 or 1, got '${v}'`);
}

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionArg = (typeof COMPRESSIONS)[number];

export function compressionArg(args: ParsedArgs): CompressionArg {
  const v = stringArg(args, 'compression') ?? 'none';
  const found = COMPRESSIONS.find((c) => c === v);
  if (found === undefined) throw new UsageError(`--compression expects one of ${COMPRESSIONS.join(', ')}, got '${v}'`);
  return found;
}

/** A client for the --bootstrap-server list. Few retries: a CLI should fail within seconds, not minutes. */
export function connect(args: ParsedArgs, clientId: string): Client {
  const servers = (stringArg(args, 'bootstrap-server') ?? 'localhost:9092').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (servers.length === 0) throw new UsageError('--bootstrap-server is empty');
  for (const s of servers) if (!/^\[?[^\]\s]+\]?:\d+$/.test(s)) throw new UsageError(`--bootstrap-server '${s}' is not host:port`);
  return createClient({ brokers: servers, clientId, connectTimeoutMs: 5000, retry: { retries: 4, initialBackoffMs: 100, maxBackoffMs: 1000 } });
}

/**
 * Runs a command body: UsageError → exit 2; client and broker errors (GregorError: a Kafka error code,
 * an unreachable broker) → their message and exit 1, without a stack, since they are not bugs in
 * gregor. Anything else propagates to main(), which prints the stack.
 */
export async function guarded(name: string, io: CommandIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`gregor ${name}: ${error.message}\nRun 'gregor ${name} --help' for usage.\n`);
      return ExitCode.usage;
    }
    if (error instanceof GregorError) {
      io.err(`gregor ${name}: ${error.message}\n`);
      return ExitCode.failure;
    }
    throw error;
  }
}

/** Column-aligned rows, as Kafka's tools print their tables. */
export function formatTable(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 1))).join(' ').trimEnd() + '\n').join('');
}
